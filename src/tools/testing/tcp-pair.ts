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

/**
 * withVethPair runs fn with two fresh namespaces joined by a veth pair: `a` has fd00::1 and `b`
 * has fd00::2 (no duplicate address detection, so both are usable at once).
 */
export async function withVethPair<T>(fn: (a: string, b: string) => Promise<T>): Promise<T> {
  const tag = `${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const a = `bpfkit-h9a-${tag}`;
  const b = `bpfkit-h9b-${tag}`;
  const ip = (...args: string[]) => execFileSync('ip', args);
  ip('netns', 'add', a);
  try {
    ip('netns', 'add', b);
    try {
      ip('link', 'add', 'h9a', 'netns', a, 'type', 'veth', 'peer', 'name', 'h9b', 'netns', b);
      ip('-n', a, 'addr', 'add', 'fd00::1/64', 'dev', 'h9a', 'nodad');
      ip('-n', b, 'addr', 'add', 'fd00::2/64', 'dev', 'h9b', 'nodad');
      for (const [ns, dev] of [
        [a, 'h9a'],
        [b, 'h9b'],
      ] as const) {
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'link', 'set', dev, 'up');
      }
      return await fn(a, b);
    } finally {
      ip('netns', 'del', b);
    }
  } finally {
    ip('netns', 'del', a);
  }
}

const SERVER = `
import json, os, socket, sys
s = socket.socket(socket.AF_INET6); s.bind(('fd00::2', 0)); s.listen()
print(json.dumps({'pid': os.getpid(), 'server': s.getsockname()[1]}), flush=True)
a, peer = s.accept(); a.close(); s.close()
`;

const CLIENT = `
import json, os, socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    try:
        c = socket.create_connection(('fd00::2', port)); break
    except OSError: time.sleep(0.02)
print(json.dumps({'pid': os.getpid(), 'client': c.getsockname()[1]})); c.close()
`;

/** VethRun is a server in `b` and a client in `a` that connects to it across the veth pair. */
export interface VethRun {
  server: Workload;
  client: Promise<Workload>;
  done: Promise<unknown>;
}

/** vethConnect starts the server, waits for its port, then starts the client. */
export function vethConnect(a: string, b: string): VethRun {
  const server = startWorkload('ip', ['netns', 'exec', b, 'python3', '-c', SERVER]);
  const client = new Promise<Workload>((resolve) => {
    const poll = setInterval(() => {
      const line = server.stdout().split('\n')[0] ?? '';
      if (!line.startsWith('{')) return;
      clearInterval(poll);
      const port = (JSON.parse(line) as { server: number }).server;
      resolve(startWorkload('ip', ['netns', 'exec', a, 'python3', '-c', CLIENT, String(port)]));
    }, 10);
  });
  return { server, client, done: Promise.all([server.exit, client.then((c) => c.exit)]) };
}
