// bench/tools-opensnoop: bpfkit opensnoop next to libbpf-tools' and bpftrace's, on 50,000 opens
// (run as root: npx tsx bench/tools-opensnoop.ts [runs]).

import { bpfkitCli, compare, installed } from './tools-common.js';

const runs = Number(process.argv[2] ?? 3);
await compare(
  'opensnoop: start-up to header, peak RSS, and the cost of tracing an open/close loop',
  [
    { name: 'bpfkit opensnoop', argv: [...bpfkitCli(), 'opensnoop'], ready: /PATH/ },
    { name: 'libbpf-tools opensnoop', argv: installed(['/usr/sbin/opensnoop'], true), ready: /PATH/ },
    { name: 'bpftrace opensnoop.bt', argv: installed(['/usr/sbin/opensnoop.bt']), ready: /PATH/ },
  ],
  ['python3', '-c', "import os\nfor i in range(50000): os.close(os.open('/etc/hostname', os.O_RDONLY))"],
  runs,
);
