import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import type { Hist } from './hist-programs.js';
import { formatHists, runRunqlat } from './runqlat.js';
import { CaptureOutput } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';

describe('runqlat', () => {
  kernelIt('measures every wake-up of a process that sleeps 200 times', async () => {
    const w = gatedWorkload(`exec perl -e 'select(undef, undef, undef, 0.002) for 1..200'`);
    const out = new CaptureOutput();
    const reports: Hist[][] = [];
    await runRunqlat(
      {
        pid: w.pid,
        perProcess: true,
        ready: () => w.release(),
        done: w.exit,
        onReport: (h) => reports.push(h),
      },
      out,
    );
    const hists = reports.flat();
    // The entry is made at the first sample: the shell waking from its read, before it execs perl.
    expect(hists.map((h) => [h.key, h.comm])).toEqual([[w.pid, 'sh']]);
    // A sleep usually ends in one wake-up and one switch-in. A timer that fires before the task has
    // left the CPU wakes it without a switch (no sample), so only most of the 200 are guaranteed.
    expect(hists[0]!.slots.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100);
    expect(out.lines[0]).toBe('Tracing run queue latency... Hit Ctrl-C to end.');
    expect(out.lines).toContain(`pid = ${w.pid} sh`);
    expect(out.lines).toContain('     usecs               : count    distribution');
  });
});

describe('runqlat --pidnss', () => {
  kernelIt('keys histograms by PID namespace, and a process in a new namespace gets its own', async () => {
    const w = gatedWorkload(
      `exec unshare --pid --fork sh -c 'readlink /proc/self/ns/pid; exec perl -e "select(undef, undef, undef, 0.002) for 1..100"'`,
    );
    const reports: Hist[][] = [];
    const out = new CaptureOutput();
    await runRunqlat(
      { perPidns: true, ready: () => w.release(), done: w.exit, onReport: (h) => reports.push(h) },
      out,
    );
    const inum = Number(/pid:\[(\d+)\]/.exec(w.stdout())?.[1]);
    const host = Number(/pid:\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]);
    expect(inum).toBeGreaterThan(0);
    expect(inum).not.toBe(host);
    const hists = reports.flat();
    const keys = hists.map((h) => h.key);
    expect(keys).toContain(inum);
    expect(keys).toContain(host);
    const mine = hists.find((h) => h.key === inum)!;
    expect(mine.slots.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(50);
    expect(out.lines.some((l) => l.startsWith(`pidns = ${inum} `))).toBe(true);
  });
});

describe('runqlat format', () => {
  it('prints libbpf-tools histograms', () => {
    const slots = new Array(26).fill(0);
    slots[0] = 4081;
    slots[1] = 2584;
    slots[3] = 10;
    expect(formatHists([{ key: 0, comm: '', slots }], {}, undefined)).toEqual([
      '',
      '     usecs               : count    distribution',
      '         0 -> 1          : 4081     |****************************************|',
      '         2 -> 3          : 2584     |*************************               |',
      '         4 -> 7          : 0        |                                        |',
      '         8 -> 15         : 10       |                                        |',
    ]);
    expect(formatHists([{ key: 7, comm: 'sh', slots }], { milliseconds: true }, 'tid')[2]).toBe('tid = 7 sh');
  });
});
