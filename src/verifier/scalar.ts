// Scalar: what the verifier knows about a number — a tnum plus signed and unsigned bounds at 64 and
// 32 bits — with the kernel's ALU transfer functions and bounds synchronisation (reg_bounds_sync).

import {
  s32,
  s64,
  TNUM_UNKNOWN,
  type Tnum,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumOr,
  tnumRange,
  tnumRshift,
  tnumSub,
  tnumSubreg,
  tnumWithSubreg,
  tnumXor,
  u32,
  u64,
} from './tnum.js';

export const U64_MAX = (1n << 64n) - 1n;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

/** Scalar is the abstract value of a number, or of a pointer's variable offset. */
export interface Scalar {
  t: Tnum;
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  u32min: bigint;
  u32max: bigint;
  s32min: bigint;
  s32max: bigint;
}

/** unknownScalar may be any 64-bit value. */
export function unknownScalar(): Scalar {
  return {
    t: TNUM_UNKNOWN,
    umin: 0n,
    umax: U64_MAX,
    smin: S64_MIN,
    smax: S64_MAX,
    u32min: 0n,
    u32max: U32_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
  };
}

/** constScalar is exactly v (taken modulo 2^64). */
export function constScalar(v: bigint): Scalar {
  const u = u64(v);
  const l = u32(u);
  return {
    t: tnumConst(u),
    umin: u,
    umax: u,
    smin: s64(u),
    smax: s64(u),
    u32min: l,
    u32max: l,
    s32min: s32(l),
    s32max: s32(l),
  };
}

/** rangeScalar is any value in the unsigned range [min, max]. */
export function rangeScalar(min: bigint, max: bigint): Scalar {
  const s = unknownScalar();
  s.umin = min;
  s.umax = max;
  s.t = tnumRange(min, max);
  return sync(s);
}

/** signedRangeScalar is any value in the signed range [min, max]. */
export function signedRangeScalar(min: bigint, max: bigint): Scalar {
  const s = unknownScalar();
  s.smin = min;
  s.smax = max;
  return sync(s);
}

export const isConst = (s: Scalar): boolean => tnumIsConst(s.t);
export const isConst32 = (s: Scalar): boolean => tnumIsConst(tnumSubreg(s.t));
export const constValue = (s: Scalar): bigint => s.t.value;

/** isValid says the bounds are not contradictory (they can be after refining an impossible branch). */
export function isValid(s: Scalar): boolean {
  return (
    s.umin <= s.umax &&
    s.smin <= s.smax &&
    s.u32min <= s.u32max &&
    s.s32min <= s.s32max &&
    s.umin <= (s.t.value | s.t.mask) &&
    s.umax >= s.t.value
  );
}

const maxB = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minB = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function updateBounds(s: Scalar): void {
  const t32 = tnumSubreg(s.t);
  s.s32min = maxB(s.s32min, s32(t32.value | (t32.mask & 0x80000000n)));
  s.s32max = minB(s.s32max, s32(t32.value | (t32.mask & 0x7fffffffn)));
  s.u32min = maxB(s.u32min, t32.value);
  s.u32max = minB(s.u32max, t32.value | t32.mask);
  const sign = 1n << 63n;
  s.smin = maxB(s.smin, s64(s.t.value | (s.t.mask & sign)));
  s.smax = minB(s.smax, s64(s.t.value | (s.t.mask & (sign - 1n))));
  s.umin = maxB(s.umin, s.t.value);
  s.umax = minB(s.umax, s.t.value | s.t.mask);
}

