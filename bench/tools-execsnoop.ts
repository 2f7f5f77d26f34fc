// bench/tools-execsnoop: bpfkit execsnoop next to libbpf-tools' and bpftrace's, on 300 execs
// (run as root: npx tsx bench/tools-execsnoop.ts [runs]).

import { bpfkitCli, compare, installed } from './tools-common.js';

const runs = Number(process.argv[2] ?? 3);
await compare(
  'execsnoop: start-up to header, peak RSS, and the cost of tracing a fork+exec loop',
  [
    { name: 'bpfkit execsnoop', argv: [...bpfkitCli(), 'execsnoop'], ready: /PCOMM/ },
    { name: 'libbpf-tools execsnoop', argv: installed(['/usr/sbin/execsnoop'], true), ready: /PCOMM/ },
    { name: 'bpftrace execsnoop.bt', argv: installed(['/usr/sbin/execsnoop.bt']), ready: /PID/ },
  ],
  ['/bin/sh', '-c', 'i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done'],
  runs,
);
