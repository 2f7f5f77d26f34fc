// agg-read: the value of a count(), sum(), avg(), min() or max() map read inside a probe. These maps are
// per-CPU, so a plain lookup sees only the running CPU's share; like bpftrace, the program merges
// every CPU's value with bpf_map_lookup_percpu_elem (kernel 5.19).

import { r0, r1, r2, r3, r9, r10 } from '../../asm/builder.js';
import type { AggFn } from '../types.js';
import type { Gen } from './gen.js';
import type { MapLayout } from './layout.js';

/** DEFAULT_CPUS bounds the merge loop when the compiler is not told the machine's possible CPUs. */
export const DEFAULT_CPUS = 64;

/**
 * aggRead leaves in r0 the merged value of the per-CPU aggregation at the stack key `key`: the sum
 * of counts and sums, the sum of totals over the sum of counts for avg(), the least or greatest of
 * the CPUs that saw a min() or max() sample, 0 for a missing key. The loop stops at the first NULL, which is a missing key or a CPU past the last.
 */
export function aggRead(g: Gen, layout: MapLayout, key: number, fn: AggFn, pos: number): void {
  const b = g.b;
  const cpus = g.opts.possibleCpus ?? DEFAULT_CPUS;
  // acc: the merged value (avg: the total); acc + 8: whether any CPU had a min/max sample (avg: the count).
  const acc = g.alloc(16, pos);
  b.st('u64', r10, acc, 0);
  b.st('u64', r10, acc + 8, 0);
  const loop = g.label('cpu');
  const next = g.label('cpunext');
  const done = g.label('cpudone');
  // r9 is the CPU number: callee-saved, and nothing else in a probe uses it.
  b.mov(r9, 0);
  b.label(loop);
  b.ldMap(r1, layout.ref);
  g.stackPtr(r2, key);
  b.mov(r3, r9);
  b.call('map_lookup_percpu_elem');
  b.jmp('JEQ', r0, 0, done);
  if (fn === 'min' || fn === 'max') {
    const take = g.label('cputake');
    b.ldx('u64', r2, r0, 8);
    b.jmp('JEQ', r2, 0, next);
    b.ldx('u64', r1, r0, 0);
    b.ldx('u64', r2, r10, acc + 8);
    b.jmp('JEQ', r2, 0, take);
    b.ldx('u64', r2, r10, acc);
    b.jmp(fn === 'min' ? 'JSGE' : 'JSLE', r1, r2, next);
    b.label(take);
    b.st('u64', r10, acc, r1);
    b.st('u64', r10, acc + 8, 1);
  } else if (fn === 'avg') {
    // An avg() value is [count, total] (map-ops.ts).
    b.ldx('u64', r1, r0, 8);
    b.ldx('u64', r2, r10, acc);
    b.add(r2, r1);
    b.st('u64', r10, acc, r2);
    b.ldx('u64', r1, r0, 0);
    b.ldx('u64', r2, r10, acc + 8);
    b.add(r2, r1);
    b.st('u64', r10, acc + 8, r2);
  } else {
    b.ldx('u64', r1, r0, 0);
    b.ldx('u64', r2, r10, acc);
    b.add(r2, r1);
    b.st('u64', r10, acc, r2);
  }
  b.label(next);
  b.add(r9, 1);
  b.jmp('JLT', r9, cpus, loop);
  b.label(done);
  b.ldx('u64', r0, r10, acc);
  if (fn === 'avg') {
    // Signed and truncating toward zero, as the exit-time print divides (format/maps.ts).
    const empty = g.label('avgempty');
    b.ldx('u64', r1, r10, acc + 8);
    b.jmp('JEQ', r1, 0, empty);
    b.sdiv(r0, r1);
    b.label(empty);
  }
}
