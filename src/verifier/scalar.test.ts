// Soundness of the abstract arithmetic: for random concrete values inside random abstract values,
// every transfer function's result must contain the concrete result (bounded iterations).

import { describe, expect, it } from 'vitest';
import { JmpOp } from '../asm/opcodes.js';
import { branchTaken, JSET_NOT, refine } from './branch.js';
import { Rng } from './corpus/generate.js';
import {
  aluScalar,
  constScalar,
  isValid,
  rangeScalar,
  type Scalar,
  type ScalarOp,
  sextScalar,
  signedRangeScalar,
  sync,
  truncScalar,
  unknownScalar,
} from './scalar.js';
import { s32, s64, tnumAdd, tnumConst, tnumIn, tnumMul, tnumRange, u32, u64 } from './tnum.js';

const M64 = (1n << 64n) - 1n;
/** ITERATIONS bounds each property; raise it with BPFKIT_FUZZ_ITERATIONS for a longer search. */
const ITERATIONS = Number(process.env.BPFKIT_FUZZ_ITERATIONS ?? 4000);

function rand64(rng: Rng): bigint {
  const pick = rng.int(0, 5);
  const hi = BigInt(Math.floor(rng.next() * 2 ** 32));
  const lo = BigInt(Math.floor(rng.next() * 2 ** 32));
  if (pick === 0) return BigInt(rng.int(0, 20));
  if (pick === 1) return u64(BigInt(-rng.int(1, 20)));
  if (pick === 2) return lo;
  if (pick === 3) return u64(BigInt(s32(lo)));
  return (hi << 32n) | lo;
}

/** around builds an abstract value that contains v. */
function around(rng: Rng, v: bigint): Scalar {
  switch (rng.int(0, 4)) {
    case 0:
      return constScalar(v);
    case 1: {
      const lo = v - BigInt(rng.int(0, 100));
      const hi = v + BigInt(rng.int(0, 100));
      return lo >= 0n && hi <= M64 ? rangeScalar(lo, hi) : unknownScalar();
    }
    case 2: {
      const mask = rand64(rng);
      return sync({ ...unknownScalar(), t: { value: v & ~mask & M64, mask } });
    }
    case 3: {
      const s = s64(v);
      return signedRangeScalar(s - BigInt(rng.int(0, 50)) < -(1n << 63n) ? s : s - BigInt(rng.int(0, 50)), s);
    }
    default:
      return unknownScalar();
  }
}

function contains(s: Scalar, v: bigint): boolean {
  const l = u32(v);
  return (
    s.umin <= v &&
    v <= s.umax &&
    s.smin <= s64(v) &&
    s64(v) <= s.smax &&
    s.u32min <= l &&
    l <= s.u32max &&
    s.s32min <= s32(l) &&
    s32(l) <= s.s32max &&
    (v & ~s.t.mask & M64) === s.t.value
  );
}

function concrete(op: ScalarOp, a: bigint, b: bigint, alu32: boolean): bigint {
  const bits = alu32 ? 32 : 64;
  const w = (x: bigint) => (alu32 ? u32(x) : u64(x));
  const x = w(a);
  const y = w(b);
  switch (op) {
    case 'add':
      return w(x + y);
    case 'sub':
      return w(x - y);
    case 'mul':
      return w(x * y);
    case 'and':
      return x & y;
    case 'or':
      return x | y;
    case 'xor':
      return x ^ y;
    case 'lsh':
      return w(x << y);
    case 'rsh':
      return x >> y;
    case 'arsh':
      return w(BigInt.asIntN(bits, x) >> y);
  }
}

const OPS: ScalarOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh'];
const CONDS = [
  JmpOp.JEQ,
  JmpOp.JNE,
  JmpOp.JGT,
  JmpOp.JGE,
  JmpOp.JLT,
  JmpOp.JLE,
  JmpOp.JSGT,
  JmpOp.JSGE,
  JmpOp.JSLT,
  JmpOp.JSLE,
  JmpOp.JSET,
  JSET_NOT,
];

