import { openSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { openatToPerf } from './link-test-programs.js';
import { attachTracepoint } from './link-tracepoint.js';
import { BpfMap } from './map.js';
import { PerfBuffer, type PerfBufferOptions } from './perfbuf.js';
import { Program } from './program.js';

const cstr = (d: Uint8Array): string => {
  const end = d.indexOf(0);
  return Buffer.from(d.subarray(0, end < 0 ? d.length : end)).toString();
};

function tryOpen(path: string): void {
  try {
    openSync(path, 'r');
  } catch {
    // ENOENT is expected; the tracepoint sees the openat either way.
  }
}

function setup(pagesPerCpu: number, options: PerfBufferOptions = {}) {
  const events = BpfMap.create({ type: 'perf_event_array', name: 'events' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: openatToPerf(),
    maps: { events },
    name: 'openat_perf',
  });
  const pb = new PerfBuffer(events, { pagesPerCpu, ...options });
  const link = attachTracepoint(prog, 'syscalls:sys_enter_openat');
  return {
    pb,
    close: async () => {
      link.close();
      await pb.closeAsync();
      prog.close();
      events.close();
    },
  };
}

describe('PerfBuffer on real perf rings', () => {
  kernelIt('delivers bpf_perf_event_output samples through start() and epoll', async () => {
    const s = setup(8);
    try {
      const unique = `/tmp/bpfkit-pb-${process.pid}-${Date.now()}`;
      const seen = new Promise<string>((resolve) => {
        void s.pb.start((d) => {
          if (cstr(d) === unique) resolve(unique);
        });
      });
      await new Promise((r) => setTimeout(r, 50));
      tryOpen(unique);
      expect(await seen).toBe(unique);
    } finally {
      await s.close();
    }
  });

  kernelIt('async iterator yields copies of samples', async () => {
    const s = setup(8);
    try {
      const unique = `/tmp/bpfkit-pb-iter-${process.pid}`;
      tryOpen(unique);
      let found = '';
      for await (const rec of s.pb) {
        if (cstr(rec) === unique) {
          found = cstr(rec);
          break;
        }
      }
      expect(found).toBe(unique);
    } finally {
      await s.close();
    }
  });

  kernelIt(
    'timer mode drains samples the kernel never wakes the reader for',
    async () => {
      // With a watermark of a million samples the kernel sends no wake-up: only the timer can deliver.
      // perf also wakes once half a ring fills: 2 MiB rings keep the machine's other opens below that.
      const s = setup(512, { wakeup: 'timer', intervalMs: 5, wakeupEvents: 1_000_000 });
      try {
        const unique = `/tmp/bpfkit-pb-timer-${process.pid}`;
        let views = 0;
        const seen = new Promise<string>((resolve) => {
          void s.pb.startViews((rec) => {
            views++;
            if (cstr(rec.subarray()) === unique) resolve(unique);
          });
        });
        tryOpen(unique);
        expect(await seen).toBe(unique);
        expect(s.pb.ticks).toBeGreaterThan(0);
        expect(s.pb.wakeups).toBe(0);
        expect(s.pb.received).toBeGreaterThanOrEqual(views);
      } finally {
        await s.close();
      }
    },
    15_000,
  );

  kernelIt('reports PERF_RECORD_LOST when a one-page ring overflows', async () => {
    const s = setup(1);
    try {
      for (let i = 0; i < 300; i++) tryOpen(`/tmp/bpfkit-pb-lost-${i}`);
      let n = 0;
      s.pb.poll(() => n++);
      expect(n).toBeGreaterThan(0);
      // The LOST record is written once the consumer frees space: open more, then drain again.
      tryOpen('/tmp/bpfkit-pb-after');
      s.pb.poll(() => n++);
      expect(s.pb.lost).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
