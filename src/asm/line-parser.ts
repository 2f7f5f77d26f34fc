// LineParser: the operand grammar of one assembly line — registers, immediates, `(u32 *)` casts,
// `(r1 +8)` addresses and jump targets — over the lexer's tokens, with positioned errors.

import { ParseError, type SourcePosition } from '../errors/index.js';
import { type LineContext, positionOf, type Token } from './lexer.js';
import { SIGNED_WIDTHS, WIDTHS } from './syntax.js';

/** RegOperand is `rN` (wide) or `wN`, with its column for errors. */
export interface RegOperand {
  n: number;
  wide: boolean;
  col: number;
}

/** Target is a relative slot offset or a label name. */
export type Target = { rel: number; col: number } | { label: string; col: number };

export const REG = /^([rw])(\d+)$/;

/** describe names a token in an error message. */
export const describe = (t: Token): string => (t.kind === 'end' ? 'end of line' : `'${t.text}'`);

/** LineParser walks the tokens of one line. */
export class LineParser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: LineContext,
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos++;
    return t;
  }
  at(text: string): boolean {
    const t = this.peek();
    return (t.kind === 'op' || t.kind === 'ident') && t.text === text;
  }
  accept(text: string): boolean {
    if (!this.at(text)) return false;
    this.pos++;
    return true;
  }
  expect(text: string, what = `'${text}'`): Token {
    const t = this.peek();
    if (!this.at(text)) throw this.error(`expected ${what}, found ${describe(t)}`, t);
    return this.next();
  }
  error(message: string, t: Token = this.peek()): ParseError {
    return new ParseError(message, positionOf(this.ctx, t.col));
  }
  position(t: Token): SourcePosition {
    return positionOf(this.ctx, t.col);
  }
  end(): void {
    const t = this.peek();
    if (t.kind !== 'end') throw this.error(`unexpected ${describe(t)} after the instruction`, t);
  }

  isReg(ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && REG.test(t.text);
  }
  reg(): RegOperand {
    const t = this.next();
    const m = t.kind === 'ident' ? REG.exec(t.text) : null;
    if (!m) throw this.error(`expected a register (r0..r10 or w0..w10), found ${describe(t)}`, t);
    const n = Number(m[2]);
    if (n > 10 || m[2]!.length > 2) throw this.error(`no register '${t.text}': registers are r0..r10`, t);
    return { n, wide: m[1] === 'r', col: t.col };
  }
  /** int reads an optionally signed integer literal. */
  int(): { value: bigint; tok: Token } {
    const start = this.peek();
    let sign = 1n;
    if (this.accept('-')) sign = -1n;
    else this.accept('+');
    const t = this.next();
    if (t.kind !== 'number') throw this.error(`expected a number, found ${describe(t)}`, t);
    return { value: sign * t.value!, tok: start };
  }
  isInt(): boolean {
    const t = this.peek();
    if (t.kind === 'number') return true;
    return (t.text === '-' || t.text === '+') && this.peek(1).kind === 'number';
  }
  /** imm32 reads an immediate; `unsigned` also allows 2^31..2^32-1, written as the kernel prints them. */
  imm32(unsigned: boolean): number {
    const { value, tok } = this.int();
    const max = unsigned ? 0xffffffffn : 0x7fffffffn;
    if (value < -0x80000000n || value > max) {
      throw this.error(
        `immediate ${value} does not fit in a ${unsigned ? '' : 'sign-extended '}32-bit field`,
        tok,
      );
    }
    return Number(BigInt.asIntN(32, value));
  }
  off16(value: bigint, tok: Token): number {
    if (value < -0x8000n || value > 0x7fffn) throw this.error(`offset ${value} does not fit in 16 bits`, tok);
    return Number(value);
  }
  /** memOffset reads the `+8`, `-4` or `+ 8` after a base register, if any. */
  memOffset(): number {
    if (!this.at('+') && !this.at('-')) return 0;
    const { value, tok } = this.int();
    return this.off16(value, tok);
  }
  /** cast reads `(u32 *)` and returns the size and whether it was a signed cast. */
  cast(allowSigned: boolean): { size: number; signed: boolean } {
    this.expect('(');
    const t = this.next();
    const size = WIDTHS.get(t.text);
    const ssize = allowSigned ? SIGNED_WIDTHS.get(t.text) : undefined;
    if (size === undefined && ssize === undefined) {
      throw this.error(`expected a width (u8, u16, u32, u64${allowSigned ? ', s8, s16, s32' : ''})`, t);
    }
    this.expect('*');
    this.expect(')');
    return size !== undefined ? { size, signed: false } : { size: ssize!, signed: true };
  }
  /** address reads `(r1 +8)`. */
  address(): { reg: RegOperand; off: number } {
    this.expect('(');
    const reg = this.reg();
    const off = this.memOffset();
    this.expect(')');
    return { reg, off };
  }
  /** target reads `+3`, `-1`, `pc+3`, `label`, and skips an llvm-objdump `<LBB0_1>` annotation. */
  target(): Target {
    const t = this.peek();
    let out: Target;
    if (t.kind === 'ident' && t.text === 'pc' && (this.peek(1).text === '+' || this.peek(1).text === '-')) {
      this.next();
      out = { rel: this.relative(), col: t.col };
    } else if (this.isInt()) {
      out = { rel: this.relative(), col: t.col };
    } else if (t.kind === 'ident' && !REG.test(t.text)) {
      this.next();
      out = { label: t.text, col: t.col };
    } else {
      throw this.error(`expected a jump target (+N, -N, pc+N or a label), found ${describe(t)}`, t);
    }
    if (this.at('<')) {
      while (this.peek().kind !== 'end' && !this.at('>')) this.next();
      this.expect('>');
    }
    return out;
  }
  private relative(): number {
    const { value, tok } = this.int();
    if (value < -0x80000000n || value > 0x7fffffffn) throw this.error(`offset ${value} is out of range`, tok);
    return Number(value);
  }
}
