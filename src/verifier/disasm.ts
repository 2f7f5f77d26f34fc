// Kernel-style disassembly of one instruction (`r2 = *(u32 *)(r1 +76)`), for verifier messages.

import { helperName } from '../asm/helpers.js';
import { type Insn, imm64 } from '../asm/instruction.js';
import {
  AluOp,
  Class,
  JmpOp,
  Mode,
  opClass,
  opMode,
  opOp,
  opSize,
  opSource,
  Size,
  Source,
} from '../asm/opcodes.js';
import { knownOpcode } from './cfg.js';

const ALU_SYM: Record<number, string> = {
  [AluOp.ADD]: '+=',
  [AluOp.SUB]: '-=',
  [AluOp.MUL]: '*=',
  [AluOp.DIV]: '/=',
  [AluOp.OR]: '|=',
  [AluOp.AND]: '&=',
  [AluOp.LSH]: '<<=',
  [AluOp.RSH]: '>>=',
  [AluOp.MOD]: '%=',
  [AluOp.XOR]: '^=',
  [AluOp.MOV]: '=',
  [AluOp.ARSH]: 's>>=',
};
const JMP_SYM: Record<number, string> = {
  [JmpOp.JEQ]: '==',
  [JmpOp.JGT]: '>',
  [JmpOp.JGE]: '>=',
  [JmpOp.JSET]: '&',
  [JmpOp.JNE]: '!=',
  [JmpOp.JSGT]: 's>',
  [JmpOp.JSGE]: 's>=',
  [JmpOp.JLT]: '<',
  [JmpOp.JLE]: '<=',
  [JmpOp.JSLT]: 's<',
  [JmpOp.JSLE]: 's<=',
};
const WIDTH: Record<number, string> = { [Size.B]: 'u8', [Size.H]: 'u16', [Size.W]: 'u32', [Size.DW]: 'u64' };

const sign = (n: number): string => (n < 0 ? `${n}` : `+${n}`);

/** disasm renders slot `pc` of insns; `next` is the second slot of an LD_IMM64. */
export function disasm(i: Insn, next?: Insn): string {
  if (!knownOpcode(i.code)) return `(${i.code.toString(16).padStart(2, '0')}) unknown`;
  const cls = opClass(i.code);
  const op = opOp(i.code);
  const x = opSource(i.code) === Source.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const r = cls === Class.ALU64 ? 'r' : 'w';
      if (op === AluOp.NEG) return `${r}${i.dst} = -${r}${i.dst}`;
      if (op === AluOp.END) {
        const kind = cls === Class.ALU64 ? 'bswap' : x ? 'be' : 'le';
        return `r${i.dst} = ${kind}${i.imm} r${i.dst}`;
      }
      const sym = ALU_SYM[op] ?? `alu${op.toString(16)}`;
      const pre = i.off !== 0 && (op === AluOp.DIV || op === AluOp.MOD) ? 's' : '';
      const src = x ? `${r}${i.src}` : `${i.imm}`;
      if (op === AluOp.MOV && x && i.off !== 0) return `${r}${i.dst} = (s${i.off})${r}${i.src}`;
      return `${r}${i.dst} ${pre}${sym} ${src}`;
    }
    case Class.JMP:
    case Class.JMP32: {
      if (op === JmpOp.EXIT) return 'exit';
      if (op === JmpOp.CALL) {
        if (i.src === 1) return `call pc${sign(i.imm)}`;
        const name = helperName(i.imm);
        return name ? `call ${name}#${i.imm}` : `call #${i.imm}`;
      }
      if (op === JmpOp.JA) return `goto pc${sign(cls === Class.JMP32 ? i.imm : i.off)}`;
      const r = cls === Class.JMP32 ? 'w' : 'r';
      const src = x ? `${r}${i.src}` : `${i.imm}`;
      return `if ${r}${i.dst} ${JMP_SYM[op] ?? '?'} ${src} goto pc${sign(i.off)}`;
    }
    case Class.LDX: {
      const sx = opMode(i.code) === Mode.MEMSX ? 's' : 'u';
      const w = (WIDTH[opSize(i.code)] ?? 'u64').slice(1);
      return `r${i.dst} = *(${sx}${w} *)(r${i.src} ${sign(i.off)})`;
    }
    case Class.ST:
      return `*(${WIDTH[opSize(i.code)]} *)(r${i.dst} ${sign(i.off)}) = ${i.imm}`;
    case Class.STX: {
      const w = WIDTH[opSize(i.code)];
      if (opMode(i.code) === Mode.ATOMIC)
        return `lock *(${w} *)(r${i.dst} ${sign(i.off)}) op(0x${(i.imm >>> 0).toString(16)}) r${i.src}`;
      return `*(${w} *)(r${i.dst} ${sign(i.off)}) = r${i.src}`;
    }
    default: {
      const mode = opMode(i.code);
      if (i.code === (Class.LD | Size.DW | Mode.IMM)) {
        if (i.src === 1) return `r${i.dst} = map[fd:${i.imm}]`;
        if (i.src === 2) return `r${i.dst} = map_value[fd:${i.imm}]+${next?.imm ?? 0}`;
        return `r${i.dst} = 0x${next ? imm64(i, next).toString(16) : (i.imm >>> 0).toString(16)} ll`;
      }
      const w = WIDTH[opSize(i.code)] ?? 'u64';
      if (mode === Mode.ABS) return `r0 = *(${w} *)skb[${i.imm}]`;
      if (mode === Mode.IND) return `r0 = *(${w} *)skb[r${i.src} + ${i.imm}]`;
      return `(${i.code.toString(16).padStart(2, '0')}) unknown`;
    }
  }
}
