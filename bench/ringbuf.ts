// Ring buffer to JavaScript: decoded events per second and lost events, for 64- and 256-byte records.
// The producer is a tracepoint program on sys_enter_read while `dd bs=1` makes a read(2) storm.
//
//   npx tsx bench/ringbuf.ts            (root; about 20 s)
//
// Per record size:
//   live   — records decoded while the storm runs, lost records, events per consumer CPU-second and the
//            storm's own rate (dd's speed: what wake-ups cost the traced task), for three readers:
//              epoll          bpf_ringbuf_output(flags 0) → a wake-up per record the reader has caught up with;
//                             start() with a Uint8Array per record (today's default)
//              epoll+views    the same producer, startViews(): one reused RecordView, no allocation per record
//              timer+views    ringbufOutputAdaptive (BPF_RB_NO_WAKEUP until the ring is half full), a reader
//                             with { wakeup: 'timer', intervalMs: 10 } and startViews()
//   peer   — the same storm through a PerfBuffer; ratios against it
//   burst  — a ring filled by the storm with no reader, then drained: pure decode speed on one core,
//            poll() (a Uint8Array per record) against pollViews()
//   paced  — the program emits one record per k reads so the rate is at least about 200,000/s: lost must be 0
//   decode — RingReader alone on a ring in ordinary memory (no kernel, no noise from the storm): records
//            per second for drain (a Uint8Array each), drainView (one RecordView) and drainCopy, median of 7

import { spawn } from 'node:child_process';
import { readToPerf, readToRingbuf } from '../src/kernel/link-test-programs.js';
import { attachTracepoint } from '../src/kernel/link-tracepoint.js';
import { BpfMap } from '../src/kernel/map.js';
import { PerfBuffer } from '../src/kernel/perfbuf.js';
import { Program } from '../src/kernel/program.js';
import { RingBuffer, type RingBufferOptions, RingReader } from '../src/kernel/ringbuf.js';
import { privateDd, readProducer } from './ringbuf-producer.js';

const DD_COUNT = Number(process.env.DD_COUNT ?? 600_000);
const DD = privateDd();
// SIZES=64 npx tsx bench/ringbuf.ts runs one record size.
const SIZES = (process.env.SIZES ?? '64,256').split(',').filter(Boolean).map(Number);

function runDd(count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const dd = spawn(DD.path, ['if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${count}`], {
      stdio: 'ignore',
    });
    dd.on('error', reject);
    dd.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e9));
  });
}

interface Setup {
  rb: RingBuffer;
  lost: () => number;
  attach: () => { close(): void };
  close: () => Promise<void>;
}

function setup(size: number, every: number, ringBytes: number): Setup {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: ringBytes, name: 'events' });
  const lostMap = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'lost' });
  const pace = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'pace' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: readToRingbuf({ size, comm: DD.comm, every }),
    maps: { events, lost: lostMap, pace },
    name: 'bench_rb',
  });
  const lost = () => Number(lostMap.get(Buffer.alloc(4))!.readBigUInt64LE(0));
  const rb = new RingBuffer(events, { lostCounter: lost });
  return {
    rb,
    lost,
    attach: () => attachTracepoint(prog, 'syscalls', 'sys_enter_read'),
    close: async () => {
      await rb.closeAsync();
      prog.close();
      events.close();
      lostMap.close();
      pace.close();
    },
  };
}

/** decode reads the record's fields, as a real consumer would. */
let checksum = 0;
function decode(d: Uint8Array): void {
  const pid = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
  const count = d[8]! | (d[9]! << 8);
  checksum = (checksum + pid + count) | 0;
}

/** decodeView reads the same fields from a record at `at` in the ring's memory. */
function decodeView(d: Uint8Array, at: number): void {
  const pid = d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24);
  const count = d[at + 8]! | (d[at + 9]! << 8);
  checksum = (checksum + pid + count) | 0;
}

type Reader = 'epoll' | 'epoll+views' | 'timer+views';
const READERS: readonly Reader[] = ['epoll', 'epoll+views', 'timer+views'];
const LIVE_RING = 16 << 20;

