// Tnum: a "tristate number" — which bits of a 64-bit value are known, and their values — with the
// kernel's transfer functions (kernel/bpf/tnum.c), on unsigned 64-bit bigints.

const U64 = (1n << 64n) - 1n;
const U32 = (1n << 32n) - 1n;

/** Tnum is value (known bits) and mask (unknown bits); value & mask is always 0. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const u64 = (v: bigint): bigint => v & U64;
export const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
export const u32 = (v: bigint): bigint => v & U32;
export const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** tnumConst is a fully known value. */
export const tnumConst = (v: bigint): Tnum => ({ value: u64(v), mask: 0n });
/** TNUM_UNKNOWN has every bit unknown. */
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

/** tnumRange is the smallest tnum containing every value in [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = chi === 0n ? 0 : chi.toString(2).length;
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return { value: min & ~delta & U64, mask: delta };
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;

export const tnumLshift = (a: Tnum, shift: number): Tnum => ({
  value: u64(a.value << BigInt(shift)),
  mask: u64(a.mask << BigInt(shift)),
});
export const tnumRshift = (a: Tnum, shift: number): Tnum => ({
  value: a.value >> BigInt(shift),
  mask: a.mask >> BigInt(shift),
});

/** tnumArshift shifts right arithmetically at width 32 or 64. */
export function tnumArshift(a: Tnum, shift: number, bits: 32 | 64): Tnum {
  const sh = BigInt(shift);
  if (bits === 32) {
    return { value: u32(s32(a.value) >> sh), mask: u32(s32(a.mask) >> sh) };
  }
  return { value: u64(s64(a.value) >> sh), mask: u64(s64(a.mask) >> sh) };
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64, mask: mu };
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64 };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64 };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

/** tnumMul is the kernel's shift-and-add multiplication. */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc: Tnum = tnumConst(0n);
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) !== 0n) acc = tnumAdd(acc, y);
    else if ((x.mask & 1n) !== 0n) acc = tnumAdd(acc, { value: 0n, mask: y.value | y.mask });
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return acc;
}

/** tnumIntersect combines two facts about the same value. */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

/** tnumCast keeps the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return a;
  const m = (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

/** tnumSubreg is the low 32 bits. */
export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);

/** tnumWithSubreg replaces the low 32 bits of a with those of sub. */
export function tnumWithSubreg(a: Tnum, sub: Tnum): Tnum {
  const hi = { value: a.value & ~U32 & U64, mask: a.mask & ~U32 & U64 };
  return tnumOr(hi, tnumSubreg(sub));
}

/** tnumIn says whether every value of b is a value of a. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask & ~a.mask & U64) !== 0n) return false;
  return a.value === (b.value & ~a.mask & U64);
}

/** tnumUmin and tnumUmax are the extreme unsigned values. */
export const tnumUmin = (a: Tnum): bigint => a.value;
export const tnumUmax = (a: Tnum): bigint => a.value | a.mask;

/** tnumString prints as the kernel's log does: a constant, or (value; mask). */
export function tnumString(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}
