import { execFileSync } from 'node:child_process';
import { describe, expect } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { runTcplife } from './tcplife.js';
import type { TcpLifeEvent } from './tcplife-format.js';
import { CaptureOutput, startWorkload, type Workload } from './testing/capture.js';

// A client and a server in one process: the client sends 3000 bytes, the server answers 5000.
const PAIR = `
import json, os, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = sys.argv[2]
s = socket.socket(fam); s.bind((host, int(sys.argv[3]) if len(sys.argv) > 3 else 0)); s.listen()
c = socket.socket(fam); c.connect((host, s.getsockname()[1])); a, _ = s.accept()
c.sendall(b'x' * 3000); got = 0
while got < 3000: got += len(a.recv(65536))
a.sendall(b'y' * 5000); got = 0
while got < 5000: got += len(c.recv(65536))
print(json.dumps({'pid': os.getpid(), 'server': s.getsockname()[1], 'client': c.getsockname()[1]}))
c.close(); a.close(); s.close()
`;

async function trace(opts: Parameters<typeof runTcplife>[0], start: () => Workload) {
  const out = new CaptureOutput();
  const events: TcpLifeEvent[] = [];
  let work: Workload | undefined;
  let started: (w: Workload) => void = () => {};
  const ran = new Promise<Workload>((r) => (started = r));
  const result = await runTcplife(
    {
      ...opts,
      onEvent: (e) => events.push(e),
      ready: () => {
        work = start();
        started(work);
      },
      done: ran.then((w) => w.exit),
    },
    out,
  );
  const w = work!;
  const info = JSON.parse(w.stdout()) as { pid: number; server: number; client: number };
  return { out, result, info, mine: events.filter((e) => e.pid === info.pid) };
}

describe('tcplife', () => {
  kernelIt('reports both ends of a 127.0.0.1 session with exact byte counts', async () => {
    const { out, info, mine, result } = await trace({}, () =>
      startWorkload('python3', ['-c', PAIR, '4', '127.0.0.1']),
    );
    expect(result.lost).toBe(0);
    const client = mine.find((e) => e.lport === info.client);
    const server = mine.find((e) => e.lport === info.server);
    expect(client).toMatchObject({
      comm: 'python3',
      laddr: '127.0.0.1',
      raddr: '127.0.0.1',
      rport: info.server,
    });
    // tcp_sock counts sequence space: the SYN and FIN each add one to what was acked or received.
    expect(client).toMatchObject({ txBytes: 3002, rxBytes: 5001 });
    expect(server).toMatchObject({ rport: info.client, txBytes: 5001, rxBytes: 3001 });
    expect(client!.spanUs).toBeGreaterThan(0);
    expect(out.lines[0]).toMatch(/^PID {5}COMM {13}LADDR {11}LPORT RADDR {11}RPORT TX_KB {2}RX_KB {2}MS$/);
    const line = out.lines.find((l) => l.includes(` ${info.client} `));
    expect(line).toMatch(
      new RegExp(
        `^${info.pid} +python3 +127\\.0\\.0\\.1 +${info.client} +127\\.0\\.0\\.1 +${info.server} +2\\.93 +4\\.88 +\\d+\\.\\d\\d$`,
      ),
    );
  });

  kernelIt('filters local ports in the kernel (-L)', async () => {
    const port = 20000 + (process.pid % 20000);
    const { mine } = await trace({ localPorts: [port] }, () =>
      startWorkload('python3', ['-c', PAIR, '4', '127.0.0.1', String(port)]),
    );
    expect(mine.map((e) => e.lport)).toEqual([port]);
  });

  kernelIt('reports IPv6 sessions inside a network namespace, and -4 hides them', async () => {
    const ns = `bpfkit-tcplife-${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      const run = () => startWorkload('ip', ['netns', 'exec', ns, 'python3', '-c', PAIR, '6', '::1']);
      const v6 = await trace({ family: 6, wide: true }, run);
      const client = v6.mine.find((e) => e.lport === v6.info.client);
      expect(client).toMatchObject({ laddr: '::1', raddr: '::1', txBytes: 3002, rxBytes: 5001 });
      expect(v6.mine).toHaveLength(2);
      const v4only = await trace({ family: 4 }, run);
      expect(v4only.mine).toEqual([]);
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });

  kernelIt('credits a session to the process that owned it, even when it closed first', async () => {
    // The server accepts, answers and closes first; the client, another process, reads to EOF.
    const server = startWorkload('python3', [
      '-c',
      `import json, os, socket, sys
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
print(json.dumps({'pid': os.getpid(), 'server': s.getsockname()[1], 'client': 0}), flush=True)
a, _ = s.accept(); a.sendall(b'z' * 2000); a.close(); s.close()`,
    ]);
    const port = await new Promise<number>((resolve) => {
      server.child.stdout!.once('data', (d: Buffer) =>
        resolve((JSON.parse(String(d)) as { server: number }).server),
      );
    });
    const { mine, info } = await trace({ localPorts: [port] }, () => {
      const client = startWorkload('python3', [
        '-c',
        `import socket
c = socket.create_connection(('127.0.0.1', ${port}))
while c.recv(65536): pass
c.close()`,
      ]);
      return { ...server, exit: Promise.all([server.exit, client.exit]).then(() => 0) };
    });
    expect(mine).toEqual([expect.objectContaining({ pid: info.pid, lport: port, txBytes: 2001 })]);
  });
});
