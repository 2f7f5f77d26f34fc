// Conditional jumps on scalars: whether a branch is decided by what is known, and what each side
// learns about its operands (the kernel's is_scalar_branch_taken and regs_refine_cond_op).

import { JmpOp } from '../asm/opcodes.js';
import { type Scalar, sync } from './scalar.js';
import {
  s32,
  s64,
  tnumAnd,
  tnumConst,
  tnumIntersect,
  tnumOr,
  tnumSubreg,
  tnumWithSubreg,
  u32,
} from './tnum.js';

/** CondOp is a comparison; JSET_NOT is the false side of JSET. */
export type CondOp = number;
export const JSET_NOT = 0x100;

const copy = (s: Scalar): Scalar => ({ ...s });

/** isConstAt says the register is known at the comparison's width. */
export function isConstAt(s: Scalar, is32: boolean): boolean {
  return is32 ? tnumSubreg(s.t).mask === 0n : s.t.mask === 0n;
}

/** flipOp is the same comparison with its operands swapped (a < b  ⇔  b > a). */
export function flipOp(op: CondOp): CondOp {
  switch (op) {
    case JmpOp.JGT:
      return JmpOp.JLT;
    case JmpOp.JLT:
      return JmpOp.JGT;
    case JmpOp.JGE:
      return JmpOp.JLE;
    case JmpOp.JLE:
      return JmpOp.JGE;
    case JmpOp.JSGT:
      return JmpOp.JSLT;
    case JmpOp.JSLT:
      return JmpOp.JSGT;
    case JmpOp.JSGE:
      return JmpOp.JSLE;
    case JmpOp.JSLE:
      return JmpOp.JSGE;
    default:
      return op;
  }
}

/** negateOp is the comparison that holds on the fall-through side. */
export function negateOp(op: CondOp): CondOp {
  switch (op) {
    case JmpOp.JEQ:
      return JmpOp.JNE;
    case JmpOp.JNE:
      return JmpOp.JEQ;
    case JmpOp.JGT:
      return JmpOp.JLE;
    case JmpOp.JLE:
      return JmpOp.JGT;
    case JmpOp.JGE:
      return JmpOp.JLT;
    case JmpOp.JLT:
      return JmpOp.JGE;
    case JmpOp.JSGT:
      return JmpOp.JSLE;
    case JmpOp.JSLE:
      return JmpOp.JSGT;
    case JmpOp.JSGE:
      return JmpOp.JSLT;
    case JmpOp.JSLT:
      return JmpOp.JSGE;
    case JmpOp.JSET:
      return JSET_NOT;
    default:
      return JmpOp.JSET;
  }
}

interface View {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}
const view = (s: Scalar, is32: boolean): View =>
  is32
    ? { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max }
    : { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax };

/** branchTaken returns 1 if `a op b` always holds, 0 if it never does, -1 if either may happen. */
export function branchTaken(a: Scalar, b: Scalar, op: CondOp, is32: boolean): 1 | 0 | -1 {
  const t1 = is32 ? tnumSubreg(a.t) : a.t;
  const t2 = is32 ? tnumSubreg(b.t) : b.t;
  const x = view(a, is32);
  const y = view(b, is32);
  switch (op) {
    case JmpOp.JEQ:
    case JmpOp.JNE: {
      let eq: 1 | 0 | -1 = -1;
      if (t1.mask === 0n && t2.mask === 0n) eq = t1.value === t2.value ? 1 : 0;
      else if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) eq = 0;
      else if (
        !is32 &&
        (a.u32min > b.u32max || a.u32max < b.u32min || a.s32min > b.s32max || a.s32max < b.s32min)
      )
        eq = 0;
      if (eq === -1) return -1;
      return op === JmpOp.JEQ ? eq : eq === 1 ? 0 : 1;
    }
    case JmpOp.JSET:
    case JSET_NOT: {
      let p = t1;
      let q = t2;
      if (q.mask !== 0n) [p, q] = [q, p];
      if (q.mask !== 0n) return -1;
      let r: 1 | 0 | -1 = -1;
      if ((~p.mask & p.value & q.value) !== 0n) r = 1;
      else if (((p.mask | p.value) & q.value) === 0n) r = 0;
      if (r === -1 || op === JmpOp.JSET) return r;
      return r === 1 ? 0 : 1;
    }
    case JmpOp.JGT:
      return x.umin > y.umax ? 1 : x.umax <= y.umin ? 0 : -1;
    case JmpOp.JSGT:
      return x.smin > y.smax ? 1 : x.smax <= y.smin ? 0 : -1;
    case JmpOp.JLT:
      return x.umax < y.umin ? 1 : x.umin >= y.umax ? 0 : -1;
    case JmpOp.JSLT:
      return x.smax < y.smin ? 1 : x.smin >= y.smax ? 0 : -1;
    case JmpOp.JGE:
      return x.umin >= y.umax ? 1 : x.umax < y.umin ? 0 : -1;
    case JmpOp.JSGE:
      return x.smin >= y.smax ? 1 : x.smax < y.smin ? 0 : -1;
    case JmpOp.JLE:
      return x.umax <= y.umin ? 1 : x.umin > y.umax ? 0 : -1;
    case JmpOp.JSLE:
      return x.smax <= y.smin ? 1 : x.smin > y.smax ? 0 : -1;
    default:
      return -1;
  }
}

