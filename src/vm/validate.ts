// validate: the load-time checks the interpreter needs to run a program safely — known opcodes,
// reserved fields zero (as the kernel demands), registers in range, r10 never written, and every
// jump and call landing on an instruction. It is not the verifier: loops and bad pointers are
// caught at run time, as faults.

import { type Insn, isWide } from '../asm/instruction.js';
import { AluOp, AtomicOp, Class, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source } from '../asm/opcodes.js';
import { JCOND, LOAD_ACQ, STORE_REL } from '../asm/syntax.js';
import { VmError } from './errors.js';

const ATOMIC_OPS: ReadonlySet<number> = new Set([
  AtomicOp.ADD,
  AtomicOp.OR,
  AtomicOp.AND,
  AtomicOp.XOR,
  AtomicOp.ADD | AtomicOp.FETCH,
  AtomicOp.OR | AtomicOp.FETCH,
  AtomicOp.AND | AtomicOp.FETCH,
  AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG,
  AtomicOp.CMPXCHG,
]);

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** validate throws a VmError (fault `invalid-instruction`) naming the first bad slot. */
export function validate(insns: readonly Insn[]): void {
  if (insns.length === 0) throw new VmError('invalid-instruction', 0, 'the program is empty');
  const second = new Set<number>();
  for (let pc = 0; pc < insns.length; pc++) {
    if (isWide(insns[pc]!)) second.add(++pc);
  }
  const bad = (pc: number, why: string): never => {
    throw new VmError('invalid-instruction', pc, `${why} (opcode ${hex(insns[pc]?.code ?? 0)})`);
  };
  const target = (pc: number, rel: number): void => {
    const to = pc + 1 + rel;
    if (to < 0 || to >= insns.length)
      bad(pc, `jump to ${to} is outside the program (0..${insns.length - 1})`);
    if (second.has(to)) bad(pc, `jump to ${to} lands in the middle of an lddw`);
  };
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    if (i.dst > 10) bad(pc, `invalid destination register r${i.dst}`);
    if (i.src > 10) bad(pc, `invalid source register r${i.src}`);
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const x = (i.code & Source.X) !== 0;
    switch (cls) {
      case Class.ALU:
      case Class.ALU64: {
        if (i.dst === 10) bad(pc, 'r10 is the read-only frame pointer');
        if (op === AluOp.END) {
          if (cls === Class.ALU64 && x) bad(pc, 'unknown opcode');
          if (i.src !== 0 || i.off !== 0) bad(pc, 'reserved fields of a byte swap must be zero');
          if (i.imm !== 16 && i.imm !== 32 && i.imm !== 64)
            bad(pc, `byte swap width ${i.imm} is not 16, 32 or 64`);
        } else if (op === AluOp.NEG) {
          if (x || i.src !== 0 || i.off !== 0 || i.imm !== 0) bad(pc, 'reserved fields of neg must be zero');
        } else if (op > AluOp.END) {
          bad(pc, 'unknown opcode');
        } else {
          let offOk = i.off === 0;
          if ((op === AluOp.DIV || op === AluOp.MOD) && i.off === 1) offOk = true;
          if (op === AluOp.MOV && x && (i.off === 8 || i.off === 16 || (i.off === 32 && cls === Class.ALU64)))
            offOk = true;
          if (!offOk) bad(pc, `offset ${i.off} must be zero`);
          if (x && i.imm !== 0) bad(pc, 'immediate must be zero with a register source');
          if (!x && i.src !== 0) bad(pc, 'source register must be zero with an immediate');
        }
        break;
      }
      case Class.JMP:
      case Class.JMP32: {
        if (op === JmpOp.EXIT) {
          if (cls !== Class.JMP || x || i.dst || i.src || i.off || i.imm)
            bad(pc, 'reserved fields of exit must be zero');
        } else if (op === JmpOp.CALL) {
          if (cls !== Class.JMP) bad(pc, 'unknown opcode');
          if (x) {
            // callx: the helper id (or function) is in dst.
            if (i.src || i.off || i.imm) bad(pc, 'reserved fields of callx must be zero');
          } else {
            if (i.dst || i.off) bad(pc, 'reserved fields of call must be zero');
            if (i.src === PseudoSrc.CALL) target(pc, i.imm);
            else if (i.src === PseudoSrc.KFUNC_CALL) bad(pc, 'kfunc calls need the kernel');
            else if (i.src !== 0) bad(pc, `invalid call source ${i.src}`);
          }
        } else if (op === JmpOp.JA) {
          if (x || i.dst || i.src) bad(pc, 'reserved fields of ja must be zero');
          if (cls === Class.JMP) {
            if (i.imm) bad(pc, 'reserved fields of ja must be zero');
            target(pc, i.off);
          } else {
            if (i.off) bad(pc, 'reserved fields of gotol must be zero');
            target(pc, i.imm);
          }
        } else if (op === JCOND) {
          // may_goto (6.9): a jump taken only once the loop allowance runs out.
          if (cls !== Class.JMP || x || i.dst || i.src || i.imm)
            bad(pc, 'reserved fields of may_goto must be zero');
          target(pc, i.off);
        } else if (op > JmpOp.JSLE) {
          bad(pc, 'unknown opcode');
        } else {
          if (x && i.imm) bad(pc, 'immediate must be zero with a register source');
          if (!x && i.src) bad(pc, 'source register must be zero with an immediate');
          target(pc, i.off);
        }
        break;
      }
      case Class.LD: {
        if (i.code !== LD_IMM64) bad(pc, 'legacy packet loads (ABS/IND) are not supported');
        if (i.dst === 10) bad(pc, 'r10 is the read-only frame pointer');
        const next = insns[pc + 1];
        if (!next) bad(pc, 'truncated lddw: its second slot is missing');
        if (next!.code || next!.dst || next!.src || next!.off)
          bad(pc + 1, 'second slot of lddw must be zero but for imm');
        if (i.off) bad(pc, 'reserved fields of lddw must be zero');
        if (i.src === PseudoSrc.FUNC) target(pc, i.imm);
        else if (i.src !== 0 && i.src !== PseudoSrc.MAP_FD && i.src !== PseudoSrc.MAP_VALUE) {
          bad(pc, `lddw source ${i.src} needs the kernel`);
        }
        pc++;
        break;
      }
      case Class.LDX: {
        const mode = i.code & 0xe0;
        if (mode !== Mode.MEM && !(mode === Mode.MEMSX && (i.code & 0x18) !== Size.DW))
          bad(pc, 'unknown opcode');
        if (i.dst === 10) bad(pc, 'r10 is the read-only frame pointer');
        if (i.imm) bad(pc, 'immediate of a load must be zero');
        break;
      }
      case Class.ST: {
        if ((i.code & 0xe0) !== Mode.MEM) bad(pc, 'unknown opcode');
        if (i.src) bad(pc, 'source register of a store immediate must be zero');
        break;
      }
      default: {
        const mode = i.code & 0xe0;
        if (mode === Mode.MEM) {
          if (i.imm) bad(pc, 'immediate of a store must be zero');
        } else if (mode === Mode.ATOMIC && (i.imm === LOAD_ACQ || i.imm === STORE_REL)) {
          if (i.imm === LOAD_ACQ && i.dst === 10) bad(pc, 'r10 is the read-only frame pointer');
        } else if (mode === Mode.ATOMIC) {
          const size = i.code & 0x18;
          if (size !== Size.W && size !== Size.DW) bad(pc, 'atomic operations are 32 or 64 bits wide');
          if (!ATOMIC_OPS.has(i.imm)) bad(pc, `unknown atomic operation 0x${(i.imm >>> 0).toString(16)}`);
        } else bad(pc, 'unknown opcode');
      }
    }
  }
}
