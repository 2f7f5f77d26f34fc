import { describe, expect } from 'vitest';
import { ProgramBuilder, r0, r1, r2, r6, r10, ringbufOutputAdaptive } from '../asm/index.js';
import { kernelIt } from '../testing/kernel.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';
import { RingBuffer, type RingBufferOptions } from './ringbuf.js';

// The producer is a socket filter run with BPF_PROG_TEST_RUN, so the test decides exactly how many
// records are written: each run appends { u64 seq, u64 seq * PATTERN } and counts failures in `lost`.
const PATTERN = 0x3779b1;
const RECORD = 16;
// A record takes its size plus the 8-byte header in the ring.
const SLOT = RECORD + 8;

/** bump emits `r1 = __sync_fetch_and_add(&map[0], 1)` (the old value), or jumps to `out`. */
function bump(b: ProgramBuilder, map: string): ProgramBuilder {
  return b
    .st('u32', r10, -4, 0)
    .ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1, true);
}

function producer(wakeAt: number) {
  const b = bump(new ProgramBuilder(), 'seq');
  b.st('u64', r10, -24, r1).mul(r1, PATTERN).st('u64', r10, -16, r1).mov(r6, r10);
  ringbufOutputAdaptive(b, { map: 'events', data: r6, offset: -24, size: RECORD, wakeAt });
  b.jmp('JEQ', r0, 0, 'out');
  return bump(b, 'lost').label('out').mov(r0, 0).exit().build();
}

function setup(ringBytes: number, wakeAt: number, options: RingBufferOptions) {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: ringBytes, name: 'events' });
  const seq = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'seq' });
  const lost = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'lost' });
  const prog = Program.load({
    type: 'socket_filter',
    insns: producer(wakeAt),
    maps: { events, seq, lost },
    name: 'rb_wakeup',
  });
  const lostCount = () => Number(lost.get(Buffer.alloc(4))!.readBigUInt64LE(0));
  const rb = new RingBuffer(events, { lostCounter: lostCount, ...options });
  const packet = new Uint8Array(64);
  return {
    rb,
    /** produce runs the program `n` times in the kernel: n records, synchronously. */
    produce: (n: number) => prog.testRun({ data: packet, repeat: n }),
    close: async () => {
      await rb.closeAsync();
      prog.close();
      events.close();
      seq.close();
      lost.close();
    },
  };
}

/** collect starts the reader with views and resolves with the sequence numbers once `n` arrived. */
function collect(rb: RingBuffer, n: number): { done: Promise<number[]>; reading: Promise<void> } {
  const seqs: number[] = [];
  let resolve!: (s: number[]) => void;
  const done = new Promise<number[]>((r) => {
    resolve = r;
  });
  const reading = rb.startViews((rec) => {
    const s = Number(rec.u64(0));
    // The pattern proves the view points at this record, not a neighbour.
    expect(rec.u64(8)).toBe(BigInt(s) * BigInt(PATTERN));
    expect(rec.length).toBe(RECORD);
    seqs.push(s);
    if (seqs.length === n) resolve(seqs);
  });
  return { done, reading };
}

describe('RingBuffer wake-up modes', () => {
  kernelIt(
    'timer mode delivers every NO_WAKEUP record exactly once, with no epoll wake-up',
    async () => {
      const n = 20_000;
      // wakeAt above what n records occupy: the fragment always picks BPF_RB_NO_WAKEUP.
      const s = setup(1 << 20, 1 << 20, { wakeup: 'timer', intervalMs: 5 });
      try {
        const { done, reading } = collect(s.rb, n);
        s.produce(n);
        const seqs = await done;
        expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(s.rb.lost).toBe(0);
        expect(s.rb.wakeups).toBe(0);
        expect(s.rb.ticks).toBeGreaterThan(0);
        await s.rb.closeAsync();
        await reading;
        expect(s.rb.received).toBe(n);
      } finally {
        await s.close();
      }
    },
    15_000,
  );

  kernelIt(
    'a forced wake-up above wakeAt drains at once, without waiting for the timer',
    async () => {
      const n = 100;
      // Records 0..10 fit under wakeAt and skip the wake-up; from then on the fragment forces one.
      // The timer is an hour: only the forced wake-up can deliver within the test's time limit.
      const s = setup(1 << 16, 10 * SLOT, { wakeup: 'timer', intervalMs: 3_600_000 });
      try {
        const { done, reading } = collect(s.rb, n);
        s.produce(n);
        expect(await done).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(s.rb.wakeups).toBeGreaterThan(0);
        expect(s.rb.ticks).toBe(0);
        expect(s.rb.lost).toBe(0);
        await s.rb.closeAsync();
        await reading;
      } finally {
        await s.close();
      }
    },
    15_000,
  );

  kernelIt(
    'close ends a timer-mode reader at once, not at the next tick',
    async () => {
      const s = setup(1 << 16, 1 << 16, { wakeup: 'timer', intervalMs: 3_600_000 });
      try {
        let n = 0;
        const reading = s.rb.start(() => n++);
        s.produce(3);
        // A wait is parked on the hour-long timer; close must end it (else the test times out).
        await new Promise((r) => setImmediate(r));
        await s.rb.closeAsync();
        await reading;
        expect(s.rb.available).toBe(0);
        expect(n).toBe(0);
      } finally {
        await s.close();
      }
    },
    15_000,
  );

  kernelIt('records kept with slice() survive the reused view and many laps of a small ring', async () => {
    const s = setup(4096, 4096, {});
    try {
      const kept: Uint8Array[] = [];
      // 4096 bytes hold 170 records; 40 rounds of 100 go around the ring about 23 times.
      for (let round = 0; round < 40; round++) {
        s.produce(100);
        s.rb.pollViews((rec) => kept.push(rec.slice()));
      }
      expect(s.rb.lost).toBe(0);
      expect(kept.length).toBe(4000);
      kept.forEach((k, i) => {
        const v = new DataView(k.buffer, k.byteOffset, k.byteLength);
        expect(v.getBigUint64(0, true)).toBe(BigInt(i));
        expect(v.getBigUint64(8, true)).toBe(BigInt(i) * BigInt(PATTERN));
      });
    } finally {
      await s.close();
    }
  });

  kernelIt('copy: true keeps records intact across laps through poll()', async () => {
    const s = setup(4096, 4096, { copy: true });
    try {
      const kept: Uint8Array[] = [];
      for (let round = 0; round < 10; round++) {
        s.produce(100);
        s.rb.poll((d) => kept.push(d));
      }
      expect(kept.map((k) => Number(new DataView(k.buffer).getBigUint64(0, true)))).toEqual(
        Array.from({ length: 1000 }, (_, i) => i),
      );
    } finally {
      await s.close();
    }
  });
});