const maxB = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minB = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** refine returns a and b narrowed by the fact that `a op b` holds. */
export function refine(a0: Scalar, b0: Scalar, op: CondOp, is32: boolean): [Scalar, Scalar] {
  let a = copy(a0);
  let b = copy(b0);
  let swapped = false;
  // Normalise > and >= to < and <= with the operands swapped.
  if (
    op === JmpOp.JGT ||
    op === JmpOp.JGE ||
    op === JmpOp.JSGT ||
    op === JmpOp.JSGE ||
    ((op === JmpOp.JNE || op === JmpOp.JSET || op === JSET_NOT) && !isConstAt(b, is32))
  ) {
    op = flipOp(op);
    [a, b] = [b, a];
    swapped = true;
  }
  switch (op) {
    case JmpOp.JEQ:
      if (is32) {
        a.u32min = b.u32min = maxB(a.u32min, b.u32min);
        a.u32max = b.u32max = minB(a.u32max, b.u32max);
        a.s32min = b.s32min = maxB(a.s32min, b.s32min);
        a.s32max = b.s32max = minB(a.s32max, b.s32max);
        const t = tnumIntersect(tnumSubreg(a.t), tnumSubreg(b.t));
        a.t = tnumWithSubreg(a.t, t);
        b.t = tnumWithSubreg(b.t, t);
      } else {
        a.umin = b.umin = maxB(a.umin, b.umin);
        a.umax = b.umax = minB(a.umax, b.umax);
        a.smin = b.smin = maxB(a.smin, b.smin);
        a.smax = b.smax = minB(a.smax, b.smax);
        a.t = b.t = tnumIntersect(a.t, b.t);
      }
      break;
    case JmpOp.JNE: {
      if (!isConstAt(b, is32)) break;
      const v = b.t.value;
      if (is32) {
        if (a.u32min === u32(v)) a.u32min++;
        if (a.u32max === u32(v)) a.u32max--;
        if (a.s32min === s32(v)) a.s32min++;
        if (a.s32max === s32(v)) a.s32max--;
      } else {
        if (a.umin === v) a.umin++;
        if (a.umax === v) a.umax--;
        if (a.smin === s64(v)) a.smin++;
        if (a.smax === s64(v)) a.smax--;
      }
      break;
    }
    case JmpOp.JSET: {
      if (!isConstAt(b, is32)) break;
      const v = is32 ? u32(b.t.value) : b.t.value;
      if (v === 0n || (v & (v - 1n)) !== 0n) break;
      if (is32) a.t = tnumWithSubreg(a.t, tnumOr(tnumSubreg(a.t), tnumConst(v)));
      else a.t = tnumOr(a.t, tnumConst(v));
      break;
    }
    case JSET_NOT: {
      if (!isConstAt(b, is32)) break;
      const v = is32 ? u32(b.t.value) : b.t.value;
      if (is32) a.t = tnumWithSubreg(a.t, tnumAnd(tnumSubreg(a.t), tnumConst(~v & 0xffffffffn)));
      else a.t = tnumAnd(a.t, tnumConst(~v & ((1n << 64n) - 1n)));
      break;
    }
    case JmpOp.JLE:
      if (is32) {
        a.u32max = minB(a.u32max, b.u32max);
        b.u32min = maxB(a.u32min, b.u32min);
      } else {
        a.umax = minB(a.umax, b.umax);
        b.umin = maxB(a.umin, b.umin);
      }
      break;
    case JmpOp.JLT:
      if (is32) {
        a.u32max = minB(a.u32max, b.u32max - 1n);
        b.u32min = maxB(a.u32min + 1n, b.u32min);
      } else {
        a.umax = minB(a.umax, b.umax - 1n);
        b.umin = maxB(a.umin + 1n, b.umin);
      }
      break;
    case JmpOp.JSLE:
      if (is32) {
        a.s32max = minB(a.s32max, b.s32max);
        b.s32min = maxB(a.s32min, b.s32min);
      } else {
        a.smax = minB(a.smax, b.smax);
        b.smin = maxB(a.smin, b.smin);
      }
      break;
    case JmpOp.JSLT:
      if (is32) {
        a.s32max = minB(a.s32max, b.s32max - 1n);
        b.s32min = maxB(a.s32min + 1n, b.s32min);
      } else {
        a.smax = minB(a.smax, b.smax - 1n);
        b.smin = maxB(a.smin + 1n, b.smin);
      }
      break;
  }
  sync(a);
  sync(b);
  return swapped ? [b, a] : [a, b];
}
