// Control-flow checks before interpretation: known opcodes, jumps inside the program and not into
// the middle of an LD_IMM64, a last instruction that cannot fall off the end, no unreachable code.

import { type Insn, isWide } from '../asm/instruction.js';
import {
  Class,
  JmpOp,
  LD_IMM64,
  Mode,
  opClass,
  opMode,
  opOp,
  opSize,
  PseudoSrc,
  Size,
  Source,
} from '../asm/opcodes.js';
import { Reject } from './env.js';

/** MAX_INSNS is the kernel's BPF_COMPLEXITY_LIMIT_INSNS, also the largest program root may load. */
export const MAX_INSNS = 1_000_000;

/** knownOpcode is the kernel's bpf_opcode_in_insntable. */
export function knownOpcode(code: number): boolean {
  const cls = opClass(code);
  const op = opOp(code);
  const x = (code & Source.X) !== 0;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64:
      if (op === AluNeg) return !x;
      if (op === AluEnd) return cls === Class.ALU || !x;
      return op <= 0xc0;
    case Class.JMP:
    case Class.JMP32:
      if (op === JmpOp.CALL) return cls === Class.JMP && !x;
      if (op === JmpOp.EXIT) return cls === Class.JMP && !x;
      if (op === JmpOp.JA) return !x;
      return op <= JmpOp.JSLE;
    case Class.LD: {
      const mode = opMode(code);
      if (code === LD_IMM64) return true;
      return (mode === Mode.ABS || mode === Mode.IND) && opSize(code) !== Size.DW;
    }
    case Class.LDX: {
      const mode = opMode(code);
      return mode === Mode.MEM || (mode === Mode.MEMSX && opSize(code) !== Size.DW);
    }
    case Class.ST:
      return opMode(code) === Mode.MEM;
    default: {
      const mode = opMode(code);
      return (
        mode === Mode.MEM || (mode === Mode.ATOMIC && (opSize(code) === Size.W || opSize(code) === Size.DW))
      );
    }
  }
}
const AluNeg = 0x80;
const AluEnd = 0xd0;

/** jumpTarget returns the target of a jump at pc, or undefined for non-jumps, calls and exit. */
export function jumpTarget(i: Insn, pc: number): number | undefined {
  const cls = opClass(i.code);
  if (cls !== Class.JMP && cls !== Class.JMP32) return undefined;
  const op = opOp(i.code);
  if (op === JmpOp.CALL || op === JmpOp.EXIT) return undefined;
  if (op === JmpOp.JA && cls === Class.JMP32) return pc + i.imm + 1;
  return pc + i.off + 1;
}

const isJa = (i: Insn): boolean =>
  (opClass(i.code) === Class.JMP || opClass(i.code) === Class.JMP32) && opOp(i.code) === JmpOp.JA;
const isExitInsn = (i: Insn): boolean => i.code === (Class.JMP | JmpOp.EXIT);

/** CfgInfo is what the interpreter needs from the control-flow pass. */
export interface CfgInfo {
  /** pruneAt marks jump targets and instructions after conditional jumps: where states are kept. */
  pruneAt: Uint8Array;
}

/** checkCfg runs the structural checks and throws Reject with the offending instruction. */
export function checkCfg(insns: readonly Insn[]): CfgInfo {
  const n = insns.length;
  if (n === 0) throw new Reject('empty', 0, 'the program is empty: it needs at least an exit');
  if (n > MAX_INSNS)
    throw new Reject('too-large', 0, `the program has ${n} instructions; the limit is ${MAX_INSNS}`);
  const second = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    if (!knownOpcode(i.code)) {
      throw new Reject('unknown-opcode', pc, `unknown opcode 0x${i.code.toString(16).padStart(2, '0')}`);
    }
    // The kernel checks these encodings on every instruction, reachable or not.
    if (opClass(i.code) === Class.LDX && i.imm !== 0) {
      throw new Reject('reserved-fields', pc, 'BPF_LDX uses reserved fields (imm must be 0)');
    }
    if (isWide(i)) {
      const next = insns[pc + 1];
      if (next === undefined) {
        throw new Reject('bad-ld-imm64', pc, 'truncated LD_IMM64: its second slot is missing');
      }
      if (next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        throw new Reject('bad-ld-imm64', pc, 'invalid LD_IMM64: its second slot must have only an immediate');
      }
      const byValue = i.src === PseudoSrc.MAP_VALUE || i.src === PseudoSrc.MAP_IDX_VALUE;
      if (i.src !== 0 && !byValue && next.imm !== 0) {
        throw new Reject('bad-ld-imm64', pc, 'invalid LD_IMM64 of a map: its second slot must be 0');
      }
      if (
        i.src !== 0 &&
        i.src !== PseudoSrc.MAP_FD &&
        i.src !== PseudoSrc.MAP_VALUE &&
        i.src !== PseudoSrc.MAP_IDX &&
        i.src !== PseudoSrc.MAP_IDX_VALUE
      ) {
        throw new Reject(
          'unsupported',
          pc,
          `LD_IMM64 with src=${i.src} (BTF ids, functions) is not supported by bpfkit's verifier`,
        );
      }
      second[pc + 1] = 1;
      pc++;
    }
  }
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    if (second[pc]) continue;
    const t = jumpTarget(i, pc);
    if (t !== undefined && (t < 0 || t >= n)) {
      throw new Reject(
        'jump-out-of-range',
        pc,
        `jump out of range: from insn ${pc} to ${t}, the program has ${n} instructions`,
      );
    }
    if (
      (opClass(i.code) === Class.JMP || opClass(i.code) === Class.JMP32) &&
      opOp(i.code) === JmpOp.CALL &&
      i.src === PseudoSrc.CALL
    ) {
      throw new Reject('unsupported', pc, "bpf-to-bpf calls are not supported by bpfkit's verifier yet");
    }
  }
  const last = insns[n - 1]!;
  if (!isExitInsn(last) && !isJa(last)) {
    throw new Reject(
      'fall-off-end',
      n - 1,
      'the last instruction is not an exit or a jump: execution would fall off the end',
    );
  }
  const pruneAt = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const work = [0];
  seen[0] = 1;
  const visit = (from: number, to: number): void => {
    if (second[to])
      throw new Reject('jump-into-ld-imm64', from, `jump into the middle of the LD_IMM64 at insn ${to - 1}`);
    if (!seen[to]) {
      seen[to] = 1;
      work.push(to);
    }
  };
  while (work.length) {
    const pc = work.pop()!;
    const i = insns[pc]!;
    if (isExitInsn(i)) continue;
    const t = jumpTarget(i, pc);
    if (t !== undefined) {
      pruneAt[t] = 1;
      visit(pc, t);
      if (isJa(i)) continue;
      pruneAt[pc + 1] = 1;
    }
    const fall = pc + (isWide(i) ? 2 : 1);
    if (fall >= n) throw new Reject('fall-off-end', pc, 'execution falls off the end of the program');
    visit(pc, fall);
  }
  for (let pc = 0; pc < n; pc++) {
    if (!seen[pc] && !second[pc]) throw new Reject('unreachable', pc, `insn ${pc} is unreachable`);
  }
  return { pruneAt };
}
