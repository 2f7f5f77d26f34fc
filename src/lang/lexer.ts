// Lexer for the bpftrace language. It is pulled by the parser, which switches it into probe-spec mode
// at the top level, where `uprobe:/bin/bash:readline` and `tracepoint:syscalls:sys_enter_*` are single
// tokens, as in bpftrace.

import type { Source } from './diagnostics.js';

export type TokenKind = 'ident' | 'int' | 'str' | 'var' | 'param' | 'map' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** text is the identifier, punctuation, variable/map name (without sigil) or decoded string. */
  text: string;
  pos: number;
  end: number;
  /** value is set for integers. */
  value?: bigint;
}

// Longest first, so `<<=` wins over `<<` and `<`.
const PUNCT = [
  '<<=',
  '>>=',
  '->',
  '++',
  '--',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  ';',
  ':',
  '.',
  '?',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '!',
  '~',
  '<',
  '>',
  '=',
];

const isIdentStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isIdent = (c: string): boolean => /[A-Za-z0-9_]/.test(c);

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  e: '\x1b',
};

/** Lexer yields tokens from `pos` on; the parser may move `pos` back to re-lex in another mode. */
export class Lexer {
  pos = 0;
  private readonly text: string;

  constructor(readonly source: Source) {
    this.text = source.text;
  }

