// Conditional jumps: which sides are possible, and what each side learns — scalar bounds, null
// checks on maybe-null pointers, and packet ranges from comparisons with data_end.

import type { Insn } from '../asm/instruction.js';
import { Class, JmpOp, opClass, opOp, opSource, Source } from '../asm/opcodes.js';
import { readReg } from './alu.js';
import { branchTaken, type CondOp, flipOp, isConstAt, negateOp, refine } from './branch.js';
import { mapRegs } from './calls.js';
import { type Env, MAX_PACKET_OFF, reject } from './env.js';
import { aluScalar, constScalar, isValid } from './scalar.js';
import { cloneState, type RegState, type State, scalarReg } from './state.js';

/** Successor is one possible continuation of a jump. */
export interface Successor {
  pc: number;
  st: State;
}

const isNullConst = (r: RegState): boolean => r.type === 'scalar' && isConst(r) && r.v.t.value === 0n;
function isConst(r: RegState): boolean {
  return r.v.t.mask === 0n;
}

/** nonNull says the kernel knows the pointer cannot be NULL (reg_not_null). */
const nonNull = (r: RegState): boolean =>
  !r.maybeNull && (r.type === 'map_value' || r.type === 'mem' || r.type === 'btf_id');

/** markNull applies a null check's outcome to every copy of the pointer with this id. */
function markNull(st: State, id: number, isNull: boolean): void {
  let released = 0;
  mapRegs(st, (r) => {
    if (r.type === 'scalar' || r.id !== id || !r.maybeNull) return r;
    if (isNull) {
      if (r.refId) released = r.refId;
      return scalarReg(constScalar(0n));
    }
    // A checked map value needs its id no more; dropping it lets more states prune (as the kernel).
    return { ...r, maybeNull: false, id: r.type === 'map_value' ? 0 : r.id };
  });
  // A NULL record was never reserved: nothing to submit or discard on that side.
  if (released) st.refs = st.refs.filter((ref) => ref.id !== released);
}

/** syncLinked copies a refined scalar to every register linked to it by id. */
function syncLinked(st: State, reg: RegState): void {
  if (reg.type !== 'scalar' || reg.id === 0) return;
  mapRegs(st, (r) => {
    if (r === reg || r.type !== 'scalar' || r.id !== reg.id) return r;
    if ((!r.addConst && !reg.addConst) || r.off === reg.off) return { ...reg };
    // r = reg + (r.off - reg.off): shift the learnt value by the constant between them.
    const delta = constScalar(BigInt(r.off - reg.off));
    const v = aluScalar('add', reg.v, delta, false);
    return { ...reg, v, off: r.off, ...(r.addConst ? { addConst: true } : { addConst: false }) };
  });
}

/** markPktRange records that `range` bytes after every packet pointer like `ptr` are inside the packet. */
function markPktRange(st: State, ptr: RegState, rightOpen: boolean): void {
  if (ptr.off < 0 || (ptr.off === 0 && rightOpen)) return;
  if (ptr.v.umax > BigInt(MAX_PACKET_OFF) || ptr.v.umax + BigInt(ptr.off) > BigInt(MAX_PACKET_OFF)) return;
  const range = ptr.off + (rightOpen ? 1 : 0);
  mapRegs(st, (r) =>
    r.type === ptr.type && r.id === ptr.id && (r.range ?? 0) < range ? { ...r, range } : r,
  );
}

/**
 * pktCompare handles `pkt OP pkt_end` (and pkt_meta vs pkt): on the side where the pointer is known
 * to be at most data_end, the bytes before it are safe to access.
 */