async function live(size: number, reader: Reader) {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: LIVE_RING, name: 'events' });
  const lostMap = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'lost' });
  const timer = reader === 'timer+views';
  const prog = Program.load({
    type: 'tracepoint',
    insns: readProducer({ size, comm: DD.comm, ...(timer ? { wakeAt: LIVE_RING / 2 } : {}) }),
    maps: { events, lost: lostMap },
    name: 'bench_live',
  });
  const opts: RingBufferOptions = timer ? { wakeup: 'timer', intervalMs: 10 } : {};
  const rb = new RingBuffer(events, opts);
  let decoded = 0;
  const reading =
    reader === 'epoll'
      ? rb.start((d) => {
          decode(d);
          decoded++;
        })
      : rb.startViews((rec) => {
          decodeView(rec.bytes, rec.offset);
          decoded++;
        });
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_read');
  const cpu0 = process.cpuUsage();
  const seconds = await runDd(DD_COUNT);
  while (rb.available > 0) await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  link.close();
  const lost = Number(lostMap.get(Buffer.alloc(4))!.readBigUInt64LE(0));
  const wakeups = rb.wakeups + rb.ticks;
  await rb.closeAsync();
  await reading;
  prog.close();
  events.close();
  lostMap.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    decoded,
    lost,
    seconds,
    rate: (decoded + lost) / seconds,
    perCpuSecond: decoded / cpuSeconds,
    perWakeup: decoded / Math.max(1, wakeups),
  };
}

/** paced reads the storm with one record per `every` reads through the default reader. */
async function paced(size: number, every: number) {
  const s = setup(size, every, 16 << 20);
  let decoded = 0;
  const reading = s.rb.start((d) => {
    decode(d);
    decoded++;
  });
  const link = s.attach();
  const seconds = await runDd(DD_COUNT);
  while (s.rb.available > 0) await new Promise((r) => setImmediate(r));
  link.close();
  const lost = s.lost();
  await s.close();
  await reading;
  return { decoded, lost, rate: (decoded + lost) / seconds };
}

/** perfLive is the peer: the same storm through a PerfBuffer (bpf_perf_event_output, per-CPU rings). */
async function perfLive(size: number) {
  const events = BpfMap.create({ type: 'perf_event_array', name: 'events' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: readToPerf({ size, comm: DD.comm }),
    maps: { events },
    name: 'bench_perf',
  });
  // 4 MiB per CPU, a common perf buffer size.
  const pb = new PerfBuffer(events, { pagesPerCpu: 1024 });
  let decoded = 0;
  const reading = pb.start((d) => {
    decode(d);
    decoded++;
  });
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_read');
  const cpu0 = process.cpuUsage();
  const seconds = await runDd(DD_COUNT);
  while (pb.available > 0) await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  link.close();
  const lost = pb.lost;
  await pb.closeAsync();
  await reading;
  prog.close();
  events.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { decoded, lost, seconds, rate: (decoded + lost) / seconds, perCpuSecond: decoded / cpuSeconds };
}

