// Streaming overhead: how much slower `dd if=/dev/zero of=/dev/null bs=1 count=300000` runs while
// every read(2) it makes is streamed to user space and printed as "pid count", by bpfkit (tracepoint
// program → ring buffer → JavaScript) and by bpftrace's per-event printf, against no tracing.
//
//   npx tsx bench/streaming-overhead.ts      (root; bpftrace optional)
//
// bpfkit formats each event in JavaScript and writes the lines to a file in /tmp; bpftrace's lines go
// to a pipe this process drains (full buffering, as bpftrace does for any non-terminal output).

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { readToRingbuf } from '../src/kernel/link-test-programs.js';
import { attachTracepoint } from '../src/kernel/link-tracepoint.js';
import { BpfMap } from '../src/kernel/map.js';
import { Program } from '../src/kernel/program.js';
import { RingBuffer } from '../src/kernel/ringbuf.js';

const COUNT = Number(process.env.DD_COUNT ?? 300_000);
const RUNS = Number(process.env.RUNS ?? 3);
const BPFTRACE = ['/usr/bin/bpftrace', '/usr/local/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) =>
  existsSync(p),
);
const SCRIPT = 'tracepoint:syscalls:sys_enter_read /comm=="dd"/ { printf("%d %d\\n", pid, args->count); }';

function runDd(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const dd = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${COUNT}`], { stdio: 'ignore' });
    dd.on('error', reject);
    dd.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e9));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function untraced(): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) t.push(await runDd());
  return median(t);
}

async function bpfkit(comm = 'dd'): Promise<{ seconds: number; lines: number; lost: number }> {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: 16 << 20, name: 'events' });
  const lostMap = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'lost' });
  const prog = Program.load({
    type: 'tracepoint',
    insns: readToRingbuf({ size: 16, comm }),
    maps: { events, lost: lostMap },
    name: 'dd_reads',
  });
  const outPath = `/tmp/bpfkit-bench-${process.pid}.out`;
  const out = openSync(outPath, 'w');
  let pending = '';
  let lines = 0;
  const rb = new RingBuffer(events);
  const reading = rb.start((d) => {
    const pid = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
    const count = d[8]! | (d[9]! << 8) | (d[10]! << 16) | (d[11]! << 24);
    pending += `${pid} ${count}\n`;
    lines++;
    if (pending.length > 65536) {
      writeSync(out, pending);
      pending = '';
    }
  });
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_read');
  const t: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      t.push(await runDd());
      while (rb.available > 0) await new Promise((r) => setImmediate(r));
      writeSync(out, pending);
      pending = '';
    }
  } finally {
    link.close();
    await rb.closeAsync();
    await reading;
    closeSync(out);
    rmSync(outPath, { force: true });
  }
  const lost = Number(lostMap.get(Buffer.alloc(4))!.readBigUInt64LE(0));
  prog.close();
  events.close();
  lostMap.close();
  return { seconds: median(t), lines, lost };
}

async function bpftrace(path: string): Promise<{ seconds: number; lines: number }> {
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
      await new Promise<void>((resolve) => {
        spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=20000'], { stdio: 'ignore' }).on(
          'exit',
          () => resolve(),
        );
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    const warmup = lines;
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) t.push(await runDd());
    bt.kill('SIGINT');
    await exited;
    return { seconds: median(t), lines: lines - warmup };
  } finally {
    if (bt.exitCode === null) bt.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  console.log(`streaming overhead: dd if=/dev/zero of=/dev/null bs=1 count=${COUNT}, median of ${RUNS} runs`);
  const base = await untraced();
  console.log(`untraced            ${base.toFixed(3)} s`);
  // The same program filtering on a name no process has: the cost of the syscall tracepoint alone.
  const quiet = await bpfkit('none');
  console.log(
    `bpfkit, no events   ${quiet.seconds.toFixed(3)} s  ${(quiet.seconds / base).toFixed(2)}x  (tracepoint cost)`,
  );
  const ours = await bpfkit();
  const ourSlow = ours.seconds / base;
  console.log(
    `bpfkit ring buffer  ${ours.seconds.toFixed(3)} s  ${ourSlow.toFixed(2)}x  (${ours.lines} lines printed, ${ours.lost} lost)`,
  );
  if (!BPFTRACE) {
    console.log('bpftrace            bpftrace not installed');
    return;
  }
  const bt = await bpftrace(BPFTRACE);
  const btSlow = bt.seconds / base;
  console.log(
    `bpftrace printf     ${bt.seconds.toFixed(3)} s  ${btSlow.toFixed(2)}x  (${bt.lines} lines printed)`,
  );
  const ratio = (ourSlow - 1) / (btSlow - 1);
  console.log(
    `bpfkit's added time per event is ${(ratio * 100).toFixed(0)}% of bpftrace's (goal: 33% or less)`,
  );
}

try {
  await main();
} catch (err) {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
