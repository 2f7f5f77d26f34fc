// assembleUbpf: an assembler for the uBPF dialect the bpf_conformance suite is written in
// (`mov32 %r0, 1`, `ldxh %r0, [%r1+2]`, `jeq %r1, 0x10, label`, `lock fetch add [%r1], %r2`).

import { ParseError, type SourcePosition } from '../errors/index.js';
import { type Insn, insn } from './instruction.js';
import { AluOp, AtomicOp, Class, Endian, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source } from './opcodes.js';

interface Token {
  text: string;
  column: number;
}

const ALU: Record<string, number> = {
  add: AluOp.ADD,
  sub: AluOp.SUB,
  mul: AluOp.MUL,
  div: AluOp.DIV,
  sdiv: AluOp.DIV,
  or: AluOp.OR,
  and: AluOp.AND,
  lsh: AluOp.LSH,
  rsh: AluOp.RSH,
  mod: AluOp.MOD,
  smod: AluOp.MOD,
  xor: AluOp.XOR,
  mov: AluOp.MOV,
  arsh: AluOp.ARSH,
};

const JMP: Record<string, number> = {
  jeq: JmpOp.JEQ,
  jgt: JmpOp.JGT,
  jge: JmpOp.JGE,
  jset: JmpOp.JSET,
  jne: JmpOp.JNE,
  jsgt: JmpOp.JSGT,
  jsge: JmpOp.JSGE,
  jlt: JmpOp.JLT,
  jle: JmpOp.JLE,
  jslt: JmpOp.JSLT,
  jsle: JmpOp.JSLE,
};

const SIZE: Record<string, number> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };
const ATOMIC: Record<string, number> = {
  add: AtomicOp.ADD,
  or: AtomicOp.OR,
  and: AtomicOp.AND,
  xor: AtomicOp.XOR,
  xchg: AtomicOp.XCHG,
  cmpxchg: AtomicOp.CMPXCHG,
};

/** UbpfOptions: `file` names the source in error positions. */
export interface UbpfOptions {
  file?: string;
}

