// Streaming overhead: how much slower `dd if=/dev/zero of=/dev/null bs=1 count=300000` runs while
// every read(2) it makes is streamed to user space and printed as "pid count", by bpfkit (tracepoint
// program → ring buffer → JavaScript) and by bpftrace's per-event printf, against no tracing.
//
//   npx tsx bench/streaming-overhead.ts      (root; bpftrace optional)
//
// bpfkit formats each event in JavaScript and writes the lines to a file in /tmp; bpftrace's lines go
// to a pipe this process drains (full buffering, as bpftrace does for any non-terminal output).
// bpfkit runs twice: with bpf_ringbuf_output's default wake-ups and an epoll reader (a wake-up, an
// irq_work in dd, per record the reader has caught up with), and with ringbufOutputAdaptive
// (BPF_RB_NO_WAKEUP until the ring is half full) read on a 10 ms timer through a reused RecordView.
// dd runs as a private copy (see privateDd) so other dd runs on the machine stay out of the numbers.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { attachTracepoint } from '../src/kernel/link-tracepoint.js';
import { BpfMap } from '../src/kernel/map.js';
import { Program } from '../src/kernel/program.js';
import { RingBuffer } from '../src/kernel/ringbuf.js';
import { privateDd, readProducer } from './ringbuf-producer.js';

const COUNT = Number(process.env.DD_COUNT ?? 300_000);
const RUNS = Number(process.env.RUNS ?? 3);
const BPFTRACE = ['/usr/bin/bpftrace', '/usr/local/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) =>
  existsSync(p),
);
const DD = privateDd();
const SCRIPT = `tracepoint:syscalls:sys_enter_read /comm=="${DD.comm}"/ { printf("%d %d\\n", pid, args->count); }`;
const RING = 16 << 20;

/** Timing is one configuration's median dd wall time and dd's own CPU time (user + system). */
interface Timing {
  wall: number;
  cpu: number;
}

/**
 * runDd times one dd. The CPU time comes from bash's `time` (the child's rusage): unlike wall time it
 * does not grow when other work on the machine takes dd's core, and it includes the tracing done in
 * dd's context (the tracepoint program, the ring buffer output, the wake-up's irq_work).
 */
function runDd(count = COUNT): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const script = `TIMEFORMAT='%U %S'; time "$0" if=/dev/zero of=/dev/null bs=1 count=${count} 2>/dev/null`;
    const sh = spawn('bash', ['-c', script, DD.path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    sh.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    sh.on('error', reject);
    sh.on('exit', () => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const [user, sys] = err.trim().split(/\s+/).map(Number);
      if (user === undefined || sys === undefined || Number.isNaN(user + sys))
        return reject(new Error(`could not read dd's CPU time from: ${err.trim()}`));
      resolve({ wall, cpu: user + sys });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianTiming = (ts: Timing[]): Timing => ({
  wall: median(ts.map((t) => t.wall)),
  cpu: median(ts.map((t) => t.cpu)),
});

/** Tracer is one bpfkit configuration, loaded once and attached only for its own dd runs. */
interface Tracer {
  attach(): { close(): void };
  /** flush waits until the reader has caught up and writes out the pending lines. */
  flush(): Promise<void>;
  close(): Promise<void>;
  lines(): number;
  lost(): number;
}

function bpfkit(comm: string, mode: 'epoll' | 'timer'): Tracer {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: RING, name: 'events' });
  const lostMap = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'lost' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: readProducer({ size: 16, comm, ...(mode === 'timer' ? { wakeAt: RING / 2 } : {}) }),
    maps: { events, lost: lostMap },
    name: 'dd_reads',
  });
  const outPath = `/tmp/bpfkit-bench-${process.pid}-${mode}-${comm}.out`;
  const out = openSync(outPath, 'w');
  let pending = '';
  let lines = 0;
  const line = (pid: number, count: number) => {
    pending += `${pid} ${count}\n`;
    lines++;
    if (pending.length > 65536) {
      writeSync(out, pending);
      pending = '';
    }
  };
  const rb = new RingBuffer(events, mode === 'timer' ? { wakeup: 'timer', intervalMs: 10 } : {});
  const reading =
    mode === 'timer'
      ? rb.startViews((rec) => line(rec.u32(0), rec.u32(8)))
      : rb.start((d) => {
          const pid = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
          const count = d[8]! | (d[9]! << 8) | (d[10]! << 16) | (d[11]! << 24);
          line(pid, count);
        });
  return {
    attach: () => attachTracepoint(prog, 'syscalls', 'sys_enter_read'),
    flush: async () => {
      while (rb.available > 0) await new Promise((r) => setImmediate(r));
      writeSync(out, pending);
      pending = '';
    },
    close: async () => {
      await rb.closeAsync();
      await reading;
      closeSync(out);
      rmSync(outPath, { force: true });
      prog.close();
      events.close();
      lostMap.close();
    },
    lines: () => lines,
    lost: () => Number(lostMap.get(Buffer.alloc(4))!.readBigUInt64LE(0)),
  };
}