function deduceBounds(s: Scalar): void {
  // 32-bit from 64-bit: the low halves form a range when the high halves agree.
  if (s.umin >> 32n === s.umax >> 32n) {
    s.u32min = maxB(s.u32min, u32(s.umin));
    s.u32max = minB(s.u32max, u32(s.umax));
    if (s32(s.umin) <= s32(s.umax)) {
      s.s32min = maxB(s.s32min, s32(s.umin));
      s.s32max = minB(s.s32max, s32(s.umax));
    }
  }
  if (s.smin >> 32n === s.smax >> 32n) {
    if (s32(s.smin) <= s32(s.smax)) {
      s.s32min = maxB(s.s32min, s32(s.smin));
      s.s32max = minB(s.s32max, s32(s.smax));
    }
    if (u32(s.smin) <= u32(s.smax)) {
      s.u32min = maxB(s.u32min, u32(s.smin));
      s.u32max = minB(s.u32max, u32(s.smax));
    }
  }
  // 32-bit signed and unsigned agree when the range does not cross the sign bit.
  if (s32(s.u32min) <= s32(s.u32max)) {
    s.s32min = maxB(s.s32min, s32(s.u32min));
    s.s32max = minB(s.s32max, s32(s.u32max));
  }
  if (s.s32min >= 0n || s.s32max < 0n) {
    s.u32min = maxB(s.u32min, u32(s.s32min));
    s.u32max = minB(s.u32max, u32(s.s32max));
  }
  // 64-bit signed and unsigned.
  if (s64(s.umin) <= s64(s.umax)) {
    s.smin = maxB(s.smin, s64(s.umin));
    s.smax = minB(s.smax, s64(s.umax));
  }
  if (s.smin >= 0n || s.smax < 0n) {
    s.umin = maxB(s.umin, u64(s.smin));
    s.umax = minB(s.umax, u64(s.smax));
  }
  // After a sign-extending load the 64-bit range is within [S32_MIN, S32_MAX]; when the low half is
  // also known non-negative the high half cannot be all ones, so the value is the low half.
  if (s.s32min >= 0n && s.smin >= S32_MIN && s.smax <= S32_MAX) {
    s.smin = s.s32min;
    s.smax = s.s32max;
    s.umin = s.s32min;
    s.umax = s.s32max;
    if (s.smin <= s.smax) s.t = tnumIntersect(s.t, tnumRange(s.smin, s.smax));
  }
  // 64-bit from 32-bit: keep the high half, tighten the low half.
  const hiMask = U64_MAX ^ U32_MAX;
  const nUmin = (s.umin & hiMask) | s.u32min;
  const nUmax = (s.umax & hiMask) | s.u32max;
  if (nUmin <= nUmax) {
    s.umin = maxB(s.umin, nUmin);
    s.umax = minB(s.umax, nUmax);
  }
  if (s.smin >> 32n === s.smax >> 32n && s32(s.u32min) <= s32(s.u32max)) {
    const base = s.smin & ~U32_MAX;
    const lo = base | u32(s.s32min);
    const hi = base | u32(s.s32max);
    if (lo <= hi && s.s32min <= s.s32max && s.s32min >= 0n === s.s32max >= 0n) {
      s.smin = maxB(s.smin, lo);
      s.smax = minB(s.smax, hi);
    }
  }
}

function boundOffset(s: Scalar): void {
  if (s.umin <= s.umax) s.t = tnumIntersect(s.t, tnumRange(s.umin, s.umax));
  if (s.u32min <= s.u32max) {
    const t32 = tnumIntersect(tnumSubreg(s.t), tnumRange(s.u32min, s.u32max));
    s.t = tnumWithSubreg(s.t, t32);
  }
}

/** sync makes every part of s agree with every other (the kernel's reg_bounds_sync); it mutates s. */
export function sync(s: Scalar): Scalar {
  updateBounds(s);
  deduceBounds(s);
  deduceBounds(s);
  boundOffset(s);
  updateBounds(s);
  deduceBounds(s);
  return s;
}

/** Range is one width's bounds, the unit of the ALU transfer functions. */
interface Range {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}

const limits = (bits: 32 | 64) =>
  bits === 64
    ? { maxU: U64_MAX, sMin: S64_MIN, sMax: S64_MAX, mod: 1n << 64n }
    : { maxU: U32_MAX, sMin: S32_MIN, sMax: S32_MAX, mod: 1n << 32n };

const range64 = (s: Scalar): Range => ({ umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax });
const range32 = (s: Scalar): Range => ({ umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max });

function wrapU(lo: bigint, hi: bigint, bits: 32 | 64): [bigint, bigint] {
  const { maxU, mod } = limits(bits);
  if (lo >= 0n && hi <= maxU) return [lo, hi];
  if (lo > maxU && hi > maxU && hi - mod <= maxU) return [lo - mod, hi - mod];
  if (lo < 0n && hi < 0n) return [lo + mod, hi + mod];
  return [0n, maxU];
}

