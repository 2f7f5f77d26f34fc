import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { ProgramBuilder, r0 } from '../asm/index.js';
import { kernelIt } from '../testing/kernel.js';
import { attachPerfSampling } from './link-perf-sampling.js';
import { countCalls } from './link-test-programs.js';
import { BpfMap } from './map.js';
import { onlineCpus } from './perfbuf.js';
import { Program } from './program.js';

describe('perf event sampling links', () => {
  kernelIt('samples a CPU-bound child at 99 Hz on every CPU', async () => {
    const counter = BpfMap.create({
      type: 'array',
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      name: 'counter',
    });
    const child = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    const read = () => counter.get(Buffer.alloc(4))!.readBigUInt64LE(0);
    try {
      const prog = Program.load({ type: 'perf_event', insns: countCalls(child.pid!), maps: { counter } });
      try {
        const link = attachPerfSampling(prog, { frequency: 99 });
        try {
          expect(link.fds.length).toBeGreaterThanOrEqual(onlineCpus().length);
          // Wait for samples of the child (not a timing assertion: it waits as long as it needs).
          while (read() < 5n) await new Promise((r) => setTimeout(r, 20));
          expect(read()).toBeGreaterThanOrEqual(5n);
        } finally {
          link.close();
        }
        const after = read();
        await new Promise((r) => setTimeout(r, 100));
        expect(read()).toBe(after);
      } finally {
        prog.close();
      }
    } finally {
      child.kill('SIGKILL');
      counter.close();
    }
  });

  kernelIt('a frequency of 0 Hz or above the kernel limit is refused before anything is opened', () => {
    const prog = Program.load({ type: 'perf_event', insns: new ProgramBuilder().mov(r0, 0).exit().build() });
    try {
      expect(() => attachPerfSampling(prog, { frequency: 0 })).toThrow(/at least 1 \(got 0\)/);
      const max = Number(readFileSync('/proc/sys/kernel/perf_event_max_sample_rate', 'utf8'));
      expect(() => attachPerfSampling(prog, { frequency: max + 1 })).toThrow(
        new RegExp(`above this kernel's limit of ${max} Hz`),
      );
    } finally {
      prog.close();
    }
  });
});
