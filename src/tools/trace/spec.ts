// The probe-spec language of BCC's trace: `t:category:event`, `u:lib:func`, `r:lib:func`,
// `p::func`, `r::func`, an optional `(predicate)`, and an optional `"format", args...`. Values are
// `args->field`, `arg1`..`arg6`, `retval`, `$pid`/`$tgid`/`$uid`/`$gid`/`$cpu`, numbers, and
// C operators; `@user` after a value marks a string in user memory.

import { ParseError } from '../../errors/index.js';

/** ProbeKind: t tracepoint, p kprobe/uprobe entry, r kretprobe/uretprobe, u uprobe entry. */
export type ProbeKind = 't' | 'p' | 'r' | 'u';

/** Expr is a predicate or argument expression; `at` is its 0-based column in the spec. */
export type Expr =
  | { type: 'num'; value: bigint; at: number }
  | { type: 'field'; name: string; at: number }
  | { type: 'arg'; n: number; at: number }
  | { type: 'retval'; at: number }
  | { type: 'special'; name: 'pid' | 'tgid' | 'uid' | 'gid' | 'cpu' | 'task'; at: number }
  | { type: 'unary'; op: '!' | '-' | '~'; e: Expr; at: number }
  | { type: 'cast'; bits: 8 | 16 | 32 | 64; signed: boolean; e: Expr; at: number; pointee?: IntType }
  /** deref is `*value`: the integer at that address, of the pointee type of a cast, else a u64. */
  | ({ type: 'deref'; e: Expr; at: number } & IntType)
  /** strcmp is BCC's STRCMP("literal", value): 1 when the string at value equals the literal. */
  | { type: 'strcmp'; literal: Uint8Array; e: Expr; user: boolean; at: number }
  | { type: 'binary'; op: BinaryOp; l: Expr; r: Expr; at: number };

/** BinaryOp are the C operators a predicate may use. */
export type BinaryOp =
  | '||'
  | '&&'
  | '|'
  | '^'
  | '&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '<<'
  | '>>';

/** ProbeArg is one value printed by the format; `user` when marked `@user`. */
export interface ProbeArg {
  expr: Expr;
  user: boolean;
}

/** ProbeSpec is one parsed probe. */
export interface ProbeSpec {
  kind: ProbeKind;
  /** library is the tracepoint category, the library/binary of a uprobe, or '' for kprobes. */
  library: string;
  /** func is the tracepoint event or the function. */
  func: string;
  predicate?: Expr;
  format?: string;
  args: ProbeArg[];
  /** text is the spec as given, for error carets. */
  text: string;
  /** libraryAt and funcAt are the 0-based columns of the library (or category) and the function. */
  libraryAt: number;
  funcAt: number;
}

const LEVELS: BinaryOp[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];
const LONGER: Record<string, string[]> = { '|': ['||'], '&': ['&&'], '<': ['<<', '<='], '>': ['>>', '>='] };
const SPECIALS = new Set(['pid', 'tgid', 'uid', 'gid', 'cpu', 'task']);

/** CAST_TYPES are the C integer types a value may be cast to, as in BCC's `(int)retval < 0`. */
const CAST_TYPES: Record<string, { bits: 8 | 16 | 32 | 64; signed: boolean }> = {
  char: { bits: 8, signed: true },
  'signed char': { bits: 8, signed: true },
  'unsigned char': { bits: 8, signed: false },
  short: { bits: 16, signed: true },
  'unsigned short': { bits: 16, signed: false },
  int: { bits: 32, signed: true },
  'signed int': { bits: 32, signed: true },
  signed: { bits: 32, signed: true },
  unsigned: { bits: 32, signed: false },
  'unsigned int': { bits: 32, signed: false },
  long: { bits: 64, signed: true },
  'long long': { bits: 64, signed: true },
  'unsigned long': { bits: 64, signed: false },
  'unsigned long long': { bits: 64, signed: false },
  size_t: { bits: 64, signed: false },
  ssize_t: { bits: 64, signed: true },
  pid_t: { bits: 32, signed: true },
  uid_t: { bits: 32, signed: false },
  gid_t: { bits: 32, signed: false },
  u8: { bits: 8, signed: false },
  u16: { bits: 16, signed: false },
  u32: { bits: 32, signed: false },
  u64: { bits: 64, signed: false },
  s8: { bits: 8, signed: true },
  s16: { bits: 16, signed: true },
  s32: { bits: 32, signed: true },
  s64: { bits: 64, signed: true },
};

