import { describe, expect, it } from 'vitest';
import { BpfkitError } from '../errors/index.js';
import { Btf } from './btf.js';
import { dumpType } from './format.js';
import { sample } from './testdata/sample-btf.js';

// mulberry32: a tiny seeded PRNG so a failing case can be replayed from its seed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [
  0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 0x1f000000, 0x84000003,
];

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  let b = new Uint8Array(src);
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const r = rand();
    const at = Math.floor(rand() * b.length);
    if (r < 0.35) b[at] = Math.floor(rand() * 256);
    else if (r < 0.75 && b.length >= 4) {
      const off = Math.min(b.length - 4, at & ~3);
      const v = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
      new DataView(b.buffer).setUint32(off, rand() < 0.5 ? v : (v + Math.floor(rand() * 40)) >>> 0, true);
    } else if (r < 0.88) b = b.subarray(0, at);
    else {
      const grown = new Uint8Array(b.length + 4);
      grown.set(b.subarray(0, at));
      grown.set(b.subarray(at), at + 4);
      b = grown;
    }
  }
  return b;
}

/** exercise walks every type through every lookup the layer offers. */
function exercise(btf: Btf): void {
  for (let id = 0; id < Math.min(btf.count, 200); id++) {
    const attempts: (() => unknown)[] = [
      () => btf.type(id),
      () => btf.typeName(id),
      () => btf.declaration(id, 'x'),
      () => btf.sizeof(id),
      () => btf.resolve(id),
      () => dumpType(btf, id),
      () => btf.idsByName(btf.nameOf(id)),
      () => btf.findType(btf.nameOf(id)),
    ];
    for (const attempt of attempts) expectTyped(attempt);
    expectTyped(() => {
      const t = btf.type(id);
      if (t.kind === 'struct' || t.kind === 'union') {
        for (const m of t.members) {
          expectTyped(() => btf.memberPath(id, m.name === '' ? 'nope' : `${m.name}[1].x`));
          expectTyped(() => btf.memberPath(id, m.name === '' ? 'nope' : m.name));
        }
      }
      if (t.kind === 'enum' || t.kind === 'enum64')
        for (const v of t.values) expectTyped(() => btf.enumValue(v.name));
      if (t.kind === 'func') expectTyped(() => btf.funcByName(t.name));
    });
  }
  expectTyped(() => btf.offsetOf('task.parent->comm[2]'));
  expectTyped(() => btf.memberPath('task', 'dport'));
  expectTyped(() => btf.enumValue('GREN'));
}

function expectTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof BpfkitError)) throw err;
  }
}

describe('BTF fuzz', () => {
  it('turns 3000 mutated blobs into typed errors or usable BTF, never a crash', () => {
    const { bytes } = sample();
    const seed = Number(process.env.BPFKIT_FUZZ_SEED ?? 0x5eed);
    const rand = rng(seed);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const input = mutate(bytes, rand);
      let btf: Btf;
      try {
        btf = Btf.parse(input);
      } catch (err) {
        expect(err, `case ${i} (seed ${seed})`).toBeInstanceOf(BpfkitError);
        rejected++;
        continue;
      }
      parsed++;
      try {
        exercise(btf);
      } catch (err) {
        throw new Error(`case ${i} (seed ${seed}): untyped ${String(err)}`, { cause: err });
      }
    }
    // Both paths must be exercised, or the mutator is too gentle or too harsh to mean anything.
    expect(parsed).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(300);
  });

  it('survives every single-word corruption of the type section', () => {
    const { bytes } = sample();
    const typeLen = new DataView(bytes.buffer).getUint32(12, true);
    for (let off = 24; off < 24 + typeLen; off += 4) {
      for (const v of [0, 0xffffffff, 0x7fffffff, 5]) {
        const b = new Uint8Array(bytes);
        new DataView(b.buffer).setUint32(off, v, true);
        expectTyped(() => exercise(Btf.parse(b)));
      }
    }
  });

  it('gives 5000 random member paths a location or a typed error', () => {
    const btf = Btf.parse(sample().bytes);
    const pieces = [
      'pid',
      'comm',
      'parent',
      'dport',
      'flags',
      '.',
      '->',
      '[',
      ']',
      '0',
      '99',
      ' ',
      'x',
      '-',
      '[1]',
      '',
    ];
    const rand = rng(7);
    let located = 0;
    for (let i = 0; i < 5000; i++) {
      let path = '';
      const n = 1 + Math.floor(rand() * 6);
      for (let j = 0; j < n; j++) path += pieces[Math.floor(rand() * pieces.length)]!;
      try {
        const hops = btf.memberPath('task', path);
        expect(hops.length).toBeGreaterThan(0);
        located++;
      } catch (err) {
        if (!(err instanceof BpfkitError)) throw new Error(`path '${path}': untyped ${String(err)}`);
      }
    }
    expect(located).toBeGreaterThan(100);
  });
});