/** assembleUbpf turns uBPF-dialect assembly into instruction slots; mistakes are ParseErrors with line and column. */
export function assembleUbpf(source: string, options: UbpfOptions = {}): Insn[] {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const fixups: { slot: number; label: Token; field: 'off' | 'imm'; pos: SourcePosition }[] = [];
  const lines = source.split(/\r?\n/);
  let sawExit = false;

  lines.forEach((sourceLine, index) => {
    const at = (column: number): SourcePosition => {
      const p: SourcePosition = { line: index + 1, column, sourceLine };
      if (options.file !== undefined) p.file = options.file;
      return p;
    };
    const fail = (message: string, column: number): never => {
      throw new ParseError(message, at(column));
    };
    const hash = sourceLine.indexOf('#');
    const code = hash < 0 ? sourceLine : sourceLine.slice(0, hash);
    const tokens: Token[] = [];
    for (const m of code.matchAll(/[^\s,]+/g)) tokens.push({ text: m[0], column: m.index + 1 });
    const head = tokens.shift();
    if (!head) return;

    if (head.text.endsWith(':')) {
      const name = head.text.slice(0, -1);
      if (!/^[A-Za-z_.][\w.]*$/.test(name)) fail(`invalid label name '${name}'`, head.column);
      if (labels.has(name) && !(name === 'exit' && sawExit)) fail(`duplicate label '${name}'`, head.column);
      labels.set(name, out.length);
      if (tokens.length) fail(`unexpected '${tokens[0]!.text}' after a label`, tokens[0]!.column);
      return;
    }

    const mnemonic = head.text;
    const count = (n: number, what = mnemonic): void => {
      if (tokens.length !== n) {
        const extra = tokens[n];
        fail(
          `invalid number of operands for ${what}: expected ${n}, got ${tokens.length}`,
          extra ? extra.column : head.column + head.text.length,
        );
      }
    };
    const reg = (t: Token): number => {
      const m = /^%r(\d+)$/.exec(t.text);
      const n = m ? Number(m[1]) : -1;
      if (n < 0 || n > 10 || !m || (m[1]!.length > 1 && m[1]!.startsWith('0')))
        fail(`invalid register '${t.text}'`, t.column);
      return n;
    };
    const number = (text: string, column: number, min: bigint, max: bigint, what: string): bigint => {
      const m = /^([+-]?)(0x[0-9a-fA-F]+|\d+)$/.exec(text);
      if (!m) fail(`invalid ${what} '${text}'`, column);
      const v = (m![1] === '-' ? -1n : 1n) * BigInt(m![2]!);
      if (v < min || v > max) fail(`${what} '${text}' is out of range`, column);
      return v;
    };
    // A 32-bit immediate: signed in decimal, any 32-bit pattern in hex (as the suite writes masks).
    const imm32 = (t: Token): number => {
      const isHex = /^[+-]?0x/i.test(t.text);
      return Number(
        BigInt.asIntN(
          32,
          number(t.text, t.column, -(1n << 31n), isHex ? 0xffffffffn : (1n << 31n) - 1n, 'immediate'),
        ),
      );
    };
    const memory = (t: Token): { reg: number; off: number } => {
      const m = /^\[(%r\w+)\s*(?:([+-])\s*(\w+))?\]$/.exec(t.text);
      if (!m) fail(`expected a memory operand like [%r1+8], got '${t.text}'`, t.column);
      const r = reg({ text: m![1]!, column: t.column + 1 });
      if (m![2] === undefined) return { reg: r, off: 0 };
      const off = number(`${m![2]}${m![3]}`, t.column + 1 + m![1]!.length, -32768n, 32767n, 'offset');
      return { reg: r, off: Number(off) };
    };
    const target = (t: Token, field: 'off' | 'imm'): number => {
      if (/^[+-]/.test(t.text)) {
        const limit = field === 'off' ? 32767n : 2147483647n;
        return Number(number(t.text, t.column, -limit - 1n, limit, 'jump offset'));
      }
      if (!/^[A-Za-z_.][\w.]*$/.test(t.text)) fail(`invalid jump target '${t.text}'`, t.column);
      fixups.push({ slot: out.length, label: t, field, pos: at(t.column) });
      return 0;
    };
    const isReg = (t: Token): boolean => t.text.startsWith('%');

    let m: RegExpExecArray | null;
    if (mnemonic === 'exit') {
      count(0);
      if (!sawExit && !labels.has('exit')) labels.set('exit', out.length);
      sawExit = true;
      out.push(insn(Class.JMP | JmpOp.EXIT));
    } else if (mnemonic === 'lddw') {
      count(2);
      const dst = reg(tokens[0]!);
      const t = tokens[1]!;
      const v = number(t.text, t.column, -(1n << 63n), (1n << 64n) - 1n, '64-bit immediate');
      const u = BigInt.asUintN(64, v);
      out.push(
        insn(LD_IMM64, dst, 0, 0, Number(BigInt.asIntN(32, u))),
        insn(0, 0, 0, 0, Number(BigInt.asIntN(32, u >> 32n))),
      );
    } else if ((m = /^(ldxs?|stx?)(b|h|w|dw)$/.exec(mnemonic))) {
      count(2);
      const [, kind, size] = m;
      if (kind === 'ldxs' && size === 'dw') fail(`invalid mnemonic '${mnemonic}'`, head.column);
      const sz = SIZE[size!]!;
      if (kind === 'ldx' || kind === 'ldxs') {
        const dst = reg(tokens[0]!);
        const { reg: src, off } = memory(tokens[1]!);
        out.push(insn(Class.LDX | sz | (kind === 'ldx' ? Mode.MEM : Mode.MEMSX), dst, src, off));
      } else if (kind === 'st') {
        const { reg: dst, off } = memory(tokens[0]!);
        out.push(insn(Class.ST | sz | Mode.MEM, dst, 0, off, imm32(tokens[1]!)));
      } else {
        const { reg: dst, off } = memory(tokens[0]!);
        out.push(insn(Class.STX | sz | Mode.MEM, dst, reg(tokens[1]!), off));
      }
    } else if (mnemonic === 'lock') {
      const fetch = tokens[0]?.text === 'fetch';
      if (fetch) tokens.shift();
      count(3, 'lock');
      const opTok = tokens[0]!;
      const om = /^(add|or|and|xor|xchg|cmpxchg)(32)?$/.exec(opTok.text);
      if (!om) fail(`invalid atomic operation '${opTok.text}'`, opTok.column);
      let imm = ATOMIC[om![1]!]!;
      if (fetch) imm |= AtomicOp.FETCH;
      const { reg: dst, off } = memory(tokens[1]!);
      const size = om![2] ? Size.W : Size.DW;
      out.push(insn(Class.STX | size | Mode.ATOMIC, dst, reg(tokens[2]!), off, imm));
    } else if ((m = /^(be|le|swap|bswap)(16|32|64)$/.exec(mnemonic))) {
      count(1);
      const cls = m[1] === 'swap' || m[1] === 'bswap' ? Class.ALU64 : Class.ALU;
      const src = m[1] === 'be' ? Endian.TO_BE : Endian.TO_LE;
      out.push(insn(cls | AluOp.END | src, reg(tokens[0]!), 0, 0, Number(m[2])));
    } else if ((m = /^movsx(8|16|32)(32|64)$/.exec(mnemonic))) {
      count(2);
      if (m[1] === '32' && m[2] === '32') fail(`invalid mnemonic '${mnemonic}'`, head.column);
      const cls = m[2] === '64' ? Class.ALU64 : Class.ALU;
      out.push(insn(cls | AluOp.MOV | Source.X, reg(tokens[0]!), reg(tokens[1]!), Number(m[1])));
    } else if ((m = /^neg(32)?$/.exec(mnemonic))) {
      count(1);
      out.push(insn((m[1] ? Class.ALU : Class.ALU64) | AluOp.NEG, reg(tokens[0]!)));
    } else if ((m = /^([a-z]+?)(32)?$/.exec(mnemonic)) && ALU[m[1]!] !== undefined) {
      count(2);
      const cls = m[2] ? Class.ALU : Class.ALU64;
      const op = ALU[m[1]!]!;
      const signed = m[1] === 'sdiv' || m[1] === 'smod' ? 1 : 0;
      const dst = reg(tokens[0]!);
      const b = tokens[1]!;
      if (isReg(b)) out.push(insn(cls | op | Source.X, dst, reg(b), signed));
      else out.push(insn(cls | op | Source.K, dst, 0, signed, imm32(b)));
    } else if (mnemonic === 'ja' || mnemonic === 'ja32') {
      count(1);
      if (mnemonic === 'ja') out.push(insn(Class.JMP | JmpOp.JA, 0, 0, target(tokens[0]!, 'off')));
      else out.push(insn(Class.JMP32 | JmpOp.JA, 0, 0, 0, target(tokens[0]!, 'imm')));
    } else if ((m = /^([a-z]+?)(32)?$/.exec(mnemonic)) && JMP[m[1]!] !== undefined) {
      count(3);
      const cls = m[2] ? Class.JMP32 : Class.JMP;
      const op = JMP[m[1]!]!;
      const dst = reg(tokens[0]!);
      const b = tokens[1]!;
      if (isReg(b)) out.push(insn(cls | op | Source.X, dst, reg(b), target(tokens[2]!, 'off')));
      else {
        const imm = imm32(b);
        out.push(insn(cls | op | Source.K, dst, 0, target(tokens[2]!, 'off'), imm));
      }
    } else if (mnemonic === 'call') {
      const first = tokens[0];
      if (first?.text === 'local') {
        count(2);
        out.push(insn(Class.JMP | JmpOp.CALL, 0, PseudoSrc.CALL, 0, target(tokens[1]!, 'imm')));
      } else if (first?.text === 'helper') {
        count(2);
        out.push(insn(Class.JMP | JmpOp.CALL, 0, 0, 0, imm32(tokens[1]!)));
      } else {
        count(1);
        if (isReg(first!)) out.push(insn(Class.JMP | JmpOp.CALL | Source.X, reg(first!)));
        else out.push(insn(Class.JMP | JmpOp.CALL, 0, 0, 0, imm32(first!)));
      }
    } else {
      fail(`invalid mnemonic '${mnemonic}'`, head.column);
    }
  });

  for (const f of fixups) {
    const to = labels.get(f.label.text);
    if (to === undefined) throw new ParseError(`invalid label '${f.label.text}'`, f.pos);
    const rel = to - f.slot - 1;
    const slot = out[f.slot]!;
    if (f.field === 'off') {
      if (rel < -32768 || rel > 32767)
        throw new ParseError(`jump to '${f.label.text}' is too far for a 16-bit offset`, f.pos);
      slot.off = rel;
    } else slot.imm = rel;
  }
  if (out.length === 0) {
    const p: SourcePosition = { line: 1, column: 1 };
    if (options.file !== undefined) p.file = options.file;
    throw new ParseError('the program has no instructions', p);
  }
  return out;
}
