import { describe, expect } from 'vitest';
import { ProgramBuilder, r0, r10 } from '../../asm/index.js';
import { attachTracepoint } from '../../kernel/link-tracepoint.js';
import { BpfMap } from '../../kernel/map.js';
import { Program } from '../../kernel/program.js';
import { RingBuffer } from '../../kernel/ringbuf.js';
import { ensureTracefs } from '../../kernel/tracefs-mount.js';
import { libc } from '../../sys/libc.js';
import { kernelIt } from '../../testing/kernel.js';
import { filterTask, RING_BYTES, ringOutput } from './snippets.js';

const getppid = libc.func('int getppid()');
const RECORD = 56;
/** PER_QUARTER is how many records (with their 8-byte headers) fill a quarter of the ring. */
const PER_QUARTER = RING_BYTES / 4 / (RECORD + 8);

/** senderProgram sends a zeroed record through ringOutput on each getppid() of this process. */
function senderProgram() {
  const b = new ProgramBuilder();
  filterTask(b, { pid: process.pid }, 'out');
  for (let off = 0; off < RECORD; off += 8) b.st('u64', r10, -RECORD + off, 0);
  ringOutput(b, -RECORD, RECORD, 'sent');
  return b.label('out').mov(r0, 0).exit().build();
}

describe('ringOutput', () => {
  kernelIt('wakes a timer-driven reader only once the ring is a quarter full', async () => {
    ensureTracefs();
    const events = BpfMap.create({ type: 'ringbuf', maxEntries: RING_BYTES, name: 'snip_ev' });
    const lost = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'snip_lost' });
    const prog = Program.load({ type: 'tracepoint', insns: senderProgram(), maps: { events, lost } });
    const link = attachTracepoint(prog, 'syscalls:sys_enter_getppid');
    // A timer that never fires within the test: only a wake-up the program forces drains the ring.
    const ring = new RingBuffer(events, { wakeup: 'timer', intervalMs: 3_600_000 });
    try {
      let received = 0;
      let drained: () => void = () => {};
      const allDrained = new Promise<void>((r) => (drained = r));
      const total = PER_QUARTER + 2;
      const reading = ring.start(() => {
        if (++received === total) drained();
      });
      const quiet = Math.floor(PER_QUARTER / 2);
      for (let i = 0; i < quiet; i++) getppid();
      await new Promise((r) => setTimeout(r, 50));
      expect(ring.wakeups).toBe(0);
      expect(received).toBe(0);
      for (let i = quiet; i < total; i++) getppid();
      await allDrained;
      expect(ring.wakeups).toBeGreaterThan(0);
      expect(ring.ticks).toBe(0);
      await ring.closeAsync();
      await reading;
    } finally {
      ring.close();
      link.close();
      prog.close();
      lost.close();
      events.close();
    }
  });
});
