// bench/tools-strace: how much `bpfkit strace` slows a syscall-heavy command (dd with 1-byte blocks)
// next to strace(1); dd's own elapsed time is compared, so tool start-up is not counted
// (run as root: npx tsx bench/tools-strace.ts [count] [runs]).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bpfkitCli } from './tools-common.js';

const count = Number(process.argv[2] ?? 300000);
const runs = Number(process.argv[3] ?? 3);
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
const series = (argv: string[]) => Array.from({ length: runs }, () => ddSeconds(argv));

console.log(`strace overhead on dd bs=1 (${2 * count} read/write syscalls), median of ${runs} runs\n`);
const base = median(series(dd(count)).map((r) => r.secs));
console.log(`${'untraced dd'.padEnd(34)} ${base.toFixed(3).padStart(8)} s`);

const cli = bpfkitCli();
for (const [name, extra] of [
  // The floor: both tracepoint programs run for every syscall, but none is recorded.
  ['bpfkit strace -e trace=close', ['-e', 'trace=close', '-o', '/dev/null']],
  ['bpfkit strace -o /dev/null', ['-o', '/dev/null']],
  ['bpfkit strace -c', ['-c', '-o', '/dev/null']],
] as const) {
  const rs = series([...cli, 'strace', ...extra, '--', ...dd(count)]);
  const secs = median(rs.map((r) => r.secs));
  const lost = rs.map((r) => /Lost (\d+)/.exec(r.stderr)?.[1] ?? '0').join('/');
  console.log(
    `${name.padEnd(34)} ${secs.toFixed(3).padStart(8)} s  x${(secs / base).toFixed(2)} untraced  (lost records per run: ${lost})`,
  );
}

if (existsSync('/usr/bin/strace')) {
  const small = median(series(dd(straceCount)).map((r) => r.secs));
  const traced = median(
    series(['/usr/bin/strace', '-o', '/dev/null', ...dd(straceCount)]).map((r) => r.secs),
  );
  console.log(
    `${`strace -o /dev/null (count=${straceCount})`.padEnd(34)} ${traced.toFixed(3).padStart(8)} s  x${(traced / small).toFixed(2)} untraced (same count)`,
  );
} else {
  console.log(`${'strace'.padEnd(34)} not installed`);
}
