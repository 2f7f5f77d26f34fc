// The line lexer of the kernel-syntax assembler: identifiers, unsigned numbers, and the C-like
// operators of `r1 s>>= 3`, `if w1 s<= w2 goto +1`, `*(u32 *)(r10 -4) = r1`.

import { ParseError, type SourcePosition } from '../errors/index.js';

export type TokenKind = 'ident' | 'number' | 'op' | 'end';

/** Token is one lexeme; `col` is 1-based, `value` is set for numbers. */
export interface Token {
  kind: TokenKind;
  text: string;
  col: number;
  value?: bigint;
}

// Longest first, so `<<=` wins over `<<` and `<=`. The `s`-prefixed signed operators are handled apart
// because `s` alone is also a valid identifier start.
const OPERATORS = [
  '<<=',
  '>>=',
  '==',
  '!=',
  '>=',
  '<=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '|=',
  '&=',
  '^=',
  '=',
  '>',
  '<',
  '&',
  '+',
  '-',
  '*',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
  '#',
];
const SIGNED_OPERATORS = ['s>>=', 's>=', 's<=', 's/=', 's%=', 's>', 's<'];

const isIdentStart = (c: string): boolean => /[A-Za-z_.$]/.test(c);
const isIdentChar = (c: string): boolean => /[A-Za-z0-9_.$]/.test(c);

/** LineContext locates a line for error messages. */
export interface LineContext {
  file?: string;
  line: number;
  text: string;
}

/** positionOf builds the SourcePosition of column `col` in a line. */
export function positionOf(ctx: LineContext, col: number): SourcePosition {
  const p: SourcePosition = { line: ctx.line, column: col, sourceLine: ctx.text };
  if (ctx.file !== undefined) p.file = ctx.file;
  return p;
}

/** tokenize splits one line (already without its comment) into tokens, ending with an `end` token. */
export function tokenize(text: string, ctx: LineContext): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    if (c === 's' && !isIdentChar(text[i + 1] ?? ' ')) {
      const op = SIGNED_OPERATORS.find((o) => text.startsWith(o, i));
      if (op) {
        out.push({ kind: 'op', text: op, col });
        i += op.length;
        continue;
      }
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Za-z_]/.test(text[j]!)) j++;
      const lexeme = text.slice(i, j);
      let value: bigint;
      if (/^0[xX][0-9a-fA-F]+$/.test(lexeme) || /^[0-9]+$/.test(lexeme)) {
        value = BigInt(lexeme);
      } else {
        throw new ParseError(`bad number '${lexeme}'`, positionOf(ctx, col));
      }
      out.push({ kind: 'number', text: lexeme, col, value });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      // `kernel-function#12` is how the kernel log names an unresolved kfunc call.
      while (j < text.length && (isIdentChar(text[j]!) || (text[j] === '-' && text.startsWith('kernel-', i))))
        j++;
      out.push({ kind: 'ident', text: text.slice(i, j), col });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, col });
      i += op.length;
      continue;
    }
    throw new ParseError(`unexpected character '${c}'`, positionOf(ctx, col));
  }
  out.push({ kind: 'end', text: '', col: text.trimEnd().length + 1 });
  return out;
}

/** stripComment removes a `;`, `#` or `//` comment, keeping `#` in `call name#12`. */
export function stripComment(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ';') return text.slice(0, i);
    if (c === '/' && text[i + 1] === '/') return text.slice(0, i);
    // A `#` right after an identifier is the kernel's `bpf_name#id`; elsewhere it starts a comment.
    if (c === '#' && !(i > 0 && isIdentChar(text[i - 1]!) && /[0-9-]/.test(text[i + 1] ?? ''))) {
      return text.slice(0, i);
    }
  }
  return text;
}
