// Ring buffer to JavaScript: decoded events per second and lost events, for 64- and 256-byte records.
// The producer is a tracepoint program on sys_enter_read while `dd bs=1` makes a read(2) storm.
//
//   npx tsx bench/ringbuf.ts            (root; about 20 s)
//
// Three numbers per record size:
//   live   — records decoded while the storm runs, lost records, and events per consumer CPU-second
//   burst  — a ring filled by the storm with no reader, then drained: pure decode speed on one core
//   paced  — the program emits one record per k reads so the rate is at least about 200,000/s: lost must be 0

import { spawn } from 'node:child_process';
import { readToPerf, readToRingbuf } from '../src/kernel/link-test-programs.js';
import { attachTracepoint } from '../src/kernel/link-tracepoint.js';
import { BpfMap } from '../src/kernel/map.js';
import { PerfBuffer } from '../src/kernel/perfbuf.js';
import { Program } from '../src/kernel/program.js';
import { RingBuffer } from '../src/kernel/ringbuf.js';

const DD_COUNT = Number(process.env.DD_COUNT ?? 600_000);

function runDd(count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const dd = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${count}`], { stdio: 'ignore' });
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
    insns: readToRingbuf({ size, comm: 'dd', every }),
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

async function live(size: number, every: number) {
  const s = setup(size, every, 16 << 20);
  let decoded = 0;
  const reading = s.rb.start((d) => {
    decode(d);
    decoded++;
  });
  const link = s.attach();
  const cpu0 = process.cpuUsage();
  const seconds = await runDd(DD_COUNT);
  while (s.rb.available > 0) await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(cpu0);
  link.close();
  const lost = s.lost();
  const wakeups = s.rb.wakeups;
  await s.close();
  await reading;
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

/** perfLive is the peer: the same storm through a PerfBuffer (bpf_perf_event_output, per-CPU rings). */
async function perfLive(size: number) {
  const events = BpfMap.create({ type: 'perf_event_array', name: 'events' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: readToPerf({ size, comm: 'dd' }),
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

async function burst(size: number) {
  const s = setup(size, 1, 128 << 20);
  const link = s.attach();
  await runDd(DD_COUNT);
  link.close();
  let decoded = 0;
  const t0 = process.hrtime.bigint();
  s.rb.poll((d) => {
    decode(d);
    decoded++;
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lost = s.lost();
  await s.close();
  return { decoded, lost, rate: decoded / seconds };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(`ring buffer bench: producer = tracepoint sys_enter_read, dd bs=1 count=${DD_COUNT}`);
  for (const size of [64, 256]) {
    const l = await live(size, 1);
    console.log(
      `${size}-byte records  live:  ${fmt(l.decoded)} decoded, ${fmt(l.lost)} lost, storm ${fmt(l.rate)} events/s, ` +
        `${fmt(l.perCpuSecond)} decoded per consumer CPU-second, ${fmt(l.perWakeup)} per wake-up`,
    );
    const p0 = await perfLive(size);
    console.log(
      `${size}-byte records  peer:  PerfBuffer ${fmt(p0.decoded)} decoded, ${fmt(p0.lost)} lost, ` +
        `${fmt(p0.perCpuSecond)} per consumer CPU-second; ring buffer / perf buffer = ` +
        `${(l.perCpuSecond / p0.perCpuSecond).toFixed(2)}x`,
    );
    const b = await burst(size);
    console.log(
      `${size}-byte records  burst: ${fmt(b.decoded)} decoded in one drain at ${fmt(b.rate)} events/s (1 core)` +
        ` (${fmt(b.lost)} did not fit the 128 MiB ring)`,
    );
    const every = Math.max(1, Math.floor(l.rate / 200_000));
    const p = await live(size, every);
    console.log(
      `${size}-byte records  paced: 1 record per ${every} reads = ${fmt(p.rate)} events/s, ` +
        `${fmt(p.decoded)} decoded, ${fmt(p.lost)} lost`,
    );
  }
  console.log(`(checksum ${checksum})`);
}

await main();
