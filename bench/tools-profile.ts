// bench/tools-profile: bpfkit profile next to libbpf-tools' profile and bpftrace's profile one-liner:
// start-up to ready, peak RSS, and the slowdown of a CPU-bound workload while sampling at 49 Hz
// (run as root: npx tsx bench/tools-profile.ts [runs]).

import { existsSync } from 'node:fs';
import { bpfkitCli, compare, installed } from './tools-common.js';

const runs = Number(process.argv[2] ?? 3);
const libbpfProfile = ['/usr/sbin/profile', '/usr/sbin/profile-bpfcc-libbpf'].find((p) => existsSync(p));
await compare(
  'profile: start-up to ready, peak RSS, and the cost of sampling stacks of a CPU-bound workload',
  [
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
  ],
  ['/bin/sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64k count=300000 status=none'],
  runs,
);
