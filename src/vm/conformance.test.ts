// The bpf_conformance suite through both vm tiers: every runtime case must produce its result, every
// negative case a typed error (two are excused below, each with its reason).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../asm/instruction.js';
import { assembleUbpf } from '../asm/ubpf.js';
import { ParseError } from '../errors/index.js';
import { repoRoot } from '../testing/cli.js';
import { caseProgram, parseConformanceCase } from './conformance-case.js';
import { VmError } from './errors.js';
import { conformanceHelpers } from './helpers.js';
import { VmProgram } from './program.js';
import { Vm } from './vm.js';

const root = join(repoRoot, '..', 'shared', 'conformance', 'bpf_conformance');
const testsDir = join(root, 'tests');
const negativeDir = join(root, 'negative');
const load = (dir: string, name: string) => parseConformanceCase(readFileSync(join(dir, name), 'utf8'), name);
const positive = readdirSync(testsDir)
  .filter((f) => f.endsWith('.data'))
  .sort();
const negative = readdirSync(negativeDir)
  .filter((f) => f.endsWith('.data'))
  .sort();

/** EXCUSED_NEGATIVE: negative cases that are valid programs; the suite checks the harness with them. */
const EXCUSED_NEGATIVE: Record<string, string> = {
  'error.data':
    '`or %r0, %r10` is a valid program; the case expects the harness to report that no "Invalid" error happened',
  'incorrect_return_value_high_bits.data':
    'a valid program whose `-- result` is deliberately wrong in the high bits',
};

describe('bpf_conformance suite', () => {
  it('has the 313 runtime cases and 60 negative case files', () => {
    expect(positive).toHaveLength(313);
    expect(negative).toHaveLength(60);
  });

  for (const tier of ['interpreter', 'compiled'] as const) {
    describe(`${tier} tier`, () => {
      it.each(positive)('%s', (name) => {
        const c = load(testsDir, name);
        expect(c.result, `${name} has a -- result`).toBeDefined();
        const vm = new Vm(caseProgram(c, name), { tier, helpers: conformanceHelpers() });
        const r = vm.run({ mem: c.mem.slice() });
        expect(`0x${r.r0.toString(16)}`).toBe(`0x${c.result!.toString(16)}`);
      });
    });
  }

  it('assembles to the same bytecode as the cases that also give -- raw', () => {
    const both = positive
      .map((n) => load(testsDir, n))
      .filter((c) => c.asm !== undefined && c.raw !== undefined);
    expect(both.length).toBeGreaterThan(0);
    for (const c of both) expect(encode(assembleUbpf(c.asm!))).toEqual(c.raw);
  });

  describe('negative cases', () => {
    it.each(negative.filter((n) => !(n in EXCUSED_NEGATIVE)))('%s is a typed error', (name) => {
      const text = readFileSync(join(negativeDir, name), 'utf8');
      const attempt = () => {
        const c = parseConformanceCase(text, name);
        const bytes = caseProgram(c, name);
        new VmProgram(decode(bytes));
      };
      expect(attempt).toThrow();
      try {
        attempt();
      } catch (err) {
        // Assembly mistakes are ParseErrors with a position; malformed bytecode is refused at load.
        if (err instanceof ParseError) expect(err.position?.line).toBeGreaterThan(0);
        else expect(err).toBeInstanceOf(VmError);
        expect((err as Error).message.length).toBeGreaterThan(0);
      }
    });

    it.each(Object.entries(EXCUSED_NEGATIVE))('%s is excused: %s', (name) => {
      const c = load(negativeDir, name);
      const r = new Vm(caseProgram(c, name), { helpers: conformanceHelpers() }).run({ mem: c.mem.slice() });
      // The case "fails" as intended: no error is raised, and any stated result is not what runs.
      if (c.result !== undefined) expect(r.r0).not.toBe(c.result);
      else expect(c.error).toBe('Invalid');
    });
  });
});