interface Config {
  label: string;
  tracer?: Tracer;
  times: Timing[];
}

/**
 * measure runs dd RUNS times under each configuration, round-robin, so that load from elsewhere on
 * the machine drifts over all of them alike.
 */
async function measure(configs: Config[]): Promise<void> {
  for (let round = 0; round < RUNS; round++) {
    for (const c of configs) {
      const link = c.tracer?.attach();
      try {
        c.times.push(await runDd());
      } finally {
        link?.close();
      }
      await c.tracer?.flush();
    }
  }
}

async function bpftrace(path: string): Promise<{ time: Timing; lines: number }> {
  // Output goes to a pipe this process drains, bpftrace's default buffering for non-terminals.
  const bt = spawn(path, ['-e', SCRIPT], { stdio: ['ignore', 'pipe', 'ignore'] });
  let lines = 0;
  bt.stdout!.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
  });
  const exited = new Promise<void>((r) => bt.on('exit', () => r()));
  try {
    // Attached once small dd runs produce output (enough of it to flush bpftrace's buffer).
    while (lines < 1000) {
      if (bt.exitCode !== null) throw new Error('bpftrace exited before attaching');
      await runDd(20_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    const warmup = lines;
    const t: Timing[] = [];
    for (let i = 0; i < RUNS; i++) t.push(await runDd());
    bt.kill('SIGINT');
    await exited;
    return { time: medianTiming(t), lines: lines - warmup };
  } finally {
    if (bt.exitCode === null) bt.kill('SIGKILL');
  }
}

type Slowdown = { wall: number; cpu: number };

/** row prints a configuration's times and its slowdowns against the untraced run. */
function row(label: string, t: Timing, base: Timing, note: string): Slowdown {
  const slow = { wall: t.wall / base.wall, cpu: t.cpu / base.cpu };
  console.log(
    `${label.padEnd(24)}${t.wall.toFixed(3)} s ${slow.wall.toFixed(2)}x   ${t.cpu.toFixed(3)} s ${slow.cpu.toFixed(2)}x  ${note}`,
  );
  return slow;
}

async function main(): Promise<void> {
  console.log(
    `streaming overhead: dd (as ${DD.comm}) if=/dev/zero of=/dev/null bs=1 count=${COUNT}, ` +
      `median of ${RUNS} runs, configurations taken in turn`,
  );
  console.log(`${''.padEnd(24)}wall   slowdown   dd CPU  slowdown`);
  const configs: Config[] = [
    { label: 'untraced', times: [] },
    // The same program filtering on a name no process has: the cost of the syscall tracepoint alone.
    { label: 'bpfkit, no events', tracer: bpfkit('none', 'epoll'), times: [] },
    { label: 'bpfkit wake-ups+epoll', tracer: bpfkit(DD.comm, 'epoll'), times: [] },
    { label: 'bpfkit NO_WAKEUP+timer', tracer: bpfkit(DD.comm, 'timer'), times: [] },
  ];
  // Counts are read before the tracers close their maps.
  const notes = new Map<Config, string>();
  try {
    await measure(configs);
    for (const c of configs)
      if (c.tracer) notes.set(c, `(${c.tracer.lines()} lines printed, ${c.tracer.lost()} lost)`);
  } finally {
    for (const c of configs) await c.tracer?.close();
  }
  const base = medianTiming(configs[0]!.times);
  const slow = configs.map((c) => {
    const note = notes.get(c) ?? '';
    return row(
      c.label,
      medianTiming(c.times),
      base,
      c.label === 'bpfkit, no events' ? '(tracepoint cost)' : note,
    );
  });
  const [, , epoll, timer] = slow as [unknown, unknown, Slowdown, Slowdown];
  const added = (x: number) => x - 1;
  console.log(
    `NO_WAKEUP+timer / wake-ups+epoll, added time per event: wall ` +
      `${(added(timer.wall) / added(epoll.wall)).toFixed(2)}, dd CPU ` +
      `${(added(timer.cpu) / added(epoll.cpu)).toFixed(2)}`,
  );
  if (!BPFTRACE) {
    console.log('bpftrace                bpftrace not installed');
    return;
  }
  const bt = await bpftrace(BPFTRACE);
  const btSlow = row('bpftrace printf', bt.time, base, `(${bt.lines} lines printed)`);
  for (const [name, s] of [
    ['epoll', epoll],
    ['timer', timer],
  ] as const) {
    console.log(
      `bpfkit ${name}: added time per event is ${((added(s.wall) / added(btSlow.wall)) * 100).toFixed(0)}% ` +
        `(wall), ${((added(s.cpu) / added(btSlow.cpu)) * 100).toFixed(0)}% (dd CPU) of bpftrace's (goal: 33% or less)`,
    );
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  DD.remove();
}
