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
  /** subprogs are the first instructions of the program's functions, sorted; the first is 0. */
  subprogs: number[];
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
  const subprogs = findSubprogs(insns, second);
  for (let s = 0; s < subprogs.length; s++) {
    const start = subprogs[s]!;
    const end = subprogs[s + 1] ?? n;
    for (let pc = start; pc < end; pc++) {
      const i = insns[pc]!;
      if (second[pc]) continue;
      const mode = opMode(i.code);
      if (s > 0 && opClass(i.code) === Class.LD && (mode === Mode.ABS || mode === Mode.IND)) {
        // The kernel allows these in functions only with BTF function info, which bpfkit does not pass.
        throw new Reject(
          'ld-abs',
          pc,
          'legacy packet loads (LD_ABS/LD_IND) are not allowed inside a function, only in the main program',
        );
      }
      if (s > 0 && isTailCall(i)) {
        throw new Reject(
          'tail-call',
          pc,
          'bpf_tail_call is not allowed inside a function, only in the main program',
        );
      }
      const t = jumpTarget(i, pc);
      if (t !== undefined && (t < start || t >= end)) {
        throw new Reject(
          'jump-out-of-range',
          pc,
          t < 0 || t >= n
            ? `jump out of range: from insn ${pc} to ${t}, the program has ${n} instructions`
            : `jump out of range: from insn ${pc} to ${t}, outside its function (insns ${start}..${end - 1})`,
        );
      }
    }
    const last = insns[end - 1]!;
    if (!isExitInsn(last) && !isJa(last)) {
      throw new Reject(
        'fall-off-end',
        end - 1,
        end === n
          ? 'the last instruction is not an exit or a jump: execution would fall off the end'
          : `the last instruction of the function ending at insn ${end - 1} is not an exit or a jump: execution would fall into the next function`,
      );
    }
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
    if (isPseudoCall(i)) visit(pc, pc + i.imm + 1);
    const fall = pc + (isWide(i) ? 2 : 1);
    if (fall >= n) throw new Reject('fall-off-end', pc, 'execution falls off the end of the program');
    visit(pc, fall);
  }
  for (let pc = 0; pc < n; pc++) {
    if (!seen[pc] && !second[pc]) throw new Reject('unreachable', pc, `insn ${pc} is unreachable`);
  }
  checkRecursion(insns, subprogs);
  return { pruneAt, subprogs };
}

/** BPF_FUNC_tail_call is the helper number of bpf_tail_call. */
const BPF_FUNC_tail_call = 12;

/** isTailCall says the instruction calls bpf_tail_call. */
export const isTailCall = (i: Insn): boolean =>
  i.code === (Class.JMP | JmpOp.CALL) && i.src === 0 && i.imm === BPF_FUNC_tail_call;

/** isPseudoCall says the instruction calls a function of the program (src_reg=1). */
export const isPseudoCall = (i: Insn): boolean =>
  i.code === (Class.JMP | JmpOp.CALL) && i.src === PseudoSrc.CALL;

/**
 * findSubprogs returns the first instruction of every function, sorted: 0 and each call target, as
 * the kernel's add_subprog (also for calls that are never reached).
 */
function findSubprogs(insns: readonly Insn[], second: Uint8Array): number[] {
  const starts = new Set([0]);
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    if (second[pc] || !isPseudoCall(i)) continue;
    const t = pc + i.imm + 1;
    if (t < 0 || t >= insns.length) {
      throw new Reject(
        'call-out-of-range',
        pc,
        `call to insn ${t}, outside the program of ${insns.length} instructions`,
      );
    }
    starts.add(t);
  }
  return [...starts].sort((a, b) => a - b);
}

/** subprogIndex is the index of the function that instruction pc belongs to. */
export function subprogIndex(subprogs: readonly number[], pc: number): number {
  let k = 0;
  while (k + 1 < subprogs.length && subprogs[k + 1]! <= pc) k++;
  return k;
}

/** calleesOf lists, for each function, the call instructions in it and the functions they call. */
export function calleesOf(
  insns: readonly Insn[],
  subprogs: readonly number[],
): { pc: number; to: number }[][] {
  const out: { pc: number; to: number }[][] = subprogs.map(() => []);
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    if (!isPseudoCall(i)) continue;
    out[subprogIndex(subprogs, pc)]!.push({ pc, to: subprogIndex(subprogs, pc + i.imm + 1) });
  }
  return out;
}

/** checkRecursion rejects a function that can call itself, directly or through others. */
function checkRecursion(insns: readonly Insn[], subprogs: readonly number[]): void {
  if (subprogs.length < 2) return;
  const calls = calleesOf(insns, subprogs);
  const state = new Uint8Array(subprogs.length); // 0 new, 1 on the path, 2 done
  const dfs = (f: number): void => {
    state[f] = 1;
    for (const c of calls[f]!) {
      if (state[c.to] === 1) {
        throw new Reject(
          'recursive-call',
          c.pc,
          `recursive call: the function at insn ${subprogs[c.to]} can call itself, which the kernel forbids`,
        );
      }
      if (state[c.to] === 0) dfs(c.to);
    }
    state[f] = 2;
  };
  dfs(0);
}
