// bench/lang-startup: `bpfkit run` next to bpftrace on the same one-liners — start-up (spawn to
// probes attached, signalled by BEGIN's output, which both run after attaching), peak RSS, the
// slowdown of a dd syscall storm under in-kernel aggregation and under per-event printf, and the
// events each reports lost. Run: npx tsx bench/lang-startup.ts (RUNS=5 by default).

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bpfkitCli } from './bpfkit-cli.js';

const runs = Number(process.env.RUNS ?? 5);
const BPFTRACE = '/usr/bin/bpftrace';

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface Result {
  startupMs: number;
  rssMb: number;
  workloadMs: number;
  lost: number;
  lines: number;
}

/**
 * runWorkloadAsync is runWorkload that keeps this process reading the tracer's pipe meanwhile: with
 * the event loop blocked, a tracer that writes synchronously stalls on a full pipe and the kernel
 * drops its events, which makes it look cheap.
 */
function runWorkloadAsync(argv: string[]): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - t));
  });
}

function runWorkload(argv: string[]): number {
  const t = performance.now();
  spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  return performance.now() - t;
}

/** once starts a tracer, waits for "ready" from BEGIN, runs the workload, records RSS, and stops it. */
async function once(argv: string[], workload: string[] | undefined, warmup?: string[]): Promise<Result> {
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let startupMs = Number.NaN;
  let lines = 0;
  let err = '';
  let tail = '';
  let lostOut = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} was not ready after 60 s`));
    }, 60_000);
    child.on('error', reject);
    child.on('exit', () => reject(new Error(`${argv.join(' ')} exited early: ${err.trim()}`)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      // Count lines without keeping megabytes of printf output.
      for (let i = d.indexOf('\n'); i !== -1; i = d.indexOf('\n', i + 1)) lines++;
      // bpftrace reports lost events on stdout; a report split across chunks is counted once.
      const seen = tail + d;
      if (seen.includes('Lost '))
        for (const m of seen.matchAll(/Lost (\d+) events\n/g))
          if (m.index + m[0].length > tail.length) lostOut += Number(m[1]);
      tail = seen.slice(-64);
      // The whole chunk is searched: other tracees' lines may follow "ready" in the same read.
      if (Number.isNaN(startupMs) && seen.includes('ready\n')) {
        startupMs = performance.now() - t0;
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  // bpftrace 0.17 runs BEGIN before its other probes are attached: "ready" alone would time a workload
  // that is mostly untraced. A warm-up command is repeated until the tracer prints for it.
  if (warmup) {
    const before = lines;
    for (let i = 0; i < 100 && lines === before; i++) {
      runWorkload(warmup);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (lines === before) throw new Error(`${argv.join(' ')} printed nothing for ${warmup.join(' ')}`);
  }
  const workloadMs = workload ? await runWorkloadAsync(workload) : 0;
  // bpftrace 0.17 ignores a SIGINT that comes within about a second of BEGIN; give both tracers time,
  // let them finish printing what the workload produced, and repeat the interrupt until they exit.
  await new Promise((r) => setTimeout(r, 1500));
  for (let seen = -1, i = 0; seen !== lines && i < 120; i++) {
    seen = lines;
    await new Promise((r) => setTimeout(r, 500));
  }
  const rssMb = peakRssMb(child.pid!);
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  child.kill('SIGINT');
  const retry = setInterval(() => child.kill('SIGINT'), 2000);
  const hard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await closed;
  clearInterval(retry);
  clearTimeout(hard);
  // bpftrace: "Lost 123 events"; bpfkit: "bpfkit: warning: 123 events were lost ...".
  const lost = [...err.matchAll(/Lost (\d+) events|(\d+) events? w(?:as|ere) lost/g)].reduce(
    (n, m) => n + Number(m[1] ?? m[2]),
    lostOut,
  );
  return { startupMs, rssMb, workloadMs, lost, lines };
}

const bpfkit = bpfkitCli();
const haveBpftrace = existsSync(BPFTRACE);
const argvFor = (tool: 'bpfkit' | 'bpftrace', prog: string): string[] =>
  // bpftrace fully buffers a piped stdout unless told otherwise; "ready" must arrive when printed.
  tool === 'bpfkit' ? [...bpfkit, 'run', '-e', prog] : [BPFTRACE, '-B', 'none', '-e', prog];

async function startup(): Promise<void> {
  const oneLiners = [
    'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }',
    'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }',
    'tracepoint:syscalls:sys_exit_read /args->ret > 0/ { @bytes = hist(args->ret); }',
    'tracepoint:sched:sched_process_exec { printf("%s %s\\n", comm, str(args->filename)); }',
    'profile:hz:99 { @[kstack] = count(); }',
    'tracepoint:syscalls:sys_enter_* { @[probe] = count(); }',
  ];
  console.log(`start-up (spawn to probes attached) and peak RSS, median of ${runs}\n`);
  console.log(`${'one-liner'.padEnd(80)} ${'bpfkit'.padStart(16)} ${'bpftrace'.padStart(16)}   time   RSS`);
  let sumRatioT = 0;
  let sumRatioM = 0;
  let n = 0;
  for (const p of oneLiners) {
    const prog = `BEGIN { printf("ready\\n"); } ${p}`;
    const ours: Result[] = [];
    const theirs: Result[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await once(argvFor('bpfkit', prog), undefined));
      if (haveBpftrace) theirs.push(await once(argvFor('bpftrace', prog), undefined));
    }
    const o = { t: median(ours.map((r) => r.startupMs)), m: median(ours.map((r) => r.rssMb)) };
    const t = { t: median(theirs.map((r) => r.startupMs)), m: median(theirs.map((r) => r.rssMb)) };
    const fmt = (x: { t: number; m: number }) =>
      `${x.t.toFixed(0).padStart(5)} ms ${x.m.toFixed(0).padStart(4)} MB`;
    const rt = o.t / t.t;
    const rm = o.m / t.m;
    if (haveBpftrace) {
      sumRatioT += rt;
      sumRatioM += rm;
      n++;
    }
    console.log(
      `${p.slice(0, 80).padEnd(80)} ${fmt(o).padStart(16)} ${haveBpftrace ? fmt(t).padStart(16) : 'not installed'.padStart(16)}  x${rt.toFixed(2)} x${rm.toFixed(2)}`,
    );
  }
  if (n)
    console.log(
      `\nmean ratio bpfkit/bpftrace: start-up x${(sumRatioT / n).toFixed(2)}, peak RSS x${(sumRatioM / n).toFixed(2)} (goal: at most x0.50)\n`,
    );
}

/** DD is dd copied under a name of this run's own, so a `comm == "dd"` filter sees no one else's dd. */
const DD = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-'));
  const path = join(dir, `dd${process.pid}`.slice(0, 15));
  copyFileSync('/bin/dd', path);
  chmodSync(path, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return path;
})();
const ddComm = basename(DD);

async function overhead(
  title: string,
  prog: string,
  goal: string,
  warmup?: string[],
  floorProg?: string,
): Promise<void> {
  const workload = [DD, 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=300000'];
  prog = prog.replaceAll('"dd"', `"${ddComm}"`);
  if (warmup) warmup = [DD, ...warmup.slice(1)];
  floorProg = floorProg?.replaceAll('"dd"', `"${ddComm}"`);
  const base: number[] = [];
  const floor: Result[] = [];
  const ours: Result[] = [];
  const theirs: Result[] = [];
  runWorkload(workload);
  for (let i = 0; i < runs; i++) {
    base.push(await runWorkloadAsync(workload));
    ours.push(await once(argvFor('bpfkit', `BEGIN { printf("ready\\n"); } ${prog}`), workload, warmup));
    // bpfkit runs BEGIN only once every probe is attached, so "ready" is enough without a warm-up.
    if (floorProg)
      floor.push(await once(argvFor('bpfkit', `BEGIN { printf("ready\\n"); } ${floorProg}`), workload));
    if (haveBpftrace)
      theirs.push(await once(argvFor('bpftrace', `BEGIN { printf("ready\\n"); } ${prog}`), workload, warmup));
  }
  const b = median(base);
  const o = median(ours.map((r) => r.workloadMs));
  const t = median(theirs.map((r) => r.workloadMs));
  console.log(`${title}\n  ${prog}\n  workload: ${workload.join(' ')}, median of ${runs} interleaved runs`);
  console.log(`  untraced  ${b.toFixed(0).padStart(6)} ms`);
  const line = (name: string, ms: number, rs: Result[]) =>
    `  ${name.padEnd(9)} ${ms.toFixed(0).padStart(6)} ms  slowdown +${(ms - b).toFixed(0)} ms (x${(ms / b).toFixed(2)})  lines ${median(rs.map((r) => r.lines))}  lost ${median(rs.map((r) => r.lost))}`;
  if (floorProg) {
    const f = median(floor.map((r) => r.workloadMs));
    console.log(
      `  ${'floor'.padEnd(9)} ${f.toFixed(0).padStart(6)} ms  slowdown +${(f - b).toFixed(0)} ms  (bpfkit: ${floorProg})`,
    );
  }
  console.log(line('bpfkit', o, ours));
  if (haveBpftrace) {
    console.log(line('bpftrace', t, theirs));
    console.log(`  bpfkit slowdown / bpftrace slowdown: ${((o - b) / (t - b)).toFixed(2)} (goal: ${goal})\n`);
  }
}

// ONLY=startup|aggregation|printf runs one section.
const only = process.env.ONLY;
if (!only || only === 'startup') await startup();
if (!only || only === 'aggregation') {
  await overhead(
    'in-kernel aggregation overhead',
    'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }',
    'within 10% of bpftrace, i.e. <= 1.10',
  );
}
if (!only || only === 'printf') {
  await overhead(
    'per-event printf overhead',
    'tracepoint:raw_syscalls:sys_enter /comm == "dd"/ { printf("%s %d %d\\n", comm, pid, args->id); }',
    'at most 0.33',
    ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=1'],
    // The same probe and predicate without the printf: what tracing every syscall costs by itself.
    'tracepoint:raw_syscalls:sys_enter /comm == "dd"/ { $id = args->id; }',
  );
}