function pktCompare(op: CondOp, dst: RegState, src: RegState, taken: State, fall: State): void {
  const lowFirst =
    (dst.type === 'pkt' && src.type === 'pkt_end') || (dst.type === 'pkt_meta' && src.type === 'pkt');
  const endFirst =
    (dst.type === 'pkt_end' && src.type === 'pkt') || (dst.type === 'pkt' && src.type === 'pkt_meta');
  if (!lowFirst && !endFirst) return;
  // Normalise to `ptr OP end`.
  const ptr = lowFirst ? dst : src;
  const o = lowFirst ? op : flipOp(op);
  switch (o) {
    case JmpOp.JGT: // ptr > end: the fall-through has ptr <= end
      markPktRange(fall, ptr, false);
      break;
    case JmpOp.JLT: // ptr < end
      markPktRange(taken, ptr, true);
      break;
    case JmpOp.JGE: // ptr >= end: the fall-through has ptr < end
      markPktRange(fall, ptr, true);
      break;
    case JmpOp.JLE: // ptr <= end
      markPktRange(taken, ptr, false);
      break;
  }
}

/** checkCondJump returns the feasible successors of a conditional jump at pc. */
export function checkCondJump(env: Env, st: State, i: Insn, pc: number): Successor[] {
  const is32 = opClass(i.code) === Class.JMP32;
  const x = opSource(i.code) === Source.X;
  const op = opOp(i.code);
  if (x ? i.imm !== 0 : i.src !== 0) {
    reject(env, 'reserved-fields', `${is32 ? 'BPF_JMP32' : 'BPF_JMP'} uses reserved fields`);
  }
  if (op > JmpOp.JSLE || op === JmpOp.CALL || op === JmpOp.EXIT || op === JmpOp.JA) {
    reject(env, 'bad-opcode', `invalid jump opcode 0x${i.code.toString(16)}`);
  }
  const dst = readReg(env, st, i.dst);
  const src: RegState = x
    ? readReg(env, st, i.src)
    : scalarReg(constScalar(is32 ? BigInt(i.imm >>> 0) : BigInt(i.imm)));
  const target = pc + i.off + 1;
  const next = pc + 1;

  // Null checks: `if rX == 0` / `!= 0` on a maybe-null pointer, 64-bit only.
  if (!is32 && (op === JmpOp.JEQ || op === JmpOp.JNE)) {
    let ptr: RegState | undefined;
    if (dst.maybeNull && isNullConst(src)) ptr = dst;
    else if (x && src.maybeNull && isNullConst(dst)) ptr = src;
    if (ptr) {
      const taken = cloneState(st);
      const fall = st;
      markNull(taken, ptr.id, op === JmpOp.JEQ);
      markNull(fall, ptr.id, op !== JmpOp.JEQ);
      return [
        { pc: next, st: fall },
        { pc: target, st: taken },
      ];
    }
  }

  if (dst.type !== 'scalar' || src.type !== 'scalar') {
    let decided: 1 | 0 | -1 = -1;
    const [p, s, o] = dst.type !== 'scalar' ? [dst, src, op] : [src, dst, flipOp(op)];
    if (s.type === 'scalar' && isConstAt(s.v, is32) && s.v.t.value === 0n && nonNull(p)) {
      if (o === JmpOp.JEQ) decided = 0;
      else if (o === JmpOp.JNE) decided = 1;
    }
    if (decided === 1) return [{ pc: target, st }];
    if (decided === 0) return [{ pc: next, st }];
    const taken = cloneState(st);
    if (!is32 && x) pktCompare(op, dst, src, taken, st);
    return [
      { pc: next, st },
      { pc: target, st: taken },
    ];
  }

  const decided = branchTaken(dst.v, src.v, op, is32);
  if (decided === 1) return [{ pc: target, st }];
  if (decided === 0) return [{ pc: next, st }];
  const out: Successor[] = [];
  // The taken side is refined on a copy first, so the fall-through can reuse st itself.
  const sides: [number, CondOp][] = [
    [target, op],
    [next, negateOp(op)],
  ];
  for (const [k, [to, cond]] of sides.entries()) {
    const [a, b] = refine(dst.v, src.v, cond, is32);
    if (!isValid(a) || !isValid(b)) continue;
    // By side, not by target: `goto +0` makes both sides the same pc.
    const s = k === 1 ? st : cloneState(st);
    const nd = { ...dst, v: a };
    s.regs[i.dst] = nd;
    syncLinked(s, nd);
    if (x) {
      const ns = { ...src, v: b };
      s.regs[i.src] = ns;
      syncLinked(s, ns);
    }
    out.unshift({ pc: to, st: s });
  }
  return out;
}
