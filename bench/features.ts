// bench/features: how fast `bpfkit features` answers and how much memory it takes, next to
// `bpftool feature probe kernel` on the same machine.
// Run as root: `node --import tsx bench/features.ts [runs]`.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfkitCli } from './bpfkit-cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
const TIME = '/usr/bin/time';
const BPFTOOL = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/usr/local/sbin/bpftool'].find((p) =>
  existsSync(p),
);

interface Sample {
  ms: number;
  rssKiB: number | undefined;
  ok: boolean;
}

/** measure runs argv once; wall time from here, peak RSS from GNU time when it is installed. */
function measure(argv: string[]): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-'));
  const out = join(dir, 'time');
  const withTime = existsSync(TIME) ? [TIME, '-f', '%M', '-o', out, ...argv] : argv;
  const t0 = performance.now();
  const r = spawnSync(withTime[0]!, withTime.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  let rssKiB: number | undefined;
  try {
    rssKiB = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  } catch {
    rssKiB = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms, rssKiB, ok: r.status === 0 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

function series(name: string, argv: string[]): { ms: number; rss: number | undefined } | undefined {
  measure(argv); // warm the page cache (and tsx's transform cache)
  const samples = Array.from({ length: runs }, () => measure(argv));
  if (!samples.every((s) => s.ok)) {
    console.log(`${name}: failed (exit status non-zero); run as root`);
    return undefined;
  }
  const ms = median(samples.map((s) => s.ms));
  const rssList = samples.map((s) => s.rssKiB).filter((v): v is number => v !== undefined);
  const rss = rssList.length ? median(rssList) : undefined;
  console.log(
    `${name.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms   peak RSS ${rss === undefined ? 'n/a (no /usr/bin/time)' : `${(rss / 1024).toFixed(1)} MiB`}`,
  );
  return { ms, rss };
}

console.log(`bpfkit features vs bpftool feature probe kernel — median of ${runs} runs, after one warm-up\n`);

const ours = series('bpfkit features', [...bpfkitCli(), 'features']);

// In-process cost: just the probes, without Node's start-up.
const { probeFeaturesSync } = await import('../src/kernel/features.js');
const t0 = performance.now();
let inProcess: number | undefined;
try {
  probeFeaturesSync();
  inProcess = performance.now() - t0;
  console.log(
    `${'bpfkit probes in-process (no start-up)'.padEnd(44)} ${inProcess.toFixed(1).padStart(8)} ms`,
  );
} catch (err) {
  console.log(`bpfkit probes in-process: ${err instanceof Error ? err.message : String(err)}`);
}

if (!BPFTOOL) {
  console.log('bpftool not installed: no comparison');
} else {
  const theirs = series('bpftool feature probe kernel', [BPFTOOL, 'feature', 'probe', 'kernel']);
  if (ours && theirs) {
    console.log('');
    console.log(`time ratio bpfkit/bpftool: ${(ours.ms / theirs.ms).toFixed(2)}x`);
    if (inProcess !== undefined)
      console.log(`probe-only ratio bpfkit/bpftool: ${(inProcess / theirs.ms).toFixed(2)}x`);
    if (ours.rss !== undefined && theirs.rss !== undefined) {
      console.log(`peak RSS ratio bpfkit/bpftool: ${(ours.rss / theirs.rss).toFixed(2)}x`);
    }
  }
}
