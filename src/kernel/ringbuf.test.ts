import { openSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { openatToRingbuf } from './link-test-programs.js';
import { attachTracepoint } from './link-tracepoint.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';
import { RingBuffer } from './ringbuf.js';

const cstr = (d: Uint8Array): string => {
  const end = d.indexOf(0);
  return Buffer.from(d.subarray(0, end < 0 ? d.length : end)).toString();
};

function tryOpen(path: string): void {
  try {
    openSync(path, 'r');
  } catch {
    // ENOENT is expected: the openat syscall is what the tracepoint sees.
  }
}

/** setup loads the openat → ring buffer program; `using`-style cleanup through the returned close. */
function setup(ringSize: number, options: { copy?: boolean } = {}) {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: ringSize, name: 'events' });
  const lost = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'lost' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: openatToRingbuf(),
    maps: { events, lost },
    name: 'openat_rb',
  });
  const lostCount = () => Number(lost.get(Buffer.alloc(4))?.readBigUInt64LE(0) ?? 0n);
  const rb = new RingBuffer(events, { lostCounter: lostCount, ...options });
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_openat');
  return {
    rb,
    link,
    close: async () => {
      link.close();
      await rb.closeAsync();
      prog.close();
      events.close();
      lost.close();
    },
  };
}

describe('RingBuffer on a real ring', () => {
  kernelIt('delivers the filename an openat tracepoint program writes, via start() and epoll', async () => {
    const s = setup(1 << 16);
    try {
      const unique = `/tmp/bpfkit-rb-${process.pid}-${Date.now()}`;
      const seen = new Promise<string>((resolve) => {
        void s.rb.start((d) => {
          const name = cstr(d);
          if (name === unique) resolve(name);
        });
      });
      // The first wait is parked on the worker thread by now; the open must wake it.
      await new Promise((r) => setTimeout(r, 50));
      tryOpen(unique);
      expect(await seen).toBe(unique);
      expect(s.rb.lost).toBe(0);
    } finally {
      await s.close();
    }
  });

  kernelIt('async iterator yields copies of records', async () => {
    const s = setup(1 << 16);
    try {
      const unique = `/tmp/bpfkit-rb-iter-${process.pid}`;
      tryOpen(unique);
      let found = '';
      for await (const rec of s.rb) {
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

  kernelIt('with copy: true, kept records survive the ring being overwritten', async () => {
    const s = setup(4096, { copy: true });
    try {
      const unique = `/tmp/bpfkit-rb-copy-${process.pid}`;
      tryOpen(unique);
      const kept: Uint8Array[] = [];
      s.rb.poll((d) => kept.push(d));
      const mine = kept.find((d) => cstr(d) === unique);
      expect(mine).toBeDefined();
      // Refill the 4 KiB ring many times over with other names, draining as we go.
      for (let i = 0; i < 300; i++) {
        tryOpen(`/tmp/bpfkit-rb-copy-other-${i}`);
        if (i % 20 === 0) s.rb.poll(() => {});
      }
      s.rb.poll(() => {});
      expect(cstr(mine!)).toBe(unique);
    } finally {
      await s.close();
    }
  });

  kernelIt('a map of another type is refused with a sentence', () => {
    const m = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'notring' });
    try {
      expect(() => new RingBuffer(m)).toThrow(/map notring has type array, not ringbuf/);
    } finally {
      m.close();
    }
  });

  kernelIt('counts lost records when a tiny ring is not drained', async () => {
    const s = setup(4096);
    try {
      for (let i = 0; i < 200; i++) tryOpen(`/tmp/bpfkit-rb-lost-${i}`);
      // 4096 bytes hold at most 56 records of 72 bytes; the rest must be counted as lost.
      expect(s.rb.lost).toBeGreaterThan(0);
      // Detach first: other processes' opens would refill the ring as the poll frees it.
      s.link.close();
      let n = 0;
      s.rb.poll(() => n++);
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(4096 / 72);
    } finally {
      await s.close();
    }
  });
});