function wrapS(lo: bigint, hi: bigint, bits: 32 | 64): [bigint, bigint] {
  const { sMin, sMax, mod } = limits(bits);
  if (lo >= sMin && hi <= sMax) return [lo, hi];
  if (lo > sMax && hi > sMax) return [lo - mod, hi - mod];
  if (lo < sMin && hi < sMin) return [lo + mod, hi + mod];
  return [sMin, sMax];
}

/** signedFromUnsigned is the kernel's rule for bitwise ops: reuse [umin, umax] unless it crosses the sign. */
function signedFromUnsigned(r: Range, bits: 32 | 64): void {
  const { sMin, sMax } = limits(bits);
  const toS = bits === 64 ? s64 : s32;
  if (toS(r.umin) <= toS(r.umax)) {
    r.smin = toS(r.umin);
    r.smax = toS(r.umax);
  } else {
    r.smin = sMin;
    r.smax = sMax;
  }
}

export type ScalarOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh' | 'arsh';

function rangeOp(op: ScalarOp, a: Range, b: Range, t: Tnum, bits: 32 | 64, shift: number): Range {
  const { maxU, sMin, sMax } = limits(bits);
  const r: Range = { umin: 0n, umax: maxU, smin: sMin, smax: sMax };
  switch (op) {
    case 'add':
      [r.umin, r.umax] = wrapU(a.umin + b.umin, a.umax + b.umax, bits);
      [r.smin, r.smax] = wrapS(a.smin + b.smin, a.smax + b.smax, bits);
      break;
    case 'sub':
      [r.umin, r.umax] = wrapU(a.umin - b.umax, a.umax - b.umin, bits);
      [r.smin, r.smax] = wrapS(a.smin - b.smax, a.smax - b.smin, bits);
      break;
    case 'mul': {
      if (a.umax * b.umax <= maxU) {
        r.umin = a.umin * b.umin;
        r.umax = a.umax * b.umax;
      }
      const c = [a.smin * b.smin, a.smin * b.smax, a.smax * b.smin, a.smax * b.smax];
      if (c.every((x) => x >= sMin && x <= sMax)) {
        r.smin = c.reduce(minB);
        r.smax = c.reduce(maxB);
      }
      break;
    }
    case 'and':
      r.umin = t.value;
      r.umax = minB(a.umax, b.umax);
      signedFromUnsigned(r, bits);
      break;
    case 'or':
      r.umin = maxB(a.umin, b.umin);
      r.umax = t.value | t.mask;
      signedFromUnsigned(r, bits);
      break;
    case 'xor':
      r.umin = t.value;
      r.umax = t.value | t.mask;
      signedFromUnsigned(r, bits);
      break;
    case 'lsh': {
      const k = BigInt(shift);
      if (a.umax <= maxU >> k) {
        r.umin = a.umin << k;
        r.umax = a.umax << k;
      }
      break;
    }
    case 'rsh': {
      const k = BigInt(shift);
      r.umin = a.umin >> k;
      r.umax = a.umax >> k;
      break;
    }
    case 'arsh': {
      const k = BigInt(shift);
      r.smin = a.smin >> k;
      r.smax = a.smax >> k;
      break;
    }
  }
  return r;
}

function tnumOp(op: ScalarOp, a: Tnum, b: Tnum, bits: 32 | 64, shift: number): Tnum {
  const cast = (x: Tnum): Tnum => (bits === 32 ? tnumCast(x, 4) : x);
  switch (op) {
    case 'add':
      return cast(tnumAdd(a, b));
    case 'sub':
      return cast(tnumSub(a, b));
    case 'mul':
      return cast(tnumMul(a, b));
    case 'and':
      return tnumAnd(a, b);
    case 'or':
      return tnumOr(a, b);
    case 'xor':
      return tnumXor(a, b);
    case 'lsh':
      return cast(tnumLshift(a, shift));
    case 'rsh':
      return tnumRshift(a, shift);
    case 'arsh':
      return tnumArshift(a, shift, bits);
  }
}

/** zext32 is the 64-bit value of a 32-bit result: the low half of s, zero-extended. */
export function zext32(s: Scalar): Scalar {
  return sync({
    t: tnumSubreg(s.t),
    umin: s.u32min,
    umax: s.u32max,
    smin: s.u32min,
    smax: s.u32max,
    u32min: s.u32min,
    u32max: s.u32max,
    s32min: s.s32min,
    s32max: s.s32max,
  });
}

