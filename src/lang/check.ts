// Semantic analysis: resolve probes, builtins, functions, variables and maps; give every expression a
// type; reject what cannot run (unknown names with suggestions, string/int mix-ups, unknown struct
// members listed from BTF) before any bytecode is generated.

import type * as A from './ast.js';
import { AGG_FUNCTIONS, BUILTINS, FUNCTIONS, MACROS } from './builtins.js';
import { didYouMean, type Source } from './diagnostics.js';
import { FormatError, parseFormat, type Spec, specs } from './format/printf.js';
import { expandTracepoints, globToRegExp, hasWildcard, type ProbeSpec, parseAttachPoint } from './probes.js';
import { ptonBytes } from './pton.js';
import {
  type AddrSpace,
  type AggFn,
  arithSigned,
  builtinCType,
  type CMember,
  COMM,
  type CType,
  cName,
  compatible,
  I64,
  intTy,
  isIntLike,
  type KernelFunc,
  NONE,
  paramSlots,
  parseCDecl,
  STRLEN,
  type Ty,
  type TypeSource,
  tyName,
  U32,
  U64,
} from './types.js';
import { parseUsdtArgs } from './usdt-args.js';

/** MapInfo is what all probes agree a map holds. */
export interface MapInfo {
  name: string;
  pos: number;
  keys: Ty[] | undefined;
  value: Ty | undefined;
}

/** Variant is one program to generate for a probe: the attach points sharing it and the types seen. */
export interface Variant {
  specs: ProbeSpec[];
  types: Map<A.Expr, Ty>;
  vars: Map<string, Ty>;
  /** args is the tracepoint's argument struct when the body uses `args`. */
  args: CType | undefined;
  /** consts holds values the checker computed, such as sizeof(). */
  consts: Map<A.Expr, bigint>;
  /** func is the traced kernel function's BTF signature in fentry/fexit probes. */
  func: KernelFunc | undefined;
  /** byCookie: the specs share one program whose `probe` is the attach cookie (see planVariants). */
  byCookie: boolean;
}

export interface CheckedProbe {
  probe: A.Probe;
  variants: Variant[];
}

export interface CheckedProgram {
  source: Source;
  program: A.Program;
  probes: CheckedProbe[];
  maps: Map<string, MapInfo>;
  /** params are the positional parameters `$1`.. as given on the command line. */
  params: string[];
}

export interface CheckOptions {
  types: TypeSource;
  params?: string[];
  /** unsafe allows system(). */
  unsafe?: boolean;
  /** hasCommand says a `-c` command will run, so `cpid` has a value. */
  hasCommand?: boolean;
  /** usdtSites expands a usdt spec to one spec per probe site (address and argument spec). */
  usdtSites?: (spec: ProbeSpec) => ProbeSpec[];
  /** uprobeFunctions expands `uprobe:binary:glob*` to one spec per matching function symbol. */
  uprobeFunctions?: (spec: ProbeSpec) => ProbeSpec[];
  /**
   * attachCookies says whether programs of a type can tell their attach points apart by the
   * bpf_get_attach_cookie of each perf link (Linux 5.15); without it `probe` costs a program per spec.
   */
  attachCookies?: (type: CookieProgramType) => boolean;
  /** strlen is the size of strings str() reads (bpftrace's BPFTRACE_STRLEN), STRLEN by default. */
  strlen?: number;
}

/** CookieProgramType is a program type attached through perf links, which carry a cookie. */
export type CookieProgramType = 'tracepoint' | 'kprobe' | 'perf_event';

/** COOKIE_KINDS maps the probe types attached through perf links to their program type. */
const COOKIE_KINDS: Partial<Record<ProbeSpec['type'], CookieProgramType>> = {
  tracepoint: 'tracepoint',
  uprobe: 'kprobe',
  uretprobe: 'kprobe',
  profile: 'perf_event',
  interval: 'perf_event',
  software: 'perf_event',
  hardware: 'perf_event',
};

// Probe types whose body sees pt_regs (argN, retval via ax, reg()).
const REGS_PROBES = new Set([
  'kprobe',
  'kretprobe',
  'uprobe',
  'uretprobe',
  'usdt',
  'profile',
  'software',
  'hardware',
]);

/** check analyses a parsed program; the first mistake is thrown as a ParseError with its position. */
export function check(program: A.Program, source: Source, options: CheckOptions): CheckedProgram {
  const maps = new Map<string, MapInfo>();
  const params = options.params ?? [];
  const probes: CheckedProbe[] = program.probes.map((probe) => ({
    probe,
    variants: planVariants(probe, source, options),
  }));
  // Two passes: the first learns what every map holds (a map may be read in a probe before the one
  // that assigns it), the second types every expression with that knowledge and reports mistakes.
  for (const strict of [false, true]) {
    for (const p of probes) {
      for (const v of p.variants) {
        v.types.clear();
        v.vars.clear();
        new ProbeChecker(source, options, maps, v, strict, params).probe(p.probe);
      }
    }
  }
  return { source, program, probes, maps, params };
}

