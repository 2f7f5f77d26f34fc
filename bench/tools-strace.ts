// bench/tools-strace: how much `bpfkit strace` slows a syscall-heavy command (dd with 1-byte blocks)
// next to strace(1); dd's own elapsed time is compared, so tool start-up is not counted. Runs are
// interleaved (untraced, then each tracer, round after round) so a noisy neighbour hits all of them
// alike, and each ratio is of medians (run as root: npx tsx bench/tools-strace.ts [count] [runs]).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools-common.js';

const count = Number(process.argv[2] ?? 300000);
const runs = Number(process.argv[3] ?? 7);
// strace(1) is two orders of magnitude slower: it gets fewer blocks, and the ratio is per syscall.
const straceCount = Math.max(1000, Math.floor(count / 20));
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** ddSeconds runs argv (ending in a dd command) and returns dd's own elapsed seconds and stderr. */
function ddSeconds(argv: string[]): { secs: number; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const m = /copied, ([\d.]+) s/.exec(r.stderr);
  if (!m) throw new Error(`no dd summary from ${argv.join(' ')}: ${r.stderr.slice(-300)}`);
  return { secs: Number(m[1]), stderr: r.stderr };
}

const dd = (n: number) => ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${n}`];
// The CLI from source: a dist/ built earlier would measure old code.
const cli = [process.execPath, '--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];

interface Case {
  name: string;
  argv: string[];
  secs: number[];
  lost: string[];
  /** base names the untraced case this one is compared with. */
  base: string;
}

const cases: Case[] = [
  { name: 'untraced dd', argv: dd(count), base: 'untraced dd' },
  // The floor: both tracepoint programs run for every syscall, but none is recorded.
  {
    name: 'bpfkit strace -e trace=close',
    argv: [...cli, 'strace', '-e', 'trace=close', '-o', '/dev/null', '--', ...dd(count)],
    base: 'untraced dd',
  },
  {
    name: 'bpfkit strace -o /dev/null',
    argv: [...cli, 'strace', '-o', '/dev/null', '--', ...dd(count)],
    base: 'untraced dd',
  },
  {
    name: 'bpfkit strace -c',
    argv: [...cli, 'strace', '-c', '-o', '/dev/null', '--', ...dd(count)],
    base: 'untraced dd',
  },
].map((c) => ({ ...c, secs: [], lost: [] }));
if (existsSync('/usr/bin/strace')) {
  cases.push(
    { name: `untraced dd (count=${straceCount})`, argv: dd(straceCount), base: '', secs: [], lost: [] },
    {
      name: `strace -o /dev/null (count=${straceCount})`,
      argv: ['/usr/bin/strace', '-o', '/dev/null', ...dd(straceCount)],
      base: `untraced dd (count=${straceCount})`,
      secs: [],
      lost: [],
    },
  );
}

console.log(
  `strace overhead on dd bs=1 (${2 * count} read/write syscalls), median of ${runs} interleaved runs\n`,
);
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    const r = ddSeconds(c.argv);
    c.secs.push(r.secs);
    c.lost.push(/Lost (\d+)/.exec(r.stderr)?.[1] ?? '0');
  }
}
const byName = new Map(cases.map((c) => [c.name, c]));
for (const c of cases) {
  const secs = median(c.secs);
  const base = byName.get(c.base);
  const ratio = base && base !== c ? `  x${(secs / median(base.secs)).toFixed(2)} untraced` : '';
  const lost = c.argv[0] === process.execPath ? `  (lost records per run: ${c.lost.join('/')})` : '';
  console.log(`${c.name.padEnd(40)} ${secs.toFixed(3).padStart(8)} s${ratio}${lost}`);
}
if (!existsSync('/usr/bin/strace')) console.log(`${'strace'.padEnd(40)} not installed`);
