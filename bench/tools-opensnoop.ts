// bench/tools-opensnoop: bpfkit opensnoop next to libbpf-tools' and bpftrace's, on 50,000 opens
// of a relative name, so that -F (the working directory walked in the kernel) has work to do
// (run as root: npx tsx bench/tools-opensnoop.ts [runs]).

import { bpfkitCli, compare, installed } from './tools-common.js';

const runs = Number(process.argv[2] ?? 3);
const cli = bpfkitCli();
await compare(
  'opensnoop: start-up to header, peak RSS, and the cost of tracing an open/close loop',
  [
    { name: 'bpfkit opensnoop', argv: [...cli, 'opensnoop'], ready: /PATH/ },
    { name: 'bpfkit opensnoop -F', argv: [...cli, 'opensnoop', '-F'], ready: /PATH/ },
    { name: 'libbpf-tools opensnoop', argv: installed(['/usr/sbin/opensnoop'], true), ready: /PATH/ },
    { name: 'bpftrace opensnoop.bt', argv: installed(['/usr/sbin/opensnoop.bt']), ready: /PATH/ },
  ],
  [
    'python3',
    '-c',
    "import os\nos.chdir('/usr/share/doc')\nfor i in range(50000): os.close(os.open('.', os.O_RDONLY))",
  ],
  runs,
);
