// bench/tools-profile: bpfkit profile next to libbpf-tools' profile and a bpftrace profile one-liner:
// start-up to ready, peak RSS, and the time of a CPU-bound workload while sampling at 49 Hz, as
// medians of interleaved runs; then bpfkit's ratios to each peer that ran
// (run as root: npx tsx bench/tools-profile.ts [runs]).

import { existsSync } from 'node:fs';
import { bpfkitCli, installed, type Peer, runWorkload, type Session, session } from './tools-common.js';

const runs = Number(process.argv[2] ?? 3);
const workload = ['/bin/sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64k count=300000 status=none'];
const libbpfProfile = ['/usr/sbin/profile', '/usr/sbin/profile-bpfcc-libbpf'].find((p) => existsSync(p));
const peers: Peer[] = [
  { name: 'bpfkit profile', argv: [...bpfkitCli(), 'profile', '-F', '49'], ready: /Sampling at/ },
  {
    name: 'libbpf-tools profile',
    argv: libbpfProfile ? [libbpfProfile, '-F', '49'] : undefined,
    ready: /Sampling at/,
  },
  {
    name: 'bpftrace profile',
    argv: installed(['/usr/bin/bpftrace', '-e', 'profile:hz:49 { @[kstack, ustack, comm] = count(); }']),
    ready: /Attaching/,
  },
];

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

console.log(
  `profile: start-up, peak RSS and workload time while sampling\nworkload: ${workload.join(' ')}\nmedian of ${runs} interleaved runs\n`,
);
runWorkload(workload);
const bases: number[] = [];
const all = new Map<string, Session[]>();
const failed = new Map<string, string>();
for (let i = 0; i < runs; i++) {
  bases.push(runWorkload(workload));
  for (const peer of peers) {
    if (!peer.argv || failed.has(peer.name)) continue;
    try {
      all.set(peer.name, [...(all.get(peer.name) ?? []), await session(peer, workload)]);
    } catch (err) {
      failed.set(peer.name, (err as Error).message);
    }
  }
}
const base = median(bases);
console.log(`${'untraced'.padEnd(24)} workload ${base.toFixed(0).padStart(6)} ms`);
const results = new Map<string, { startup: number; rss: number; work: number }>();
for (const peer of peers) {
  const ss = all.get(peer.name);
  if (!peer.argv) console.log(`${peer.name.padEnd(24)} not installed`);
  else if (!ss || failed.has(peer.name))
    console.log(`${peer.name.padEnd(24)} failed: ${failed.get(peer.name) ?? 'no runs'}`);
  else {
    const r = {
      startup: median(ss.map((s) => s.startupMs)),
      rss: median(ss.map((s) => s.peakRssMb)),
      work: median(ss.map((s) => s.workloadMs)),
    };
    results.set(peer.name, r);
    console.log(
      `${peer.name.padEnd(24)} start-up ${r.startup.toFixed(0).padStart(5)} ms  peak RSS ${r.rss.toFixed(1).padStart(6)} MB  workload ${r.work.toFixed(0).padStart(6)} ms (x${(r.work / base).toFixed(2)} untraced)`,
    );
  }
}
const ours = results.get(peers[0]!.name);
if (ours) {
  console.log(`\nbpfkit peak RSS ${ours.rss.toFixed(1)} MB (goal < 80 MB)`);
  for (const [name, r] of results) {
    if (name === peers[0]!.name) continue;
    console.log(
      `bpfkit / ${name}: start-up x${(ours.startup / r.startup).toFixed(2)}, workload time x${(ours.work / r.work).toFixed(2)}, RSS x${(ours.rss / r.rss).toFixed(2)}`,
    );
  }
}
