// A TCP client and server in one python3 process, on a given family and host, optionally inside a
// network namespace the test creates: prints its pid and both ports as JSON.

import { execFileSync } from 'node:child_process';
import { startWorkload, type Workload } from './capture.js';

const PAIR = `
import json, os, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = sys.argv[2]
s = socket.socket(fam); s.bind((host, 0)); s.listen()
c = socket.socket(fam); c.connect((host, s.getsockname()[1])); a, _ = s.accept()
print(json.dumps({'pid': os.getpid(), 'server': s.getsockname()[1], 'client': c.getsockname()[1]}))
c.close(); a.close(); s.close()
`;

/** PairInfo is what the pair printed. */
export interface PairInfo {
  pid: number;
  server: number;
  client: number;
}

/** tcpPair starts the pair; `netns` runs it in that namespace. */
export function tcpPair(family: 4 | 6, host: string, netns?: string): Workload {
  const argv = ['python3', '-c', PAIR, String(family), host];
  return netns
    ? startWorkload('ip', ['netns', 'exec', netns, ...argv])
    : startWorkload(argv[0]!, argv.slice(1));
}

/** pairInfo parses the pair's output. */
export const pairInfo = (w: Workload): PairInfo => JSON.parse(w.stdout()) as PairInfo;

/** withNetns runs fn with a fresh network namespace whose loopback is up, and deletes it after. */
export async function withNetns<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `bpfkit-h9-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    return await fn(ns);
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}
