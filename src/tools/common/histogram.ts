// Histograms as libbpf-tools prints them (trace_helpers.c print_log2_hist), and the kernel-side log2
// bucket index for ProgramBuilder (bits.bpf.h log2l).

import { type ProgramBuilder, type Reg, r1 } from '../../asm/index.js';

function stars(val: number, max: number, width: number): string {
  const n = max > 0 ? Math.floor((Math.min(val, max) * width) / max) : 0;
  return `${'*'.repeat(n)}${' '.repeat(width - n)}${val > max ? '+' : ''}`;
}

/**
 * log2Histogram renders buckets like print_log2_hist: slot i counts values in [2^i, 2^(i+1) - 1]
 * (slot 0 counts 0 and 1); slots after the last non-empty one are left out; nothing when all are empty.
 */
export function log2Histogram(vals: readonly number[], unit: string): string[] {
  let last = -1;
  let max = 0;
  vals.forEach((v, i) => {
    if (v > 0) last = i;
    if (v > max) max = v;
  });
  if (last < 0) return [];
  const narrow = last <= 32;
  const width = narrow ? 10 : 20;
  const out = [`${' '.repeat(narrow ? 5 : 15)}${unit.padEnd(narrow ? 19 : 29)} : count    distribution`];
  for (let i = 0; i <= last; i++) {
    let low = 2n ** BigInt(i);
    const high = 2n ** BigInt(i + 1) - 1n;
    if (i === 0) low = 0n;
    const v = vals[i] ?? 0;
    out.push(
      `${String(low).padStart(width)} -> ${String(high).padEnd(width)} : ${String(v).padEnd(8)} |${stars(v, max, narrow ? 40 : 20)}|`,
    );
  }
  return out;
}

/** log2Slot is the bucket of v, floor(log2(v)), with 0 for 0 — what emitLog2 computes in the kernel. */
export function log2Slot(v: number | bigint): number {
  let x = BigInt(v);
  let n = -1;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return Math.max(n, 0);
}

/**
 * emitLog2 emits `dst = floor(log2(src))` (0 for 0) for a u64 src, by halving steps as bits.bpf.h's
 * log2l does; it clobbers r1 and src. dst must differ from src and r1; labels start with `label`.
 */
export function emitLog2(b: ProgramBuilder, dst: Reg, src: Reg, label: string): void {
  b.mov(dst, 0);
  for (const shift of [32, 16, 8, 4, 2, 1]) {
    b.mov(r1, src)
      .rsh(r1, shift)
      .jmp('JEQ', r1, 0, `${label}_${shift}`)
      .add(dst, shift)
      .mov(src, r1)
      .label(`${label}_${shift}`);
  }
}