function holds(op: number, a: bigint, b: bigint, is32: boolean): boolean {
  const ua = is32 ? u32(a) : a;
  const ub = is32 ? u32(b) : b;
  const sa = is32 ? s32(ua) : s64(ua);
  const sb = is32 ? s32(ub) : s64(ub);
  switch (op) {
    case JmpOp.JEQ:
      return ua === ub;
    case JmpOp.JNE:
      return ua !== ub;
    case JmpOp.JGT:
      return ua > ub;
    case JmpOp.JGE:
      return ua >= ub;
    case JmpOp.JLT:
      return ua < ub;
    case JmpOp.JLE:
      return ua <= ub;
    case JmpOp.JSGT:
      return sa > sb;
    case JmpOp.JSGE:
      return sa >= sb;
    case JmpOp.JSLT:
      return sa < sb;
    case JmpOp.JSLE:
      return sa <= sb;
    case JmpOp.JSET:
      return (ua & ub) !== 0n;
    default:
      return (ua & ub) === 0n;
  }
}

describe('tnum', () => {
  it('add, mul and range contain their concrete results', () => {
    const rng = new Rng(7);
    for (let n = 0; n < ITERATIONS / 2; n++) {
      const a = rand64(rng);
      const b = rand64(rng);
      const ta = around(rng, a).t;
      const tb = around(rng, b).t;
      expect(tnumIn(tnumAdd(ta, tb), tnumConst(u64(a + b)))).toBe(true);
      expect(tnumIn(tnumMul(ta, tb), tnumConst(u64(a * b)))).toBe(true);
      const [lo, hi] = a < b ? [a, b] : [b, a];
      expect(tnumIn(tnumRange(lo, hi), tnumConst(lo))).toBe(true);
      expect(tnumIn(tnumRange(lo, hi), tnumConst(hi))).toBe(true);
    }
  });
});

describe('scalar transfer functions are sound', () => {
  it('ALU ops at 64 and 32 bits', () => {
    const rng = new Rng(11);
    for (let n = 0; n < ITERATIONS; n++) {
      const op = rng.pick(OPS);
      const alu32 = rng.chance(0.4);
      const a = rand64(rng);
      const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
      const b = shift ? BigInt(rng.int(0, alu32 ? 31 : 63)) : rand64(rng);
      const A = around(rng, a);
      const B = shift ? constScalar(b) : around(rng, b);
      expect(contains(A, a)).toBe(true);
      const R = aluScalar(op, A, B, alu32);
      const r = concrete(op, a, b, alu32);
      if (!contains(R, r)) {
        throw new Error(
          `${op}${alu32 ? '32' : ''} ${a} ${b} = ${r} not in ${JSON.stringify(R, (_, x) => (typeof x === 'bigint' ? x.toString() : x))}`,
        );
      }
    }
  });

  it('truncation and sign extension', () => {
    const rng = new Rng(13);
    for (let n = 0; n < ITERATIONS / 2; n++) {
      const a = rand64(rng);
      const A = around(rng, a);
      const size = rng.pick([1, 2, 4]);
      const bits = BigInt(size * 8);
      expect(contains(truncScalar(A, size), a & ((1n << bits) - 1n))).toBe(true);
      expect(contains(sextScalar(A, size), u64(BigInt.asIntN(size * 8, a)))).toBe(true);
    }
  });

  it('branch decisions and refinements keep every value that takes the branch', () => {
    const rng = new Rng(17);
    for (let n = 0; n < ITERATIONS; n++) {
      const op = rng.pick(CONDS);
      const is32 = rng.chance(0.3);
      const a = rand64(rng);
      const b = rng.chance(0.5) ? a + BigInt(rng.int(-2, 2)) : rand64(rng);
      const bv = u64(b);
      const A = around(rng, a);
      const B = around(rng, bv);
      const h = holds(op, a, bv, is32);
      const taken = branchTaken(A, B, op, is32);
      if (taken !== -1) expect(taken === 1).toBe(h);
      if (!h) continue;
      const [RA, RB] = refine(A, B, op, is32);
      expect(isValid(RA) && isValid(RB)).toBe(true);
      expect(contains(RA, a)).toBe(true);
      expect(contains(RB, bv)).toBe(true);
    }
  });
});
