// The verifier on hostile input: random slots, mutated corpus programs and mutated generated
// programs must end in a verdict (accept, or a typed VerifierError), never an exception or a hang.

import { describe, expect, it } from 'vitest';
import type { Insn } from '../asm/instruction.js';
import { decode, encode } from '../asm/instruction.js';
import { VerifierError } from '../errors/index.js';
import { generateProgram, mutateInsns, Rng, withFds } from './corpus/generate.js';
import { buildCase, loadCorpus } from './corpus/load.js';
import { PROG_TYPE_NAMES, safeVerify } from './index.js';

const ITERATIONS = Number(process.env.BPFKIT_FUZZ_ITERATIONS ?? 1500);
const maps = [
  { name: 'm', type: 'array' as const, keySize: 4, valueSize: 16, maxEntries: 4, fd: 3 },
  { name: 'rb', type: 'ringbuf' as const, keySize: 0, valueSize: 0, maxEntries: 4096, fd: 4 },
];

function check(insns: Insn[], rng: Rng): void {
  // A small complexity limit keeps mutated loops from dominating the run.
  const r = safeVerify(insns, { type: rng.pick(PROG_TYPE_NAMES), maps, maxInsns: 20_000 });
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(VerifierError);
    expect(r.error.issues[0]?.pc).toBeGreaterThanOrEqual(0);
    expect(r.error.log.length).toBeGreaterThan(0);
  }
}

function mutate(insns: Insn[], rng: Rng): Insn[] {
  const bytes = encode(insns);
  const flips = rng.int(1, 4);
  for (let k = 0; k < flips; k++) {
    const at = rng.int(0, bytes.length - 1);
    bytes[at] = rng.chance(0.5) ? rng.int(0, 255) : bytes[at]! ^ (1 << rng.int(0, 7));
  }
  try {
    return decode(bytes);
  } catch {
    return insns;
  }
}

describe('verifier fuzzing', () => {
  it('random instruction slots', () => {
    const rng = new Rng(1234);
    for (let n = 0; n < ITERATIONS; n++) {
      const len = rng.int(1, 24);
      const bytes = new Uint8Array(len * 8);
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
      // Bias towards valid opcodes so checks past the first instruction run too.
      for (let i = 0; i < len; i++) {
        if (rng.chance(0.7))
          bytes[i * 8] = rng.pick([
            0x07, 0x0f, 0xb7, 0xbf, 0x61, 0x79, 0x63, 0x7b, 0x15, 0x2d, 0x85, 0x95, 0x05, 0x18, 0xc3,
          ]);
      }
      bytes[(len - 1) * 8] = 0x95;
      let insns: Insn[];
      try {
        insns = decode(bytes);
      } catch {
        continue;
      }
      check(insns, rng);
    }
  });

  it('mutated corpus programs', () => {
    const rng = new Rng(99);
    // Cases reading kernel structs need the running kernel's BTF; the rest cover the same ground.
    const cases = loadCorpus().filter((c) => !c.btf);
    for (let n = 0; n < ITERATIONS; n++) {
      const c = rng.pick(cases);
      const fds = Object.fromEntries(c.maps.map((m) => [m.name, m.type === 'ringbuf' ? 4 : 3]));
      check(mutate(buildCase(c, fds).insns, rng), rng);
    }
  });

  it('mutated generated programs', () => {
    const rng = new Rng(2024);
    for (let n = 0; n < ITERATIONS; n++) {
      const p = generateProgram(rng.int(1, 1 << 30));
      check(mutate(withFds(p, { m: 3 }), rng), rng);
    }
  });

  it('ignoring numbers that reach no check when pruning changes no verdict', () => {
    const rng = new Rng(31337);
    const cases = loadCorpus().filter((c) => c.file !== 'loops.s' && !c.btf);
    let compared = 0;
    for (let n = 0; n < ITERATIONS / 3; n++) {
      let insns: Insn[];
      let type = rng.pick(PROG_TYPE_NAMES);
      if (rng.chance(0.5)) {
        const p = generateProgram(rng.int(1, 1 << 30));
        insns = mutateInsns(withFds(p, { m: 3, rb: 4 }), rng);
        type = p.type;
      } else {
        const c = rng.pick(cases);
        const fds = Object.fromEntries(c.maps.map((m) => [m.name, m.type === 'ringbuf' ? 4 : 3]));
        insns = mutateInsns(buildCase(c, fds).insns, rng);
        type = c.type;
      }
      const opts = { type, maps, possibleCpus: 2, maxInsns: 100_000 };
      const full = safeVerify(insns, { ...opts, pruneImprecise: false });
      if (!full.ok && full.error.issues[0]?.code === 'too-complex') continue;
      const fast = safeVerify(insns, opts);
      compared++;
      expect(fast.ok ? 'accept' : fast.error.message).toBe(full.ok ? 'accept' : full.error.message);
    }
    expect(compared).toBeGreaterThan(ITERATIONS / 6);
  });
});
