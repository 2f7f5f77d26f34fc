import { describe, expect, it } from 'vitest';
import { disassemble } from '../../asm/disassembler.js';
import { check } from '../check.js';
import { Source } from '../diagnostics.js';
import { fakeTypeSource } from '../fake-type-source.js';
import { parseSource } from '../parser.js';
import { type CompileOptions, compile } from './compile.js';

function listing(text: string, options: CompileOptions = {}): string {
  const src = new Source(text, 'agg.bt');
  const c = compile(check(parseSource(src), src, { types: fakeTypeSource }), options);
  return c.programs.map((p) => disassemble(p.built.insns)).join('\n');
}

describe('per-CPU aggregation reads', () => {
  it('merge every possible CPU with map_lookup_percpu_elem, bounded by the CPU count', () => {
    for (const fn of ['count()', 'sum(3)', 'avg(3)', 'min(3)', 'max(3)']) {
      const text = listing(`BEGIN { @a = ${fn}; printf("%d\\n", @a); }`, { possibleCpus: 4 });
      expect(text, fn).toContain('call bpf_map_lookup_percpu_elem#195');
      expect(text, fn).toMatch(/if r9 < 0x4 goto pc-\d+/);
    }
    expect(listing('BEGIN { @a[1] = count(); if (@a[1] > 2) { exit(); } }')).toMatch(
      /if r9 < 0x40 goto pc-\d+/,
    );
  });

  it('divide the merged avg() total by the merged count, signed', () => {
    expect(listing('BEGIN { @a = avg(3); printf("%d\\n", @a); }')).toMatch(/r0 s\/= r1/);
  });

  it('leave plain maps and aggregation updates to the current CPU', () => {
    expect(listing('BEGIN { @a = 1; printf("%d\\n", @a); @c = count(); }')).not.toContain('percpu');
  });
});

describe('aggregation updates', () => {
  it('add to the element another CPU inserted first instead of counting the sample as dropped', () => {
    for (const fn of ['count()', 'sum(3)', 'hist(3)', 'min(3)']) {
      const text = listing(`BEGIN { @a[pid] = ${fn}; }`);
      // map_update_elem(…, BPF_NOEXIST) that returns -EEXIST looks the key up again.
      expect(text, fn).toMatch(/call bpf_map_update_elem#2\n.*\n.*if r0 != 0xffffffef goto/);
      expect(text.match(/call bpf_map_lookup_elem#1/g)?.length, fn).toBe(2);
    }
  });
});
