// Shared by the tools benches: a compiled bpfkit CLI, peers that may be missing, start-up time to the
// header line, peak RSS, and the slowdown of a workload while a tool is attached.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export { bpfkitCli } from './bpfkit-cli.js';

/** Peer is one implementation of a tool: its command line, or why it cannot run. */
export interface Peer {
  name: string;
  argv: string[] | undefined;
  /** ready says the header has been printed (the tool is attached). */
  ready: RegExp;
}

/**
 * installed returns argv when its program exists, else undefined ("not installed"). C tools buffer
 * stdout fully when it is a pipe, which would hide their header: `lineBuffered` runs them under
 * stdbuf -oL so start-up is measured to the header, as a terminal user would see it.
 */
export function installed(argv: string[], lineBuffered = false): string[] | undefined {
  if (!existsSync(argv[0]!)) return undefined;
  return lineBuffered && existsSync('/usr/bin/stdbuf') ? ['/usr/bin/stdbuf', '-oL', ...argv] : argv;
}

/** Session is one run of a tool around a workload. */
export interface Session {
  startupMs: number;
  workloadMs: number;
  peakRssMb: number;
  lines: number;
  /** irqWork counts IRQ-work interrupts machine-wide during the workload (ring buffer wake-ups). */
  irqWork: number;
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * irqWorkCount sums the IWI line of /proc/interrupts over CPUs (x86): a ring buffer producer that
 * wakes its reader does it through irq_work, a self-IPI in the traced task.
 */
function irqWorkCount(): number {
  const line = readFileSync('/proc/interrupts', 'utf8')
    .split('\n')
    .find((l) => l.trimStart().startsWith('IWI:'));
  if (!line) return Number.NaN;
  return line
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((f) => /^\d+$/.test(f))
    .reduce((a, f) => a + Number(f), 0);
}

/** runWorkload runs a command to completion and returns its wall time in ms. */
export function runWorkload(argv: string[]): number {
  const t = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`workload ${argv.join(' ')} failed: ${r.status}`);
  return performance.now() - t;
}

/**
 * session starts a tool, waits for its header, runs the workload, reads its RSS and stops it. The
 * tool writes to a file, as to a terminal nobody reads slowly: a pipe read by this (Node) process
 * would charge our reading to whichever tool prints the most.
 */
export async function session(peer: Peer, workload: string[]): Promise<Session> {
  const argv = peer.argv!;
  const file = join(tmpdir(), `bpfkit-bench-${process.pid}.out`);
  const fd = openSync(file, 'w');
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  let startupMs = Number.NaN;
  while (Number.isNaN(startupMs)) {
    if (peer.ready.test(readFileSync(file, 'utf8'))) startupMs = performance.now() - t0;
    else if (exited) {
      const why = err.trim().split('\n').at(-1) ?? '';
      throw new Error(`${peer.name} exited before it was ready${why ? `: ${why.slice(0, 120)}` : ''}`);
    } else await new Promise((r) => setTimeout(r, 2));
  }
  const irqBefore = irqWorkCount();
  const workloadMs = runWorkload(workload);
  const irqWork = irqWorkCount() - irqBefore;
  // Let the tool catch up with the events before measuring its memory and stopping it.
  await new Promise((r) => setTimeout(r, 500));
  const peakRssMb = peakRss(child.pid!);
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  child.kill('SIGINT');
  await closed;
  const lines = readFileSync(file, 'utf8').split('\n').length - 1;
  rmSync(file, { force: true });
  return { startupMs, workloadMs, peakRssMb, lines, irqWork };
}

/**
 * compare prints start-up, RSS, workload slowdown and output lines for each peer, medians of `runs`.
 * Runs are interleaved (untraced, then each peer) so that load from elsewhere hits all alike.
 */
export async function compare(title: string, peers: Peer[], workload: string[], runs: number): Promise<void> {
  console.log(`${title}\nworkload: ${workload.join(' ')}\nmedian of ${runs} interleaved runs\n`);
  runWorkload(workload);
  const bases: number[] = [];
  const baseIrqs: number[] = [];
  const all = new Map<string, Session[]>();
  const failed = new Map<string, string>();
  for (let i = 0; i < runs; i++) {
    const irqBefore = irqWorkCount();
    bases.push(runWorkload(workload));
    baseIrqs.push(irqWorkCount() - irqBefore);
    for (const peer of peers) {
      if (!peer.argv || failed.has(peer.name)) continue;
      try {
        const s = await session(peer, workload);
        all.set(peer.name, [...(all.get(peer.name) ?? []), s]);
      } catch (err) {
        failed.set(peer.name, (err as Error).message);
      }
    }
  }
  const base = median(bases);
  console.log(
    `${'untraced'.padEnd(26)} workload ${base.toFixed(0).padStart(6)} ms  irq_work ${median(baseIrqs)}`,
  );
  const results = new Map<string, Session>();
  for (const peer of peers) {
    const ss = all.get(peer.name);
    if (!peer.argv) {
      console.log(`${peer.name.padEnd(26)} not installed`);
      continue;
    }
    if (!ss || failed.has(peer.name)) {
      console.log(`${peer.name.padEnd(26)} failed: ${failed.get(peer.name) ?? 'no runs'}`);
      continue;
    }
    const s: Session = {
      startupMs: median(ss.map((x) => x.startupMs)),
      workloadMs: median(ss.map((x) => x.workloadMs)),
      peakRssMb: median(ss.map((x) => x.peakRssMb)),
      lines: median(ss.map((x) => x.lines)),
      irqWork: median(ss.map((x) => x.irqWork)),
    };
    results.set(peer.name, s);
    console.log(
      `${peer.name.padEnd(26)} start-up ${s.startupMs.toFixed(0).padStart(5)} ms  peak RSS ${s.peakRssMb.toFixed(1).padStart(6)} MB  workload ${s.workloadMs.toFixed(0).padStart(6)} ms (x${(s.workloadMs / base).toFixed(2)} untraced)  lines ${s.lines}  irq_work ${s.irqWork}`,
    );
  }
  const ours = results.get(peers[0]!.name);
  const ref = [...results.entries()].find(([n]) => n.startsWith('libbpf-tools'))?.[1];
  if (ours && ref) {
    console.log(
      `\nbpfkit vs libbpf-tools: start-up x${(ours.startupMs / ref.startupMs).toFixed(2)}, traced workload time x${(ours.workloadMs / ref.workloadMs).toFixed(2)}, RSS ${ours.peakRssMb.toFixed(1)} MB (goal < 80)`,
    );
  }
}