async function burst(size: number, views: boolean) {
  const s = setup(size, 1, 128 << 20);
  const link = s.attach();
  await runDd(DD_COUNT);
  link.close();
  let decoded = 0;
  const t0 = process.hrtime.bigint();
  if (views) {
    s.rb.pollViews((rec) => {
      decodeView(rec.bytes, rec.offset);
      decoded++;
    });
  } else {
    s.rb.poll((d) => {
      decode(d);
      decoded++;
    });
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lost = s.lost();
  await s.close();
  return { decoded, lost, rate: decoded / seconds };
}

/** decodeOnly times RingReader's three drains over `n` 16-byte records written into plain memory. */
function decodeOnly(n: number): Record<'drain' | 'drainView' | 'drainCopy', number> {
  const page = 4096;
  const size = 64 << 20;
  const consumer = new ArrayBuffer(page);
  const producer = new ArrayBuffer(page + 2 * size);
  const dv = new DataView(producer);
  const reader = new RingReader(consumer, producer, size, page);
  let pos = 0;
  const fill = () => {
    for (let i = 0; i < n; i++) {
      const off = page + (pos % size);
      dv.setUint32(off, 16, true);
      dv.setUint32(off + 8, i, true);
      dv.setUint32(off + 16, i & 0xffff, true);
      pos += 24;
    }
    dv.setBigUint64(0, BigInt(pos), true);
  };
  const runs: Record<'drain' | 'drainView' | 'drainCopy', number[]> = {
    drain: [],
    drainView: [],
    drainCopy: [],
  };
  for (let rep = 0; rep < 7; rep++) {
    for (const kind of ['drain', 'drainView', 'drainCopy'] as const) {
      fill();
      const t0 = process.hrtime.bigint();
      const got =
        kind === 'drainView'
          ? reader.drainView((rec) => decodeView(rec.bytes, rec.offset))
          : reader[kind]((d) => decode(d));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (got !== n) throw new Error(`decode bench read ${got} of ${n} records`);
      runs[kind].push(n / seconds);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[3]!;
  return { drain: med(runs.drain), drainView: med(runs.drainView), drainCopy: med(runs.drainCopy) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(
    `ring buffer bench: producer = tracepoint sys_enter_read, dd (as ${DD.comm}) bs=1 count=${DD_COUNT}`,
  );
  for (const size of SIZES) {
    const results = new Map<Reader, Awaited<ReturnType<typeof live>>>();
    for (const reader of READERS) {
      const l = await live(size, reader);
      results.set(reader, l);
      console.log(
        `${size}-byte records  live ${reader.padEnd(11)}: ${fmt(l.decoded)} decoded, ${fmt(l.lost)} lost, ` +
          `dd ${l.seconds.toFixed(3)} s (storm ${fmt(l.rate)} events/s), ` +
          `${fmt(l.perCpuSecond)} decoded per consumer CPU-second, ${fmt(l.perWakeup)} per wake-up`,
      );
    }
    const base = results.get('epoll')!;
    for (const reader of READERS.slice(1)) {
      const l = results.get(reader)!;
      console.log(
        `${size}-byte records  ${reader} / epoll: ${(l.perCpuSecond / base.perCpuSecond).toFixed(2)}x per consumer ` +
          `CPU-second, dd ${(base.seconds / l.seconds).toFixed(2)}x as fast`,
      );
    }
    const p0 = await perfLive(size);
    console.log(
      `${size}-byte records  peer:  PerfBuffer ${fmt(p0.decoded)} decoded, ${fmt(p0.lost)} lost, ` +
        `dd ${p0.seconds.toFixed(3)} s, ${fmt(p0.perCpuSecond)} per consumer CPU-second; ring buffer (epoll, ` +
        `timer+views) / perf buffer = ${(base.perCpuSecond / p0.perCpuSecond).toFixed(2)}x, ` +
        `${(results.get('timer+views')!.perCpuSecond / p0.perCpuSecond).toFixed(2)}x`,
    );
    for (const views of [false, true]) {
      const b = await burst(size, views);
      console.log(
        `${size}-byte records  burst ${views ? 'pollViews' : 'poll     '}: ${fmt(b.decoded)} decoded in one drain ` +
          `at ${fmt(b.rate)} events/s (1 core) (${fmt(b.lost)} did not fit the 128 MiB ring)`,
      );
    }
    const every = Math.max(1, Math.floor(base.rate / 200_000));
    const p = await paced(size, every);
    console.log(
      `${size}-byte records  paced: 1 record per ${every} reads = ${fmt(p.rate)} events/s, ` +
        `${fmt(p.decoded)} decoded, ${fmt(p.lost)} lost`,
    );
  }
  const d = decodeOnly(1_000_000);
  console.log(
    `decode only (16-byte records, plain memory): drain ${fmt(d.drain)}/s, drainView ${fmt(d.drainView)}/s ` +
      `(${(d.drainView / d.drain).toFixed(2)}x), drainCopy ${fmt(d.drainCopy)}/s (${(d.drainCopy / d.drain).toFixed(2)}x)`,
  );
  console.log(`(checksum ${checksum})`);
}

try {
  await main();
} finally {
  DD.remove();
}