  /** skipTrivia skips whitespace, comments and preprocessor lines (`#include`, `#define`). */
  skipTrivia(): void {
    const t = this.text;
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '/' && t[this.pos + 1] === '/') {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl === -1 ? t.length : nl + 1;
      } else if (c === '/' && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2);
        if (end === -1) throw this.source.error(this.pos, 'unterminated comment');
        this.pos = end + 2;
      } else if (c === '#' && this.atLineStart()) {
        // Headers are not read: BTF describes kernel types.
        let nl = t.indexOf('\n', this.pos);
        while (nl > 0 && t[nl - 1] === '\\') nl = t.indexOf('\n', nl + 1);
        this.pos = nl === -1 ? t.length : nl + 1;
      } else {
        return;
      }
    }
  }

  private atLineStart(): boolean {
    for (let i = this.pos - 1; i >= 0; i--) {
      const c = this.text[i];
      if (c === '\n') return true;
      if (c !== ' ' && c !== '\t') return false;
    }
    return true;
  }

  /** next returns the next expression-mode token. */
  next(): Token {
    this.skipTrivia();
    const t = this.text;
    const start = this.pos;
    const c = t[start];
    if (c === undefined) return { kind: 'eof', text: '', pos: start, end: start };
    if (isIdentStart(c)) {
      let e = start + 1;
      while (e < t.length && isIdent(t[e]!)) e++;
      this.pos = e;
      return { kind: 'ident', text: t.slice(start, e), pos: start, end: e };
    }
    if (/[0-9]/.test(c)) return this.number(start);
    if (c === '"') return this.string(start);
    if (c === '$') {
      let e = start + 1;
      if (t[e] === '#') {
        this.pos = e + 1;
        return { kind: 'param', text: '#', pos: start, end: e + 1 };
      }
      if (/[0-9]/.test(t[e] ?? '')) {
        while (e < t.length && /[0-9]/.test(t[e]!)) e++;
        this.pos = e;
        return { kind: 'param', text: t.slice(start + 1, e), pos: start, end: e };
      }
      if (!isIdentStart(t[e] ?? '')) throw this.source.error(start, "expected a variable name after '$'");
      while (e < t.length && isIdent(t[e]!)) e++;
      this.pos = e;
      return { kind: 'var', text: t.slice(start + 1, e), pos: start, end: e };
    }
    if (c === '@') {
      let e = start + 1;
      while (e < t.length && isIdent(t[e]!)) e++;
      this.pos = e;
      return { kind: 'map', text: t.slice(start + 1, e), pos: start, end: e };
    }
    if (c === "'") {
      // A C character literal is an integer.
      const m = /^'(\\.|[^'\\])'/.exec(t.slice(start, start + 4));
      if (!m) throw this.source.error(start, 'malformed character literal');
      const body = m[1]!;
      const ch = body.length === 2 ? (ESCAPES[body[1]!] ?? body[1]!) : body;
      this.pos = start + m[0].length;
      return { kind: 'int', text: m[0], pos: start, end: this.pos, value: BigInt(ch.charCodeAt(0)) };
    }
    for (const p of PUNCT) {
      if (t.startsWith(p, start)) {
        this.pos = start + p.length;
        return { kind: 'punct', text: p, pos: start, end: this.pos };
      }
    }
    throw this.source.error(start, `unexpected character '${c}'`);
  }

  private number(start: number): Token {
    const t = this.text;
    const m = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*(?:e[0-9]+)?)([uUlL]*)/.exec(
      t.slice(start, start + 80),
    );
    const raw = m?.[1] ?? '';
    let e = start + (m?.[0].length ?? 0);
    if (e < t.length && isIdent(t[e]!)) {
      while (e < t.length && isIdent(t[e]!)) e++;
      throw this.source.error(start, `malformed number '${t.slice(start, e)}'`);
    }
    const digits = raw.replace(/_/g, '');
    let value: bigint;
    const exp = /^([0-9]+)e([0-9]+)$/.exec(digits);
    if (exp) {
      value = BigInt(exp[1]!) * 10n ** BigInt(exp[2]!);
    } else if (/^0[0-7]+$/.test(digits)) {
      value = BigInt(`0o${digits.slice(1)}`);
    } else if (/^0[0-9]+$/.test(digits)) {
      // A leading 0 means octal, as in C: 08 is a mistake, not 8.
      throw this.source.error(start, `malformed number '${raw}' (a leading 0 makes it octal)`);
    } else {
      try {
        value = BigInt(digits);
      } catch {
        throw this.source.error(start, `malformed number '${raw}'`);
      }
    }
    if (value >= 1n << 64n) throw this.source.error(start, `number '${raw}' does not fit in 64 bits`);
    this.pos = e;
    return { kind: 'int', text: t.slice(start, e), pos: start, end: e, value };
  }

  private string(start: number): Token {
    const t = this.text;
    let out = '';
    let i = start + 1;
    for (;;) {
      const c = t[i];
      if (c === undefined || c === '\n') throw this.source.error(start, 'unterminated string');
      if (c === '"') break;
      if (c === '\\') {
        const n = t[i + 1];
        if (n === undefined) throw this.source.error(start, 'unterminated string');
        if (n === 'x') {
          const hex = /^[0-9a-fA-F]{1,2}/.exec(t.slice(i + 2, i + 4));
          if (!hex) throw this.source.error(i, 'malformed \\x escape');
          out += String.fromCharCode(Number.parseInt(hex[0], 16));
          i += 2 + hex[0].length;
          continue;
        }
        if (/[0-7]/.test(n) && /[0-7]/.test(t[i + 2] ?? '')) {
          const oct = /^[0-7]{1,3}/.exec(t.slice(i + 1, i + 4))!;
          out += String.fromCharCode(Number.parseInt(oct[0], 8) & 0xff);
          i += 1 + oct[0].length;
          continue;
        }
        const esc = ESCAPES[n];
        if (esc === undefined) throw this.source.error(i, `unknown escape sequence '\\${n}'`);
        out += esc;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return { kind: 'str', text: out, pos: start, end: this.pos };
  }

  /**
   * probeSpec reads one attach point at the top level. It ends at whitespace, `,` or `{`; a `/` ends
   * it too (starting the predicate) except inside the path of uprobe/uretprobe/usdt specs.
   */
  probeSpec(): Token {
    this.skipTrivia();
    const t = this.text;
    const start = this.pos;
    let i = start;
    const head = /^[A-Za-z]+/.exec(t.slice(start, start + 20))?.[0] ?? '';
    const hasPath = /^(uprobe|uretprobe|usdt|u|ur|U)$/.test(head) && t[start + head.length] === ':';
    let colons = 0;
    let quoted = false;
    while (i < t.length) {
      const c = t[i]!;
      if (c === '"') {
        quoted = !quoted;
        i++;
        continue;
      }
      if (quoted) {
        i++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || c === '{') break;
      if (c === ':') colons++;
      // `uprobe:/bin/bash:readline` keeps its slashes; so does a pid-qualified usdt spec.
      if (c === '/' && !(hasPath && colons === 1)) break;
      i++;
    }
    if (quoted) throw this.source.error(start, 'unterminated string in probe');
    this.pos = i;
    return { kind: 'ident', text: t.slice(start, i).replace(/"/g, ''), pos: start, end: i };
  }
}