/** IntType is a C integer type: its width and signedness. */
export interface IntType {
  bits: 8 | 16 | 32 | 64;
  signed: boolean;
}

/** castAt reads "(type)" or "(type *)" at the start of `s`: its length and type, if it is a cast. */
function castAt(s: string): (IntType & { length: number; pointee?: IntType }) | undefined {
  const m = /^\(\s*((?:const\s+)?(?:struct\s+)?[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*)\s*(\*+)?\s*\)/.exec(s);
  if (!m) return undefined;
  const name = m[1]!
    .replace(/\s+/g, ' ')
    .replace(/^const /, '')
    .replace(/^__([us]\d+)$/, '$1');
  const t = CAST_TYPES[name] ?? CAST_TYPES[name.replace(/ int$/, '')];
  // Any pointer is an unsigned 64-bit address (a single one to an integer says what * reads); a
  // bare identifier in parentheses is not a cast.
  if (m[2]) {
    const ptr = { length: m[0].length, bits: 64 as const, signed: false };
    return t && m[2] === '*' ? { ...ptr, pointee: t } : ptr;
  }
  return t ? { length: m[0].length, ...t } : undefined;
}

/** MAX_STRCMP is the longest STRCMP literal, in bytes: it is read onto the BPF stack. */
export const MAX_STRCMP = 64;

/** parseProbe parses one probe spec; mistakes are ParseErrors with a caret under the column. */
export function parseProbe(text: string, file = 'probe'): ProbeSpec {
  let i = 0;
  const fail = (msg: string, at = i): never => {
    throw new ParseError(msg, { file, line: 1, column: Math.min(at, text.length) + 1, sourceLine: text });
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const peek = (s: string): boolean => text.startsWith(s, i);
  const eat = (s: string): boolean => {
    if (!peek(s)) return false;
    i += s.length;
    return true;
  };

  // Head: kind:library:function, with no spaces inside. As in BCC, `func` is `p::func` and
  // `lib:func` is `p:lib:func`; a library path may itself hold colons.
  ws();
  const headAt = i;
  const headEnd = (() => {
    let j = i;
    while (j < text.length && !/[\s("]/.test(text[j]!)) j++;
    return j;
  })();
  const head = text.slice(i, headEnd);
  if (head === '') fail('expected a probe like t:category:event, u:lib:func, r:lib:func or p::func', headAt);
  const parts = head.split(':');
  const full = parts.length === 1 ? ['p', '', head] : parts.length === 2 ? ['p', ...parts] : parts;
  const k = full[0] === '' ? 'p' : full[0]!;
  // u:lib:probe and u:lib:provider:probe name a USDT probe (BCC's form); elsewhere the last part is
  // the function and a library path may hold colons.
  const usdtForm = full[0] === 'u' && full.length === 4;
  const func = usdtForm ? full.slice(2).join(':') : full[full.length - 1]!;
  const library = usdtForm ? full[1]! : full.slice(1, -1).join(':');
  // Columns of the library and the function in the text, for carets.
  const funcAt = headAt + head.length - func.length;
  const libAt = parts.length === 1 ? headAt : parts.length === 2 ? headAt : headAt + full[0]!.length + 1;
  if (!['t', 'p', 'r', 'u'].includes(k)) fail(`unknown probe type '${k}' (use t, p, r or u)`, headAt);
  const kind = k as ProbeKind;
  if (func === '') fail('missing function or event name', funcAt);
  if (kind === 't' && (library === '' || full.length !== 3))
    fail('a tracepoint needs a category and an event: t:category:event', libAt);
  if (kind === 'u' && library === '') fail('a uprobe needs a library or binary: u:lib:func', libAt);
  // A uprobe may name an offset inside the function (func+0x12), as BCC's p:lib:func+off does.
  const funcRe = usdtForm
    ? /^[A-Za-z_]\w*:[A-Za-z_][\w.]*$/
    : kind !== 't' && library !== ''
      ? /^[A-Za-z_][\w.]*(\+(0[xX][0-9a-fA-F]+|\d+))?$/
      : /^[A-Za-z_][\w.]*$/;
  if (!funcRe.test(func)) {
    if (/\+/.test(func) && library === '')
      fail(`'${func}': an offset inside a function needs kprobes; probe the function itself`, funcAt);
    fail(`'${func}' is not a function or event name`, funcAt);
  }
  i = headEnd;
  // BCC's p::func(struct sock *sk) declares the arguments for its C compiler: none here.
  if (
    text[i] === '(' &&
    /^\(\s*(const\s+)?(struct\s+)?[A-Za-z_]\w*[\s*]+[A-Za-z_]\w*\s*[,)]/.test(text.slice(i))
  )
    fail('function signatures need C headers, which bpfkit does not compile: use arg1..arg6', i);

  const primary = (): Expr => {
    ws();
    const at = i;
    const cast = castAt(text.slice(i));
    if (cast) {
      i += cast.length;
      const e = primary();
      return cast.pointee
        ? { type: 'cast', bits: cast.bits, signed: cast.signed, e, at, pointee: cast.pointee }
        : { type: 'cast', bits: cast.bits, signed: cast.signed, e, at };
    }
    if (eat('(')) {
      const e = expr(0);
      ws();
      if (!eat(')')) fail("expected ')'");
      return e;
    }
    if (eat('*')) {
      const e = primary();
      const t = e.type === 'cast' && e.pointee ? e.pointee : { bits: 64 as const, signed: false };
      return { type: 'deref', e, at, ...t };
    }
    if (eat('!')) return { type: 'unary', op: '!', e: primary(), at };
    if (eat('~')) return { type: 'unary', op: '~', e: primary(), at };
    if (eat('-')) return { type: 'unary', op: '-', e: primary(), at };
    const num = /^(0[xX][0-9a-fA-F]+|\d+)/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { type: 'num', value: BigInt(num[0]), at };
    }
    if (eat('$')) {
      const m = /^[a-z]+/.exec(text.slice(i));
      if (!m || !SPECIALS.has(m[0])) fail('expected $pid, $tgid, $uid, $gid, $cpu or $task', at);
      i += m![0].length;
      // BCC compiles $task->field against kernel headers (-I); here $task is only the address.
      if (m![0] === 'task' && /^\s*->/.test(text.slice(i)))
        fail('$task->field needs C headers, which bpfkit does not compile: print $task with %llx or %K', at);
      return { type: 'special', name: m![0] as 'pid', at };
    }
    const id = /^[A-Za-z_]\w*/.exec(text.slice(i));
    if (!id) return fail(i >= text.length ? 'unexpected end of probe' : `unexpected '${text[i]}'`);
    i += id[0].length;
    const name = id[0];
    if (name === 'args') {
      ws();
      if (!eat('->')) fail("expected '->' after args (args->field)");
      ws();
      const f = /^[A-Za-z_]\w*/.exec(text.slice(i));
      if (!f) fail('expected a field name after args->');
      i += f![0].length;
      if (kind !== 't') fail('args->field is only for tracepoints; use arg1..arg6 here', at);
      return { type: 'field', name: f![0], at };
    }
    if (name === 'STRCMP') {
      ws();
      if (!eat('(')) fail('expected \'(\' after STRCMP: STRCMP("text", value)');
      ws();
      if (!peek('"')) fail('STRCMP needs a string literal first: STRCMP("text", value)');
      const litAt = i;
      const lit = stringLiteral();
      // \xHH escapes are bytes; other text is UTF-8.
      const literal = Buffer.from(lit, /^[\x00-\xff]*$/.test(lit) ? 'latin1' : 'utf8');
      if (literal.length === 0 || literal.length > MAX_STRCMP)
        fail(`a STRCMP string is 1 to ${MAX_STRCMP} bytes`, litAt);
      ws();
      if (!eat(',')) fail("expected ',' after the STRCMP string");
      const e = expr(0);
      ws();
      const user = eat('@user');
      ws();
      if (!eat(')')) fail("expected ')' to close STRCMP");
      return { type: 'strcmp', literal: new Uint8Array(literal), e, user, at };
    }
    // BCC's C would take arg1->field with a signature and headers: say what works instead.
    if (/^(arg[1-6]|retval)$/.test(name) && /^\s*->/.test(text.slice(i)))
      fail(
        `${name}->field needs C types, which bpfkit does not compile: read memory with *(type *)(${name} + offset)`,
        at,
      );
    const arg = /^arg([1-6])$/.exec(name);
    if (arg) {
      if (kind === 't') fail('arg1..arg6 are for kprobes and uprobes; use args->field on a tracepoint', at);
      return { type: 'arg', n: Number(arg[1]), at };
    }
    if (name === 'retval') {
      if (kind !== 'r') fail('retval is only available in return probes (r:...)', at);
      return { type: 'retval', at };
    }
    return fail(`unknown name '${name}' (use args->field, arg1..arg6, retval or $pid)`, at);
  };

  // stringLiteral reads "..." with C's escapes \n \t \\ \" and \xHH (a byte, for STRCMP).
  function stringLiteral(what = 'string'): string {
    const start = i;
    i++;
    let s = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const c = text[i + 1];
        if (c === undefined) fail(`unterminated ${what}`, start);
        const hex = /^x([0-9a-fA-F]{1,2})/.exec(text.slice(i + 1));
        if (hex) {
          s += String.fromCharCode(Number.parseInt(hex[1]!, 16));
          i += 1 + hex[0].length;
          continue;
        }
        s += c === 'n' ? '\n' : c === 't' ? '\t' : c === '\\' ? '\\' : c === '"' ? '"' : `\\${c}`;
        i += 2;
      } else s += text[i++];
    }
    if (!eat('"')) fail(`unterminated ${what}`, start);
    return s;
  }

  const expr = (level: number): Expr => {
    if (level >= LEVELS.length) return primary();
    let l = expr(level + 1);
    for (;;) {
      ws();
      const at = i;
      // Longest operators first, and a one-character operator never as the start of a longer one.
      const op = [...LEVELS[level]!]
        .sort((a, b) => b.length - a.length)
        .find((o) => peek(o) && !(LONGER[o] ?? []).some((x) => peek(x)));
      if (!op) return l;
      i += op.length;
      const r = expr(level + 1);
      l = { type: 'binary', op, l, r, at };
    }
  };

  const spec: ProbeSpec = { kind, library, func, args: [], text, libraryAt: libAt, funcAt };
  ws();
  if (peek('(')) {
    i++;
    spec.predicate = expr(0);
    ws();
    if (peek('=') && !peek('==')) fail("'=' would assign: compare with '=='");
    if (!eat(')')) fail("expected ')' to close the predicate");
  }
  ws();
  if (peek('"')) {
    spec.format = stringLiteral('format string');
    for (;;) {
      ws();
      if (i >= text.length) break;
      if (!eat(',')) fail("expected ',' before the next argument");
      const e = expr(0);
      ws();
      const user = eat('@user');
      spec.args.push({ expr: e, user });
    }
  }
  ws();
  if (i < text.length) fail(`unexpected '${text[i]}'`);
  return spec;
}