/** usesName says whether a builtin appears anywhere in a probe. */
function usesBuiltin(probe: A.Probe, names: string[]): boolean {
  let found = false;
  const visit = (n: unknown): void => {
    if (found || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    const o = n as Record<string, unknown>;
    if (o.kind === 'builtin' && names.includes(o.name as string)) {
      found = true;
      return;
    }
    for (const v of Object.values(o)) visit(v);
  };
  visit(probe.predicate);
  visit(probe.body);
  return found;
}

/** planVariants parses and expands attach points, and groups them into programs. */
function planVariants(probe: A.Probe, source: Source, options: CheckOptions): Variant[] {
  const { types, usdtSites, uprobeFunctions } = options;
  const specs: ProbeSpec[] = [];
  for (const ap of probe.attachPoints) {
    const spec = parseAttachPoint(ap, source);
    if (spec.type === 'tracepoint') specs.push(...expandTracepoints(spec, types, source));
    else if (spec.type === 'usdt' && usdtSites) specs.push(...usdtSites(spec));
    else if ((spec.type === 'fentry' || spec.type === 'fexit') && hasWildcard(spec.func))
      specs.push(...expandFunctions(spec, types, source));
    else if (
      (spec.type === 'uprobe' || spec.type === 'uretprobe') &&
      hasWildcard(spec.func) &&
      uprobeFunctions
    )
      // Expanded before grouping, so `func` and `probe` name the function that fired.
      specs.push(...uprobeFunctions(spec));
    else specs.push(spec);
  }
  const kinds = new Set(specs.map((s) => s.type));
  if (kinds.size > 1 && (kinds.has('begin') || kinds.has('end'))) {
    throw source.error(probe.pos, 'BEGIN and END cannot share a probe with other attach points');
  }
  // One program per attach point when the body depends on which one fired; else one for all of them.
  // usdt sites each fetch their arguments their own way.
  // fentry/fexit programs are bound to one kernel function when loaded.
  // `probe` reads the attach cookie, where each perf link carries its spec's probe-name index, when
  // the kernel can: a body that reads nothing else spec-specific stays one program (a wildcard uprobe
  // is many specs once expanded); one reading `args` is compiled per spec, and specs whose programs
  // come out identical share one (codegen/compile.ts).
  const byCookie =
    !usesBuiltin(probe, ['func']) &&
    usesBuiltin(probe, ['probe']) &&
    kinds.size === 1 &&
    (specs.length > 1 || specs.some((s) => hasWildcard(s.func))) &&
    cookieType(specs[0]!.type, options);
  const perSpec =
    usesBuiltin(probe, ['args', 'func']) ||
    (!byCookie && usesBuiltin(probe, ['probe'])) ||
    kinds.size > 1 ||
    kinds.has('usdt') ||
    kinds.has('fentry') ||
    kinds.has('fexit');
  const groups = perSpec ? specs.map((s) => [s]) : [specs];
  return groups.map((g) => ({
    specs: g,
    types: new Map(),
    vars: new Map(),
    args: undefined,
    consts: new Map(),
    func: undefined,
    byCookie,
  }));
}

/** cookieType says whether probes of `type` can share a program told apart by attach cookies. */
function cookieType(type: ProbeSpec['type'], options: CheckOptions): boolean {
  const t = COOKIE_KINDS[type];
  return t !== undefined && options.attachCookies?.(t) === true;
}

const MAX_TRACED_FUNCTIONS = 512;

/** expandFunctions turns `fentry:vfs_*` into one spec per vmlinux function with BTF that matches. */
function expandFunctions(spec: ProbeSpec, types: TypeSource, source: Source): ProbeSpec[] {
  if (spec.target) throw source.error(spec.pos, `${spec.type} takes wildcards only for vmlinux functions`);
  const re = globToRegExp(spec.func);
  const names = [...new Set((types.kernelFunctions?.() ?? []).filter((n) => re.test(n)))].sort();
  if (names.length === 0) {
    throw source.error(spec.pos, `no kernel functions with BTF match '${spec.name}'`);
  }
  // Each function is its own program and trampoline: thousands would take minutes to load.
  if (names.length > MAX_TRACED_FUNCTIONS) {
    throw source.error(
      spec.pos,
      `'${spec.name}' matches ${names.length} kernel functions; bpfkit traces at most ${MAX_TRACED_FUNCTIONS} at once`,
      'narrow the pattern',
    );
  }
  return names.map((func) => ({ ...spec, func, name: `${spec.type}:${func}` }));
}

class ProbeChecker {
  private readonly spec: ProbeSpec;
  private loopDepth = 0;

  constructor(
    private readonly src: Source,
    private readonly opts: CheckOptions,
    private readonly maps: Map<string, MapInfo>,
    private readonly v: Variant,
    private readonly strict: boolean,
    private readonly params: string[],
  ) {
    this.spec = v.specs[0]!;
  }

  probe(p: A.Probe): void {
    if (this.spec.type === 'fentry' || this.spec.type === 'fexit') this.v.func ??= this.kernelFunc();
    if (p.predicate) {
      const t = this.expr(p.predicate);
      if (!isIntLike(t))
        throw this.err(p.predicate.pos, `the predicate must be an integer or pointer, not ${tyName(t)}`);
    }
    this.stmts(p.body);
  }

  private err(pos: number, msg: string, hint?: string) {
    return this.src.error(pos, msg, hint);
  }

  private stmts(list: A.Stmt[]): void {
    for (const s of list) this.stmt(s);
  }

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'expr': {
        const e = s.expr;
        if (e.kind === 'call' && AGG_FUNCTIONS.has(e.name)) {
          throw this.err(
            e.pos,
            `${e.name}() must be assigned to a map`,
            `e.g. @x = ${e.name}(${e.name === 'count' ? '' : '...'})`,
          );
        }
        this.expr(e);
        return;
      }
      case 'assign':
        this.assign(s);
        return;
      case 'if': {
        const t = this.expr(s.cond);
        if (!isIntLike(t)) throw this.err(s.cond.pos, `the condition must be an integer, not ${tyName(t)}`);
        this.stmts(s.then);
        if (s.else) this.stmts(s.else);
        return;
      }
      case 'unroll': {
        const n = this.constInt(s.count, 'unroll count');
        if (n < 1n || n > 100n) throw this.err(s.count.pos, 'unroll count must be between 1 and 100');
        this.stmts(s.body);
        return;
      }
      case 'while': {
        const t = this.expr(s.cond);
        if (!isIntLike(t)) throw this.err(s.cond.pos, `the condition must be an integer, not ${tyName(t)}`);
        this.loopDepth++;
        this.stmts(s.body);
        this.loopDepth--;
        return;
      }
      case 'jump':
        if (s.what !== 'return' && this.loopDepth === 0)
          throw this.err(s.pos, `'${s.what}' outside a while loop`);
        return;
      case 'block':
        this.stmts(s.body);
        return;
    }
  }

  private assign(s: A.AssignStmt): void {
    const value = s.value;
    let vt: Ty;
    if (value.kind === 'call' && AGG_FUNCTIONS.has(value.name)) {
      if (s.target.kind !== 'map')
        throw this.err(value.pos, `${value.name}() can only be assigned to a map, not to a variable`);
      if (s.op !== '=') throw this.err(value.pos, `${value.name}() must be assigned with '='`);
      vt = this.aggregation(value);
    } else {
      vt = this.expr(value);
      if (vt.k === 'none') throw this.err(value.pos, 'this expression has no value to assign');
    }
    if (s.op !== '=') {
      if (!isIntLike(vt)) throw this.err(value.pos, `'${s.op}' needs an integer, not ${tyName(vt)}`);
    }
    if (s.target.kind === 'var') {
      const prev = this.v.vars.get(s.target.name);
      if (prev === undefined) {
        if (s.op !== '=')
          throw this.err(s.target.pos, `variable $${s.target.name} is used before it is assigned`);
        this.v.vars.set(s.target.name, vt);
      } else if (!compatible(prev, vt)) {
        throw this.err(
          value.pos,
          `type mismatch for $${s.target.name}: it holds ${tyName(prev)}, this is ${tyName(vt)}`,
        );
      } else if (prev.k === 'str' && vt.k === 'str' && vt.size > prev.size) {
        this.v.vars.set(s.target.name, vt);
      }
      this.v.types.set(s.target, this.v.vars.get(s.target.name)!);
      return;
    }
    if (vt.k === 'record' && vt.ctype.kind === 'struct')
      throw this.err(
        value.pos,
        `a ${tyName(vt)} cannot be stored in a map`,
        `store a pointer to it or its fields, e.g. @x = curtask or @x = curtask->pid`,
      );
    const info = this.mapInfo(s.target);
    const mt = s.op === '=' ? vt : (info.value ?? I64);
    this.setMapValue(info, s.target, mt, value.pos);
    this.v.types.set(s.target, info.value!);
  }

  private aggregation(c: A.Call): Ty {
    this.arity(c);
    for (const a of c.args) {
      const t = this.expr(a);
      if (!isIntLike(t)) throw this.err(a.pos, `${c.name}() needs an integer, not ${tyName(t)}`);
    }
    const t: Ty = { k: 'agg', fn: c.name as AggFn };
    if (c.name === 'lhist') {
      const [, lo, hi, step] = c.args.map((a, i) =>
        i === 0 ? 0n : this.constInt(a, `lhist() argument ${i + 1}`),
      );
      if (step! <= 0n) throw this.err(c.args[3]!.pos, 'lhist() step must be positive');
      if (hi! <= lo!) throw this.err(c.args[2]!.pos, 'lhist() max must be greater than min');
      if ((hi! - lo!) / step! > 1000n)
        throw this.err(c.args[3]!.pos, 'lhist() would have more than 1000 buckets');
      t.lhist = { min: lo!, max: hi!, step: step! };
    }
    this.v.types.set(c, t);
    return t;
  }

  private constInt(e: A.Expr, what: string): bigint {
    if (e.kind === 'int') {
      this.v.types.set(e, I64);
      return e.value;
    }
    if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int') {
      this.v.types.set(e, I64);
      this.v.types.set(e.operand, I64);
      return -e.operand.value;
    }
    if (e.kind === 'param') {
      const p = this.params[e.index - 1];
      if (p !== undefined && /^-?\d+$/.test(p)) {
        this.v.types.set(e, I64);
        return BigInt(p);
      }
    }
    throw this.err(e.pos, `${what} must be an integer literal`);
  }

  private mapInfo(m: A.MapRef): MapInfo {
    let info = this.maps.get(m.name);
    if (!info) {
      info = { name: m.name, pos: m.pos, keys: undefined, value: undefined };
      this.maps.set(m.name, info);
    }
    const keyTypes = m.keys.map((k) => {
      const t = this.expr(k);
      if (t.k === 'none' || t.k === 'agg' || t.k === 'record')
        throw this.err(k.pos, `${tyName(t)} cannot be a map key`);
      return t;
    });
    if (info.keys === undefined) {
      info.keys = keyTypes;
    } else if (info.keys.length !== keyTypes.length) {
      throw this.err(
        m.pos,
        `map ${m.name} is used with ${info.keys.length} key${info.keys.length === 1 ? '' : 's'} elsewhere, ${keyTypes.length} here`,
      );
    } else {
      keyTypes.forEach((t, i) => {
        const prev = info!.keys![i]!;
        if (!compatible(prev, t)) {
          throw this.err(
            m.keys[i]!.pos,
            `map ${m.name} key ${i + 1} is ${tyName(prev)} elsewhere, ${tyName(t)} here`,
          );
        }
        if (prev.k === 'str' && t.k === 'str' && t.size > prev.size) info!.keys![i] = t;
      });
    }
    return info;
  }

  private setMapValue(info: MapInfo, m: A.MapRef, t: Ty, pos: number): void {
    if (info.value === undefined) {
      info.value = t;
      return;
    }
    if (!compatible(info.value, t)) {
      throw this.err(pos, `map ${m.name} holds ${tyName(info.value)} elsewhere, ${tyName(t)} here`);
    }
    if (info.value.k === 'str' && t.k === 'str' && t.size > info.value.size) info.value = t;
    if (info.value.k === 'agg' && t.k === 'agg' && info.value.fn === 'lhist') {
      const a = info.value.lhist!;
      const b = t.lhist!;
      if (a.min !== b.min || a.max !== b.max || a.step !== b.step) {
        throw this.err(pos, `map ${m.name} is an lhist() with different bounds elsewhere`);
      }
    }
  }

  private arity(c: A.Call): void {
    const [lo, hi] = FUNCTIONS[c.name]!;
    if (c.args.length < lo || c.args.length > hi) {
      const want = lo === hi ? `${lo}` : hi >= 64 ? `at least ${lo}` : `${lo} to ${hi}`;
      throw this.err(
        c.pos,
        `${c.name}() takes ${want} argument${want === '1' ? '' : 's'}, ${c.args.length} given`,
      );
    }
  }

  expr(e: A.Expr): Ty {
    const t = this.exprInner(e);
    this.v.types.set(e, t);
    return t;
  }

  private exprInner(e: A.Expr): Ty {
    switch (e.kind) {
      case 'int':
        return e.value > 0x7fffffffffffffffn ? U64 : I64;
      case 'str':
        return { k: 'str', size: Buffer.byteLength(e.value) + 1 };
      case 'param': {
        if (e.index < 0) return I64;
        const p = this.params[e.index - 1];
        if (p !== undefined && /^-?(\d+|0x[0-9a-fA-F]+)$/.test(p)) return I64;
        // Missing parameters read as 0 (as in bpftrace); non-numeric ones are strings, used with str().
        if (p === undefined) return I64;
        return { k: 'str', size: Buffer.byteLength(p) + 1 };
      }
      case 'var': {
        const t = this.v.vars.get(e.name);
        if (t === undefined) {
          throw this.err(
            e.pos,
            `variable $${e.name} is used before it is assigned`,
            didYouMean(e.name, this.v.vars.keys())?.replace(/'/, "'$"),
          );
        }
        return t;
      }
      case 'map': {
        const info = this.mapInfo(e);
        if (info.value === undefined) {
          if (this.strict) {
            throw this.err(
              e.pos,
              `map ${e.name} is read but never assigned`,
              didYouMean(
                e.name,
                [...this.maps.values()].filter((m) => m.value).map((m) => m.name),
              ),
            );
          }
          return I64;
        }
        if (info.value.k === 'agg') {
          const fn = info.value.fn;
          // Like bpftrace, avg() reads as its integer mean; stats() has no single integer value.
          if (fn === 'hist' || fn === 'lhist' || fn === 'stats') {
            throw this.err(e.pos, `the value of a ${fn}() map cannot be read in a probe`);
          }
          return I64;
        }
        return info.value;
      }
      case 'builtin':
        return this.builtin(e);
      case 'call':
        return this.call(e);
      case 'binary':
        return this.binary(e);
      case 'unary': {
        const t = this.expr(e.operand);
        switch (e.op) {
          case '!':
            if (!isIntLike(t)) throw this.err(e.pos, `'!' needs an integer, not ${tyName(t)}`);
            return U64;
          case '~':
          case '-':
            if (!isIntLike(t)) throw this.err(e.pos, `'${e.op}' needs an integer, not ${tyName(t)}`);
            return e.op === '-' ? I64 : t;
          case '*':
            return this.deref(e, t);
          case '&':
            throw this.err(e.pos, "taking an address with '&' is not supported");
        }
        return t;
      }
      case 'incdec': {
        if (e.target.kind === 'var') {
          const t = this.v.vars.get(e.target.name);
          if (t === undefined) {
            // `$x++` on a fresh variable starts it at 0, as bpftrace does.
            this.v.vars.set(e.target.name, I64);
          } else if (!isIntLike(t))
            throw this.err(e.pos, `'${e.op}' needs an integer, $${e.target.name} is ${tyName(t)}`);
          this.v.types.set(e.target, this.v.vars.get(e.target.name)!);
        } else {
          const info = this.mapInfo(e.target);
          this.setMapValue(info, e.target, info.value ?? I64, e.pos);
          if (info.value!.k !== 'int')
            throw this.err(
              e.pos,
              `'${e.op}' needs an integer map, ${e.target.name} holds ${tyName(info.value!)}`,
            );
          this.v.types.set(e.target, info.value!);
        }
        return I64;
      }
      case 'ternary': {
        const c = this.expr(e.cond);
        if (!isIntLike(c)) throw this.err(e.cond.pos, `the condition must be an integer, not ${tyName(c)}`);
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        if (!compatible(a, b))
          throw this.err(
            e.else.pos,
            `the branches of '?:' have different types: ${tyName(a)} and ${tyName(b)}`,
          );
        if (a.k === 'str' && b.k === 'str') return { k: 'str', size: Math.max(a.size, b.size) };
        if (a.k === 'none') throw this.err(e.then.pos, "the branches of '?:' must have a value");
        return a;
      }
      case 'field':
        return this.field(e);
      case 'index': {
        const t = this.expr(e.object);
        const it = this.expr(e.index);
        if (!isIntLike(it)) throw this.err(e.index.pos, `an index must be an integer, not ${tyName(it)}`);
        if (t.k === 'ptr') return this.memberTy(t.to, t.space);
        if (t.k === 'record' && t.ctype.kind === 'array')
          return this.memberTy(t.ctype.elem, t.space === 'ctx' ? 'kernel' : t.space);
        throw this.err(e.pos, `cannot index ${tyName(t)}`);
      }
      case 'cast': {
        const from = this.expr(e.operand);
        const to = this.typeName(e.type);
        if (to.kind === 'struct' && e.type.pointer === 0)
          throw this.err(e.type.pos, 'cast to a struct value; cast to a pointer instead');
        if (e.type.pointer > 0) {
          if (!isIntLike(from)) throw this.err(e.operand.pos, `cannot cast ${tyName(from)} to a pointer`);
          let target = to;
          for (let i = 1; i < e.type.pointer; i++) {
            const inner = target;
            target = { kind: 'ptr', name: `${cName(inner)} *`, target: () => inner };
          }
          return { k: 'ptr', to: target, space: from.k === 'ptr' ? from.space : this.defaultSpace() };
        }
        if (to.kind !== 'int') throw this.err(e.type.pos, `cannot cast to ${cName(to)}`);
        if (!isIntLike(from)) throw this.err(e.operand.pos, `cannot cast ${tyName(from)} to ${to.name}`);
        return intTy(to.size, to.signed);
      }
      case 'tuple':
        return { k: 'tuple', elems: e.elems.map((x) => this.expr(x)) };
      case 'sizeof': {
        if (e.type) {
          const c = this.typeName(e.type);
          this.v.consts.set(e, BigInt(e.type.pointer > 0 ? 8 : cSizeOf(c)));
        } else {
          const t = this.expr(e.expr!);
          this.v.consts.set(
            e,
            BigInt(t.k === 'int' ? t.size : t.k === 'record' ? cSizeOf(t.ctype) : t.k === 'str' ? t.size : 8),
          );
        }
        return U64;
      }
    }
  }

  private defaultSpace(): AddrSpace {
    const t = this.spec.type;
    return t === 'uprobe' || t === 'uretprobe' || t === 'usdt' ? 'user' : 'kernel';
  }

  private typeName(t: A.TypeName): CType {
    const c = builtinCType(t.name) ?? this.opts.types.cType(t.name);
    if (!c) {
      throw this.err(
        t.pos,
        `unknown type '${t.name}'`,
        t.name.startsWith('struct ') ? 'the kernel has no BTF for it' : undefined,
      );
    }
    return c;
  }

  private deref(e: A.Unary, t: Ty): Ty {
    // An integer is an address of a u64, as in bpftrace (`*kaddr("avenrun")`).
    if (t.k === 'int') return U64;
    if (t.k !== 'ptr') throw this.err(e.pos, `cannot dereference ${tyName(t)}`);
    if (t.to.kind === 'void')
      throw this.err(e.pos, 'cannot dereference a void pointer', 'cast it to a typed pointer first');
    return this.memberTy(t.to, t.space);
  }

  /** memberTy is the type of reading a C value of type c from memory in `space`. */
  private memberTy(c: CType, space: AddrSpace | 'ctx'): Ty {
    switch (c.kind) {
      case 'int':
        return intTy(c.size, c.signed);
      case 'ptr':
        return {
          k: 'ptr',
          to: c.target(),
          space: c.user ? 'user' : space === 'ctx' ? this.argSpace() : space,
        };
      case 'array':
        if (c.elem.kind === 'int' && c.elem.size === 1) return { k: 'str', size: c.len };
        return { k: 'record', ctype: c, space };
      case 'struct':
        return { k: 'record', ctype: c, space };
      case 'dataloc':
        return { k: 'str', size: this.opts.strlen ?? STRLEN };
      case 'void':
        throw new Error('void member');
    }
  }

  private argSpace(): AddrSpace {
    return this.spec.type === 'tracepoint' && this.spec.target === 'syscalls' ? 'user' : 'kernel';
  }

  private field(e: A.FieldAccess): Ty {
    const t = this.expr(e.object);
    if (t.k === 'tuple') {
      const i = Number(e.field);
      if (!/^\d+$/.test(e.field) || i >= t.elems.length)
        throw this.err(e.fieldPos, `tuple has no element ${e.field}`);
      return t.elems[i]!;
    }
    let ctype: CType;
    let space: AddrSpace | 'ctx';
    if (t.k === 'ptr') {
      ctype = t.to;
      space = t.space;
    } else if (t.k === 'record') {
      ctype = t.ctype;
      space = t.space;
    } else {
      throw this.err(
        e.fieldPos,
        `${tyName(t)} has no members; '${e.arrow ? '->' : '.'}${e.field}' needs a struct`,
      );
    }
    if (ctype.kind !== 'struct') throw this.err(e.fieldPos, `${cName(ctype)} is not a struct`);
    const m = findMember(ctype, e.field);
    const funcArgs = space === 'ctx' && this.v.func !== undefined && ctype === this.v.args;
    if (!m && funcArgs) {
      const names = memberNames(ctype);
      throw this.err(
        e.fieldPos,
        `${this.v.func!.name} has no parameter '${e.field}'`,
        didYouMean(e.field, names) ?? `parameters: ${names.join(', ') || 'none'}`,
      );
    }
    if (m && funcArgs && (m.type.kind === 'struct' || m.type.kind === 'array')) {
      throw this.err(
        e.fieldPos,
        `parameter '${e.field}' is ${cName(m.type)} passed by value; bpfkit cannot read it yet`,
      );
    }
    if (!m) {
      const names = memberNames(ctype);
      throw this.err(
        e.fieldPos,
        `${cName(ctype)} has no member '${e.field}'`,
        didYouMean(e.field, names) ?? (names.length <= 12 ? `members: ${names.join(', ')}` : undefined),
      );
    }
    if (m.bitSize !== 0) {
      if (m.type.kind !== 'int') throw this.err(e.fieldPos, `bitfield ${e.field} is not an integer`);
    }
    return this.memberTy(m.type, space);
  }

  private builtin(e: A.Builtin): Ty {
    const n = e.name;
    const t = this.spec.type;
    const regs = REGS_PROBES.has(t);
    if (/^arg\d+$/.test(n)) {
      const i = Number(n.slice(3));
      if (t === 'rawtracepoint') return U64;
      if (!regs || t === 'profile' || t === 'software' || t === 'hardware') {
        throw this.err(
          e.pos,
          `${n} is not available in ${t} probes`,
          t === 'tracepoint'
            ? 'use args.<field>'
            : t === 'fentry' || t === 'fexit'
              ? 'use args.<parameter name>'
              : undefined,
        );
      }
      if (t === 'usdt' && this.spec.usdtArgs !== undefined) {
        const count = parseUsdtArgs(this.spec.usdtArgs).length;
        if (i >= count)
          throw this.err(e.pos, `${n}: ${this.spec.name} has ${count} argument${count === 1 ? '' : 's'}`);
        return U64;
      }
      if (i > 5) throw this.err(e.pos, `${n}: only arg0..arg5 are passed in registers`);
      return U64;
    }
    switch (n) {
      case 'cpid':
        if (!this.opts.hasCommand)
          throw this.err(
            e.pos,
            'cpid cannot be used without a child command',
            "run the script with -c 'COMMAND'",
          );
        return U32;
      case 'pid':
      case 'tid':
      case 'uid':
      case 'gid':
      case 'cpu':
      case 'rand':
      case 'numaid':
        return U32;
      case 'nsecs':
      case 'elapsed':
      case 'cgroup':
      case 'jiffies':
        return U64;
      case 'comm':
        return COMM;
      case 'ctx':
        return U64;
      case 'username':
        return { k: 'username' };
      case 'probe':
        return { k: 'probe' };
      case 'func':
        if (!['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'fentry', 'fexit'].includes(t)) {
          throw this.err(e.pos, `func is not available in ${t} probes`);
        }
        return { k: 'str', size: Buffer.byteLength(this.spec.func) + 1 };
      case 'retval':
        if (!['kretprobe', 'uretprobe', 'fexit'].includes(t)) {
          throw this.err(
            e.pos,
            `retval is only available in kretprobe, uretprobe and fexit probes, not ${t}`,
            t === 'fentry' ? `use fexit:${this.spec.func} to see what it returns` : undefined,
          );
        }
        if (t === 'fexit') return this.retvalTy(e);
        return I64;
      case 'curtask': {
        const task = this.opts.types.cType('struct task_struct');
        return task ? { k: 'ptr', to: task, space: 'kernel' } : U64;
      }
      case 'kstack':
      case 'ustack':
        return { k: 'stack', user: n === 'ustack', limit: 127, mode: 'bpftrace' };
      case 'args':
        return this.args(e);
    }
    if (FUNCTIONS[n] !== undefined) throw this.err(e.pos, `${n} is a function; call it as ${n}(...)`);
    // Upper-case names are constants: header macros, or enumerators from BTF.
    if (/^[A-Z_][A-Z0-9_]*$/.test(n)) {
      const v = MACROS[n] ?? this.opts.types.enumValue?.(n);
      if (v !== undefined) {
        this.v.consts.set(e, v);
        return I64;
      }
      throw this.err(
        e.pos,
        `unknown constant '${n}'`,
        didYouMean(n, Object.keys(MACROS)) ??
          'it is neither a known header macro nor an enumerator in the kernel BTF',
      );
    }
    throw this.err(e.pos, `unknown builtin '${n}'`, didYouMean(n, BUILTINS));
  }

  private args(e: A.Builtin): Ty {
    if (this.spec.type === 'fentry' || this.spec.type === 'fexit') return this.funcArgs();
    if (this.spec.type !== 'tracepoint') {
      throw this.err(
        e.pos,
        `args is not available in ${this.spec.type} probes`,
        this.spec.type === 'rawtracepoint' || REGS_PROBES.has(this.spec.type)
          ? 'use arg0, arg1, ...'
          : undefined,
      );
    }
    if (!this.v.args) {
      const fields = this.opts.types.tracepointFields(this.spec.target, this.spec.func);
      if (!fields) throw this.err(e.pos, `cannot read the format of ${this.spec.name}`);
      const members: CMember[] = fields
        .filter((f) => !f.name.startsWith('common_'))
        .map((f) => ({
          name: f.name,
          offset: f.offset,
          type: parseCDecl(f.type, f.size, f.signed, this.opts.types),
          bitOffset: f.offset * 8,
          bitSize: 0,
        }));
      const size = fields.reduce((n, f) => Math.max(n, f.offset + f.size), 0);
      this.v.args = {
        kind: 'struct',
        name: `struct ${this.spec.target}_${this.spec.func}_args`,
        size,
        members: () => members,
      };
    }
    return { k: 'record', ctype: this.v.args, space: 'ctx' };
  }

  /** kernelFunc resolves the fentry/fexit target's BTF signature, suggesting names when unknown. */
  private kernelFunc(): KernelFunc {
    const spec = this.spec;
    const types = this.opts.types;
    if (!types.kernelFunction) {
      throw this.err(spec.pos, `${spec.type} probes need the kernel's BTF, which is not available here`);
    }
    const f = types.kernelFunction(spec.func, spec.target || undefined);
    if (!f) {
      const where = spec.target ? `module ${spec.target}` : 'vmlinux';
      throw this.err(
        spec.pos,
        `kernel function '${spec.func}' is not in the BTF of ${where}`,
        didYouMean(spec.func, types.kernelFunctions?.() ?? []) ??
          'only functions with BTF (not inlined or static-only) can be traced',
      );
    }
    return f;
  }

  /** funcArgs is fentry/fexit's `args`: the parameters as a record over the context's u64 slots. */
  private funcArgs(): Ty {
    if (!this.v.args) {
      const f = this.v.func ?? this.kernelFunc();
      this.v.func = f;
      const members: CMember[] = [];
      let slot = 0;
      for (const p of f.params) {
        members.push({ name: p.name, offset: slot * 8, type: p.type, bitOffset: slot * 64, bitSize: 0 });
        slot += paramSlots(p.type);
      }
      this.v.args = { kind: 'struct', name: `${f.name}()`, size: slot * 8, members: () => members };
    }
    return { k: 'record', ctype: this.v.args, space: 'ctx' };
  }

  /** retvalTy is fexit's `retval`, typed from the function's BTF return type. */
  private retvalTy(e: A.Builtin): Ty {
    const f = this.v.func ?? this.kernelFunc();
    const r = f.ret;
    switch (r.kind) {
      case 'void':
        throw this.err(e.pos, `${f.name} returns void, so fexit:${f.name} has no retval`);
      case 'int':
        return intTy(r.size, r.signed);
      case 'ptr':
        return { k: 'ptr', to: r.target(), space: r.user ? 'user' : 'kernel' };
      default:
        throw this.err(e.pos, `${f.name} returns ${cName(r)} by value; bpfkit cannot read it as retval`);
    }
  }

  private binary(e: A.Binary): Ty {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    const op = e.op;
    if (l.k === 'bytes' || r.k === 'bytes') return this.bytesCompare(e, l, r);
    if (l.k === 'str' || r.k === 'str') {
      if (op !== '==' && op !== '!=') {
        throw this.err(
          e.pos,
          `'${op}' cannot be applied to strings`,
          op === '+' ? 'strings cannot be concatenated' : undefined,
        );
      }
      if (l.k !== r.k) {
        throw this.err(
          l.k === 'str' ? e.right.pos : e.left.pos,
          `cannot compare ${tyName(l)} with ${tyName(r)}`,
          `compare a string with a string, e.g. comm == "bash"`,
        );
      }
      return U64;
    }
    for (const [t, side] of [
      [l, e.left],
      [r, e.right],
    ] as const) {
      if (!isIntLike(t)) throw this.err(side.pos, `'${op}' needs integers, not ${tyName(t)}`);
    }
    if (['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(op)) return U64;
    if (l.k === 'ptr' && (op === '+' || op === '-')) return l;
    // A shift keeps its left operand's type; other operators convert as C does.
    const signed = op === '<<' || op === '>>' ? l.k === 'int' && l.signed : arithSigned(l, r);
    return signed ? I64 : U64;
  }

  /** bytesCompare types `==`/`!=` of pton()'s bytes with bytes or an array of the same size. */
  private bytesCompare(e: A.Binary, l: Ty, r: Ty): Ty {
    if (e.op !== '==' && e.op !== '!=')
      throw this.err(e.pos, `'${e.op}' cannot be applied to ${tyName(l.k === 'bytes' ? l : r)}`);
    const size = (t: Ty) =>
      t.k === 'bytes' || t.k === 'str'
        ? t.size
        : t.k === 'record' && t.ctype.kind === 'array'
          ? cSizeOf(t.ctype)
          : -1;
    if (size(l) !== size(r)) {
      const other = l.k === 'bytes' ? e.right : e.left;
      throw this.err(
        other.pos,
        `cannot compare ${tyName(l)} with ${tyName(r)}`,
        'compare with an array of the same size',
      );
    }
    return U64;
  }

  private call(c: A.Call): Ty {
    const name = c.name;
    if (FUNCTIONS[name] === undefined) {
      if ((BUILTINS as readonly string[]).includes(name))
        throw this.err(c.pos, `${name} is a builtin, not a function; write it without '()'`);
      throw this.err(c.pos, `unknown function '${name}'`, didYouMean(name, Object.keys(FUNCTIONS)));
    }
    this.arity(c);
    if (AGG_FUNCTIONS.has(name)) {
      throw this.err(
        c.pos,
        `${name}() must be assigned to a map`,
        `e.g. @x = ${name}(${name === 'count' ? '' : '...'})`,
      );
    }
    const a = c.args;
    switch (name) {
      case 'printf':
      case 'system':
      case 'cat': {
        if (name === 'system' && !this.opts.unsafe)
          throw this.err(c.pos, 'system() runs commands and needs --unsafe');
        this.printfArgs(c);
        return NONE;
      }
      case 'print': {
        const first = a[0]!;
        if (first.kind === 'map' && first.keys.length === 0) {
          const info = this.maps.get(first.name);
          if (this.strict && !info?.value)
            throw this.err(first.pos, `map ${first.name} is printed but never assigned`);
          if (!info)
            this.maps.set(first.name, {
              name: first.name,
              pos: first.pos,
              keys: undefined,
              value: undefined,
            });
          this.v.types.set(first, info?.value ?? I64);
        } else {
          const t = this.expr(first);
          if (t.k === 'none') throw this.err(first.pos, 'print() needs a value');
        }
        for (const x of a.slice(1)) this.constInt(x, 'print() argument');
        return NONE;
      }
      case 'clear':
      case 'zero': {
        const m = a[0]!;
        if (m.kind !== 'map' || m.keys.length > 0)
          throw this.err(m.pos, `${name}() takes a whole map, such as @x`);
        if (!this.maps.has(m.name))
          this.maps.set(m.name, { name: m.name, pos: m.pos, keys: undefined, value: undefined });
        if (this.strict && !this.maps.get(m.name)?.value)
          throw this.err(
            m.pos,
            `map ${m.name} is ${name === 'clear' ? 'cleared' : 'zeroed'} but never assigned`,
          );
        return NONE;
      }
      case 'delete': {
        const m = a[0]!;
        if (m.kind !== 'map') throw this.err(m.pos, 'delete() takes a map element, such as @x[pid]');
        if (a.length === 2) {
          this.mapInfo({ ...m, keys: [a[1]!] });
          this.expr(a[1]!);
        } else this.mapInfo(m);
        if (this.strict && !this.maps.get(m.name)?.value)
          throw this.err(m.pos, `map ${m.name} is deleted from but never assigned`);
        return NONE;
      }
      case 'exit':
        if (a[0]) this.needInt(a[0], 'exit()');
        return NONE;
      case 'time':
        if (a[0] && a[0].kind !== 'str') throw this.err(a[0].pos, 'time() takes a format string literal');
        if (a[0]) this.expr(a[0]);
        return NONE;
      case 'strftime':
        if (a[0]!.kind !== 'str') throw this.err(a[0]!.pos, 'strftime() takes a format string literal');
        this.expr(a[0]!);
        this.needInt(a[1]!, 'strftime()');
        return { k: 'timestamp', fmt: (a[0] as A.StrLit).value };
      case 'join':
        this.needInt(a[0]!, 'join()');
        if (a[1] && a[1].kind !== 'str') throw this.err(a[1].pos, 'join() takes a delimiter string literal');
        if (a[1]) this.expr(a[1]);
        return NONE;
      case 'str': {
        const t = this.expr(a[0]!);
        const strlen = this.opts.strlen ?? STRLEN;
        let size = strlen;
        if (a[1]) {
          const n = this.constIntOrAny(a[1]);
          const l = a[1];
          if ((n !== undefined && n < 0n) || (l.kind === 'unary' && l.op === '-' && l.operand.kind === 'int'))
            throw this.err(l.pos, `str() length must not be negative`);
          if (n !== undefined) size = Math.max(1, Math.min(Number(n) + 1, strlen));
        }
        if (t.k === 'str') return t.size > size ? { k: 'str', size } : t;
        if (!isIntLike(t)) throw this.err(a[0]!.pos, `str() needs a pointer, not ${tyName(t)}`);
        return { k: 'str', size };
      }
      case 'buf': {
        const t = this.expr(a[0]!);
        if (!isIntLike(t) && t.k !== 'record' && t.k !== 'str')
          throw this.err(a[0]!.pos, `buf() needs a pointer, not ${tyName(t)}`);
        let size = 64;
        if (a[1]) size = Math.min(Number(this.constIntOrAny(a[1]) ?? 64n), 64);
        else if (t.k === 'record' && t.ctype.kind === 'array')
          size = Math.min(t.ctype.len * (t.ctype.elem.kind === 'int' ? t.ctype.elem.size : 8), 64);
        else if (!isIntLike(t) || t.k !== 'ptr') size = 64;
        return { k: 'buf', size };
      }
      case 'ntop': {
        const addr = a[a.length - 1]!;
        if (a.length === 2) this.needInt(a[0]!, 'ntop() address family');
        const t = this.expr(addr);
        if (!isIntLike(t) && t.k !== 'record' && t.k !== 'str' && t.k !== 'bytes')
          throw this.err(addr.pos, `ntop() needs an address, not ${tyName(t)}`);
        return { k: 'inet', size: 16 };
      }
      case 'pton': {
        const lit = a[0]!;
        if (lit.kind !== 'str') throw this.err(lit.pos, 'pton() takes an address string literal');
        this.expr(lit);
        const bytes = ptonBytes(lit.value);
        if (!bytes) throw this.err(lit.pos, `pton: '${lit.value}' is not an IPv4 or IPv6 address`);
        return { k: 'bytes', size: bytes.length };
      }
      case 'cgroup_path': {
        this.needInt(a[0]!, 'cgroup_path()');
        const f = a[1];
        if (f && f.kind !== 'str')
          throw this.err(f.pos, 'cgroup_path() takes a hierarchy filter string literal');
        if (f) this.expr(f);
        return f ? { k: 'cgroupPath', filter: (f as A.StrLit).value } : { k: 'cgroupPath' };
      }
      case 'macaddr': {
        const t = this.expr(a[0]!);
        // A char array (`unsigned char perm_addr[32]`) types as a string.
        if (!isIntLike(t) && t.k !== 'record' && t.k !== 'str' && t.k !== 'bytes')
          throw this.err(a[0]!.pos, `macaddr() needs an array or a pointer, not ${tyName(t)}`);
        if (t.k === 'record' && cSizeOf(t.ctype) < 6)
          throw this.err(a[0]!.pos, `macaddr() needs 6 bytes, but ${tyName(t)} has ${cSizeOf(t.ctype)}`);
        if ((t.k === 'str' || t.k === 'bytes') && t.size < 6)
          throw this.err(a[0]!.pos, `macaddr() needs 6 bytes, but this string has ${t.size}`);
        return { k: 'macaddr' };
      }
      case 'ksym':
        this.needInt(a[0]!, 'ksym()');
        return { k: 'ksym' };
      case 'usym':
        this.needInt(a[0]!, 'usym()');
        return { k: 'usym' };
      case 'kstack':
      case 'ustack': {
        let mode: 'bpftrace' | 'perf' | 'raw' = 'bpftrace';
        let limit = 127;
        for (const x of a) {
          if (x.kind === 'builtin' && (x.name === 'perf' || x.name === 'bpftrace' || x.name === 'raw'))
            mode = x.name;
          else limit = Number(this.constInt(x, `${name}() depth`));
        }
        if (limit < 1 || limit > 127) throw this.err(c.pos, `${name}() depth must be between 1 and 127`);
        return { k: 'stack', user: name === 'ustack', limit, mode };
      }
      case 'cgroupid':
      case 'kaddr':
        if (a[0]!.kind !== 'str') throw this.err(a[0]!.pos, `${name}() takes a string literal`);
        this.expr(a[0]!);
        return U64;
      case 'reg':
        if (a[0]!.kind !== 'str') throw this.err(a[0]!.pos, 'reg() takes a register name literal');
        if (!REGS_PROBES.has(this.spec.type))
          throw this.err(c.pos, `reg() is not available in ${this.spec.type} probes`);
        this.expr(a[0]!);
        return U64;
      case 'strncmp': {
        const x = this.expr(a[0]!);
        const y = this.expr(a[1]!);
        if (x.k !== 'str' || y.k !== 'str') throw this.err(c.pos, 'strncmp() compares two strings');
        this.constInt(a[2]!, 'strncmp() length');
        return U64;
      }
      case 'strcontains': {
        const h = this.expr(a[0]!);
        if (h.k !== 'str') throw this.err(a[0]!.pos, `strcontains() searches a string, not ${tyName(h)}`);
        if (a[1]!.kind !== 'str')
          throw this.err(a[1]!.pos, 'strcontains() takes a string literal to look for');
        this.expr(a[1]!);
        return U64;
      }
      case 'bswap':
        return this.needInt(a[0]!, 'bswap()');
      case 'uptr':
      case 'kptr': {
        // Annotates the address space where BTF cannot: kernels built without type tags (`__user`).
        const t = this.needInt(a[0]!, `${name}()`);
        const space = name === 'uptr' ? 'user' : 'kernel';
        if (t.k === 'ptr') return { ...t, space };
        return { k: 'ptr', to: { kind: 'int', name: 'char', size: 1, signed: true }, space };
      }
      case 'signal':
      case 'override':
        throw this.err(c.pos, `${name}() is not supported: this kernel runs in lockdown integrity mode`);
    }
    throw this.err(c.pos, `${name}() is not supported yet`);
  }

  private constIntOrAny(e: A.Expr): bigint | undefined {
    const t = this.expr(e);
    if (!isIntLike(t)) throw this.err(e.pos, `expected an integer, not ${tyName(t)}`);
    if (e.kind === 'int') return e.value;
    return undefined;
  }

  private needInt(e: A.Expr, what: string): Ty {
    const t = this.expr(e);
    if (!isIntLike(t)) throw this.err(e.pos, `${what} needs an integer, not ${tyName(t)}`);
    return t;
  }

  private printfArgs(c: A.Call): void {
    const fmtNode = c.args[0]!;
    if (fmtNode.kind !== 'str')
      throw this.err(fmtNode.pos, `${c.name}() needs a format string literal first`);
    this.expr(fmtNode);
    let convs: Spec[];
    try {
      convs = specs(parseFormat(fmtNode.value));
    } catch (e) {
      if (e instanceof FormatError) throw this.err(fmtNode.pos + 1 + e.at, e.message);
      throw e;
    }
    const args = c.args.slice(1);
    if (args.length !== convs.length) {
      throw this.err(
        c.pos,
        `${c.name}: the format has ${convs.length} conversion${convs.length === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? '' : 's'} ${args.length === 1 ? 'was' : 'were'} given`,
      );
    }
    args.forEach((arg, i) => {
      const t = this.expr(arg);
      const s = convs[i]!;
      if (t.k === 'none' || t.k === 'agg' || t.k === 'record')
        throw this.err(arg.pos, `${tyName(t)} cannot be printed`);
      const numeric = 'diuxXocp'.includes(s.conv);
      // %s of a number is refused, as bpftrace does: it is most often a `char *` missing its str().
      if (s.conv === 's' && isIntLike(t)) {
        const charPtr = t.k === 'ptr' && t.to.kind === 'int' && t.to.size === 1;
        throw this.err(
          arg.pos,
          `${c.name}: %s expects a string, but this is ${tyName(t)}`,
          charPtr ? 'use str() to read the string it points to' : 'use %d',
        );
      }
      if (numeric && !isIntLike(t)) {
        throw this.err(
          arg.pos,
          `${c.name}: %${s.conv} expects an integer, but this is ${tyName(t)}`,
          t.k === 'str' ? 'use %s' : undefined,
        );
      }
    });
  }
}

/** cSizeOf is the size of a C type in bytes. */
export function cSizeOf(c: CType): number {
  switch (c.kind) {
    case 'int':
      return c.size;
    case 'array':
      return c.len * cSizeOf(c.elem);
    case 'struct':
      return c.size;
    case 'dataloc':
      return 4;
    case 'void':
      return 1;
    default:
      return 8;
  }
}

/** findMember looks a member up by name, through anonymous structs and unions. */
export function findMember(c: CType, name: string, depth = 0): CMember | undefined {
  if (c.kind !== 'struct' || depth > 16) return undefined;
  for (const m of c.members()) {
    if (m.name === name) return m;
    if (m.name === '' && m.type.kind === 'struct') {
      const inner = findMember(m.type, name, depth + 1);
      if (inner)
        return { ...inner, offset: m.offset + inner.offset, bitOffset: m.bitOffset + inner.bitOffset };
    }
  }
  return undefined;
}

/** memberNames lists the names reachable with one `.`, for suggestions. */
export function memberNames(c: CType, depth = 0): string[] {
  if (c.kind !== 'struct' || depth > 16) return [];
  return c.members().flatMap((m) => (m.name === '' ? memberNames(m.type, depth + 1) : [m.name]));
}
