// bench/tools-tcplife: bpfkit tcplife next to libbpf-tools' and bpftrace's, on 2,000 TCP sessions over
// 127.0.0.1 (run as root: npx tsx bench/tools-tcplife.ts [runs]).

import { bpfkitCli, compare, installed } from './tools-common.js';

const runs = Number(process.argv[2] ?? 3);
const SESSIONS = `
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(128); addr = s.getsockname()
for i in range(2000):
    c = socket.create_connection(addr); a, _ = s.accept()
    c.sendall(b'x' * 100); a.recv(100); c.close(); a.close()
`;
await compare(
  'tcplife: start-up to header, peak RSS, and the cost of tracing short TCP sessions',
  [
    { name: 'bpfkit tcplife', argv: [...bpfkitCli(), 'tcplife'], ready: /RADDR/ },
    { name: 'libbpf-tools tcplife', argv: installed(['/usr/sbin/tcplife'], true), ready: /RADDR/ },
    { name: 'bpftrace tcplife.bt', argv: installed(['/usr/sbin/tcplife.bt']), ready: /RADDR/ },
  ],
  ['python3', '-c', SESSIONS],
  runs,
);