/**
 * aluScalar computes `dst op src` at 64 bits, or at 32 bits zero-extended (alu32). The caller has
 * checked shifts are by a constant below the width; others make an unknown value.
 */
export function aluScalar(op: ScalarOp, dst: Scalar, src: Scalar, alu32: boolean): Scalar {
  const shift = alu32 ? Number(src.u32min) : Number(src.umin);
  const bits32 = op === 'add' || op === 'sub' || op === 'mul' || op === 'and' || op === 'or' || op === 'xor';
  const t32 = tnumOp(op, tnumSubreg(dst.t), tnumSubreg(src.t), 32, shift);
  const r32 =
    alu32 || bits32
      ? rangeOp(op, range32(dst), range32(src), t32, 32, shift)
      : { umin: 0n, umax: U32_MAX, smin: S32_MIN, smax: S32_MAX };
  if (alu32) {
    // The 64-bit view of a 32-bit result is its zero extension.
    const s: Scalar = {
      t: t32,
      umin: 0n,
      umax: U32_MAX,
      smin: 0n,
      smax: U32_MAX,
      u32min: r32.umin,
      u32max: r32.umax,
      s32min: r32.smin,
      s32max: r32.smax,
    };
    return zext32(sync(s));
  }
  const t = tnumOp(op, dst.t, src.t, 64, shift);
  const r = rangeOp(op, range64(dst), range64(src), t, 64, shift);
  return sync({
    t,
    umin: r.umin,
    umax: r.umax,
    smin: r.smin,
    smax: r.smax,
    u32min: r32.umin,
    u32max: r32.umax,
    s32min: r32.smin,
    s32max: r32.smax,
  });
}

/** truncScalar is the value zero-extended from its low `size` bytes (a narrow load, `coerce_reg_to_size`). */
export function truncScalar(s: Scalar, size: number): Scalar {
  if (size >= 8) return s;
  const bits = BigInt(size * 8);
  const mask = (1n << bits) - 1n;
  let umin = 0n;
  let umax = mask;
  if ((s.umin & ~mask) === (s.umax & ~mask)) {
    umin = s.umin & mask;
    umax = s.umax & mask;
  }
  const r = unknownScalar();
  r.t = tnumCast(s.t, size);
  r.umin = umin;
  r.umax = umax;
  r.smin = umin;
  r.smax = umax;
  if (size === 4) {
    r.u32min = umin;
    r.u32max = umax;
  }
  return sync(r);
}

/** sextScalar is the value sign-extended from its low `size` bytes (ldsx, movsx). */
export function sextScalar(s: Scalar, size: number): Scalar {
  const bits = BigInt(size * 8);
  if (isConst(s)) return constScalar(BigInt.asIntN(Number(bits), s.t.value));
  const lo = -(1n << (bits - 1n));
  const hi = (1n << (bits - 1n)) - 1n;
  // A value already inside the narrow signed range is its own sign extension.
  if (s.smin >= lo && s.smax <= hi) return s;
  return signedRangeScalar(lo, hi);
}

/** scalarEquals says a and b are the same abstract value. */
export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return (
    a.t.value === b.t.value &&
    a.t.mask === b.t.mask &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max
  );
}

/** scalarWithin says every value cur may hold, old may hold too (for state pruning). */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    (cur.t.mask & ~old.t.mask & U64_MAX) === 0n &&
    old.t.value === (cur.t.value & ~old.t.mask & U64_MAX)
  );
}

/** scalarString prints the value the way the kernel's log does, briefly. */
export function scalarString(s: Scalar): string {
  if (isConst(s)) return `${s64(s.t.value)}`;
  const parts: string[] = [];
  if (s.smin !== S64_MIN) parts.push(`smin=${s.smin}`);
  if (s.smax !== S64_MAX) parts.push(`smax=${s.smax}`);
  if (s.umin !== 0n) parts.push(`umin=${s.umin}`);
  if (s.umax !== U64_MAX) parts.push(`umax=${s.umax}`);
  if (s.t.mask !== U64_MAX) parts.push(`var_off=(0x${s.t.value.toString(16)}; 0x${s.t.mask.toString(16)})`);
  return parts.join(',');
}
