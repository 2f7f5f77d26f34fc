import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import type { TcpEvent } from './tcp-event.js';
import { runTcpaccept } from './tcpaccept.js';
import { formatAccept, tcpacceptHeader } from './tcpaccept-format.js';
import { runTcpconnect } from './tcpconnect.js';
import { formatConnect, tcpconnectHeader } from './tcpconnect-format.js';
import { CaptureOutput, startWorkload, type Workload } from './testing/capture.js';
import { pairInfo, tcpPair, vethConnect, withNetns, withVethPair } from './testing/tcp-pair.js';

type Runner = typeof runTcpconnect | typeof runTcpaccept;

async function trace(run: Runner, opts: Parameters<Runner>[0], start: () => Workload) {
  const out = new CaptureOutput();
  const events: TcpEvent[] = [];
  let work: Workload | undefined;
  let started: (w: Workload) => void = () => {};
  const ran = new Promise<Workload>((r) => (started = r));
  const result = await run(
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
  const info = pairInfo(work!);
  return { out, result, info, mine: events.filter((e) => e.pid === info.pid) };
}

describe('tcpconnect', () => {
  kernelIt('reports a connect on 127.0.0.1 with its addresses and port', async () => {
    const { out, info, mine, result } = await trace(runTcpconnect, {}, () => tcpPair(4, '127.0.0.1'));
    expect(result.lost).toBe(0);
    expect(mine).toEqual([
      expect.objectContaining({
        comm: 'python3',
        family: 2,
        laddr: '127.0.0.1',
        raddr: '127.0.0.1',
        rport: info.server,
      }),
    ]);
    expect(out.lines[0]).toBe('PID    COMM         IP SADDR            DADDR            DPORT');
    expect(out.lines).toContain(
      `${String(info.pid).padEnd(6)} python3      4  127.0.0.1        127.0.0.1        ${String(info.server).padEnd(5)}`,
    );
  });

  kernelIt('shows the source port with -s, once the connect has chosen it', async () => {
    const { out, info, mine, result } = await trace(runTcpconnect, { sourcePort: true }, () =>
      tcpPair(4, '127.0.0.1'),
    );
    expect(result.lost).toBe(0);
    expect(info.client).toBeGreaterThan(0);
    expect(mine).toEqual([expect.objectContaining({ lport: info.client, rport: info.server })]);
    expect(out.lines[0]).toBe('PID    COMM         IP SADDR            DADDR            SPORT DPORT');
    expect(out.lines).toContain(
      `${String(info.pid).padEnd(6)} python3      4  127.0.0.1        127.0.0.1        ${String(info.client).padEnd(5)} ${String(info.server).padEnd(5)}`,
    );
    const counted = await trace(runTcpconnect, { sourcePort: true, count: true }, () =>
      tcpPair(4, '127.0.0.1'),
    );
    const bcc = await trace(runTcpconnect, { localPort: true }, () => tcpPair(4, '127.0.0.1'));
    expect(bcc.out.lines[0]).toBe('PID    COMM         IP SADDR            LPORT  DADDR            DPORT');
    expect(bcc.out.lines).toContain(
      `${String(bcc.info.pid).padEnd(6)} python3      4  127.0.0.1        ${String(bcc.info.client).padEnd(6)} 127.0.0.1        ${String(bcc.info.server).padEnd(5)}`,
    );
    expect(counted.out.lines).toContain(
      'LADDR                     RADDR                     LPORT                RPORT                CONNECTS  ',
    );
    expect(
      counted.out.lines.some((l) =>
        l.includes(` ${String(counted.info.client).padEnd(20)} ${String(counted.info.server).padEnd(20)} `),
      ),
    ).toBe(true);
  });

  kernelIt('reports an IPv6 connect inside a network namespace, and filters by port', async () => {
    await withNetns(async (ns) => {
      const { mine, info } = await trace(runTcpconnect, { printUid: true }, () => tcpPair(6, '::1', ns));
      expect(mine).toEqual([
        expect.objectContaining({ family: 10, laddr: '::1', raddr: '::1', rport: info.server, uid: 0 }),
      ]);
      const filtered = await trace(runTcpconnect, { ports: [1] }, () => tcpPair(6, '::1', ns));
      expect(filtered.mine).toEqual([]);
    });
  });

  kernelIt('keeps one address family with -4 or -6', async () => {
    await withNetns(async (ns) => {
      const v6 = await trace(runTcpconnect, { family: 6 }, () => tcpPair(6, '::1', ns));
      expect(v6.mine).toEqual([expect.objectContaining({ family: 10, rport: v6.info.server })]);
      const not4 = await trace(runTcpconnect, { family: 4 }, () => tcpPair(6, '::1', ns));
      expect(not4.mine).toEqual([]);
      const accepted = await trace(runTcpaccept, { family: 6 }, () => tcpPair(6, '::1', ns));
      expect(accepted.mine).toEqual([expect.objectContaining({ family: 10, lport: accepted.info.server })]);
      const notAccepted = await trace(runTcpaccept, { family: 4 }, () => tcpPair(6, '::1', ns));
      expect(notAccepted.mine).toEqual([]);
    });
  });
});

// A connect refused at once: the port is bound but nothing listens, so the SYN is answered by a RST.
const REFUSED = `
import json, os, socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
c = socket.socket()
try: c.connect(('127.0.0.1', port))
except ConnectionRefusedError: pass
print(json.dumps({'pid': os.getpid(), 'server': port, 'client': 0}))
`;

// A non-blocking connect whose SYN is dropped: it returns EINPROGRESS and the socket stays in
// SYN_SENT until the test ends the process (the alarm only ends it should nothing stop it first).
const dropped = (family: 4 | 6, host: string) => `
import json, os, signal, socket
c = socket.socket(socket.AF_INET${family === 6 ? '6' : ''}); c.setblocking(False)
try: c.connect(('${host}', 9))
except BlockingIOError: pass
print(json.dumps({'pid': os.getpid(), 'server': 9, 'client': c.getsockname()[1]}), flush=True)
signal.alarm(10)
signal.pause()
`;

// A blocking connect whose SYN is dropped: a thread prints the chosen port while connect() waits.
const STUCK = `
import json, os, signal, socket, threading, time
c = socket.socket()
def tell():
    while c.getsockname()[1] == 0: time.sleep(0.01)
    print(json.dumps({'pid': os.getpid(), 'server': 9, 'client': c.getsockname()[1]}), flush=True)
threading.Thread(target=tell, daemon=True).start()
signal.alarm(10)
c.connect(('10.99.0.2', 9))
`;

/**
 * withDropNet runs fn in a fresh namespace where 10.99.0.2 and fd00:99::2 are reached through a veth
 * pair whose other end is in the same namespace and drops every frame: their neighbour entries name a
 * MAC it does not have.
 */
async function withDropNet<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `bpfkit-drop-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args]);
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    ip('link', 'add', 'dropa', 'type', 'veth', 'peer', 'name', 'dropb');
    ip('addr', 'add', '10.99.0.1/24', 'dev', 'dropa');
    for (const dev of ['lo', 'dropa', 'dropb']) ip('link', 'set', dev, 'up');
    ip('addr', 'add', 'fd00:99::1/64', 'dev', 'dropa', 'nodad');
    ip('neigh', 'add', '10.99.0.2', 'lladdr', '02:00:00:00:99:02', 'dev', 'dropa');
    ip('neigh', 'add', 'fd00:99::2', 'lladdr', '02:00:00:00:99:02', 'dev', 'dropa');
    return await fn(ns);
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

const python = (script: string, ns?: string) => (): Workload =>
  ns
    ? startWorkload('ip', ['netns', 'exec', ns, 'python3', '-c', script])
    : startWorkload('python3', ['-c', script]);

describe('tcpconnect on connects that are never answered', () => {
  kernelIt('reports a refused connect on 127.0.0.1, with and without the source port', async () => {
    const plain = await trace(runTcpconnect, {}, python(REFUSED));
    expect(plain.mine).toEqual([
      expect.objectContaining({ comm: 'python3', raddr: '127.0.0.1', rport: plain.info.server }),
    ]);
    const withPort = await trace(runTcpconnect, { sourcePort: true }, python(REFUSED));
    expect(withPort.mine).toEqual([
      expect.objectContaining({ comm: 'python3', raddr: '127.0.0.1', rport: withPort.info.server }),
    ]);
    expect(withPort.mine[0]!.lport).toBeGreaterThan(0);
    expect(withPort.mine[0]!.lport).not.toBe(withPort.info.server);
  });

  kernelIt('reports a connect whose SYN is dropped, as connect() returns EINPROGRESS', async () => {
    await withDropNet(async (ns) => {
      const cases = [
        { family: 4, laddr: '10.99.0.1', raddr: '10.99.0.2' },
        { family: 6, laddr: 'fd00:99::1', raddr: 'fd00:99::2' },
      ] as const;
      for (const { family, laddr, raddr } of cases) {
        for (const opts of [{}, { sourcePort: true }, { localPort: true }]) {
          const { events, info, seen } = await traceUntilSeen(opts, python(dropped(family, raddr), ns));
          // Still open and never sent again: the record came from connect()'s return, not a later one.
          expect(seen).toEqual({ retransmits: 0, inConnect: false });
          expect(events).toEqual([
            expect.objectContaining({ family: family === 4 ? 2 : 10, laddr, raddr, rport: 9 }),
          ]);
          if (Object.keys(opts).length > 0) expect(events[0]!.lport).toBe(info.client);
        }
      }
    });
  });

  kernelIt('reports a blocking connect with its source port while the SYN goes unanswered', async () => {
    await withDropNet(async (ns) => {
      const { events, info, seen } = await traceUntilSeen({ sourcePort: true }, python(STUCK, ns));
      // Still inside connect(): the record came from the SYN sent again, not from the return.
      expect(seen.inConnect).toBe(true);
      expect(seen.retransmits).toBeGreaterThan(0);
      expect(events).toEqual([
        expect.objectContaining({ pid: info.pid, raddr: '10.99.0.2', rport: 9, lport: info.client }),
      ]);
    });
  });
});

/** Seen is the connecting process's state when its first record arrived. */
interface Seen {
  retransmits: number;
  inConnect: boolean;
}

/** procState reads the TCP retransmissions of the process's namespace and whether it is in connect(). */
function procState(pid: number): Seen {
  try {
    const snmp = readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n');
    const names = snmp.find((l) => l.startsWith('Tcp: '))!.split(' ');
    const values = snmp.findLast((l) => l.startsWith('Tcp: '))!.split(' ');
    // 42 is connect(2) on x86_64.
    const inConnect = readFileSync(`/proc/${pid}/syscall`, 'utf8').startsWith('42 ');
    return { retransmits: Number(values[names.indexOf('RetransSegs')]), inConnect };
  } catch {
    return { retransmits: -1, inConnect: false }; // the process is gone: its socket was closed
  }
}

/** traceUntilSeen traces until the workload's first connect is reported, then ends the workload. */
async function traceUntilSeen(opts: Parameters<typeof runTcpconnect>[0], start: () => Workload) {
  const events: TcpEvent[] = [];
  let work: Workload | undefined;
  let seen: Seen | undefined;
  let arrived: () => void = () => {};
  const first = new Promise<void>((r) => (arrived = r));
  await runTcpconnect(
    {
      ...opts,
      ready: () => {
        work = start();
      },
      onEvent: (e) => {
        if (e.pid !== work?.child.pid) return;
        events.push(e);
        seen ??= procState(e.pid);
        arrived();
      },
      done: first,
    },
    new CaptureOutput(),
  );
  work!.child.kill('SIGKILL');
  await work!.exit;
  return { events, info: pairInfo(work!), seen: seen! };
}

describe('tcpconnect -c', () => {
  kernelIt('counts connects per source, destination and port', async () => {
    const script = `
import json, socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)
for _ in range(3):
    c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.close(); a.close()
print(json.dumps({'server': s.getsockname()[1]}))
`;
    const out = new CaptureOutput();
    let w: Workload | undefined;
    let started: (x: Workload) => void = () => {};
    const ran = new Promise<Workload>((r) => (started = r));
    await runTcpconnect(
      {
        count: true,
        ready: () => {
          w = startWorkload('python3', ['-c', script]);
          started(w);
        },
        done: ran.then((x) => x.exit),
      },
      out,
    );
    const { server } = JSON.parse(w!.stdout()) as { server: number };
    expect(out.lines.slice(0, 2)).toEqual([
      '',
      `${'LADDR'.padEnd(25)} ${'RADDR'.padEnd(25)} ${'RPORT'.padEnd(20)} CONNECTS  `,
    ]);
    expect(out.lines).toContain(
      `${'127.0.0.1'.padEnd(25)} ${'127.0.0.1'.padEnd(25)} ${String(server).padEnd(20)} 3         `,
    );
  });

  kernelIt('lists IPv4 rows before IPv6 ones, as libbpf-tools prints its two maps', async () => {
    // The IPv6 connect comes first; the table still starts with the IPv4 row.
    const script = `
import json, socket
s6 = socket.socket(socket.AF_INET6); s6.bind(('::1', 0)); s6.listen(1)
c6 = socket.create_connection(s6.getsockname()[:2]); s6.accept()[0].close(); c6.close()
s4 = socket.socket(); s4.bind(('127.0.0.1', 0)); s4.listen(1)
c4 = socket.create_connection(s4.getsockname()); s4.accept()[0].close(); c4.close()
print(json.dumps({'v6': s6.getsockname()[1], 'v4': s4.getsockname()[1]}))
`;
    const out = new CaptureOutput();
    let w: Workload | undefined;
    let started: (x: Workload) => void = () => {};
    const ran = new Promise<Workload>((r) => (started = r));
    await runTcpconnect(
      {
        count: true,
        ready: () => {
          w = startWorkload('python3', ['-c', script]);
          started(w);
        },
        done: ran.then((x) => x.exit),
      },
      out,
    );
    const { v4, v6 } = JSON.parse(w!.stdout()) as { v4: number; v6: number };
    const row4 = out.lines.indexOf(
      `${'127.0.0.1'.padEnd(25)} ${'127.0.0.1'.padEnd(25)} ${String(v4).padEnd(20)} 1         `,
    );
    const row6 = out.lines.indexOf(
      `${'::1'.padEnd(25)} ${'::1'.padEnd(25)} ${String(v6).padEnd(20)} 1         `,
    );
    expect(row4).toBeGreaterThan(1);
    expect(row6).toBeGreaterThan(row4);
  });
});

describe('tcpaccept', () => {
  kernelIt('reports an accepted 127.0.0.1 connection with both ends', async () => {
    const { out, info, mine } = await trace(runTcpaccept, {}, () => tcpPair(4, '127.0.0.1'));
    expect(mine).toEqual([
      expect.objectContaining({
        comm: 'python3',
        family: 2,
        raddr: '127.0.0.1',
        rport: info.client,
        laddr: '127.0.0.1',
        lport: info.server,
      }),
    ]);
    expect(out.lines[0]).toBe('PID     COMM         IP RADDR            RPORT LADDR            LPORT');
    expect(out.lines).toContain(
      `${String(info.pid).padEnd(7)} python3      4  127.0.0.1        ${String(info.client).padEnd(5)} 127.0.0.1        ${String(info.server).padEnd(5)}`,
    );
  });

  kernelIt('reports an IPv6 accept inside a network namespace', async () => {
    await withNetns(async (ns) => {
      const { mine, info } = await trace(runTcpaccept, {}, () => tcpPair(6, '::1', ns));
      expect(mine).toEqual([
        expect.objectContaining({ family: 10, raddr: '::1', rport: info.client, lport: info.server }),
      ]);
    });
  });
});

describe('tcpconnect and tcpaccept across a veth pair', () => {
  kernelIt('see both ends of an IPv6 connection between two namespaces', async () => {
    await withVethPair(async (a, b) => {
      for (const run of [runTcpconnect, runTcpaccept] as const) {
        const events: TcpEvent[] = [];
        let r: ReturnType<typeof vethConnect> | undefined;
        let started: (x: ReturnType<typeof vethConnect>) => void = () => {};
        const ran = new Promise<ReturnType<typeof vethConnect>>((res) => (started = res));
        await run(
          {
            onEvent: (e) => events.push(e),
            ready: () => {
              r = vethConnect(a, b);
              started(r);
            },
            done: ran.then((x) => x.done),
          },
          new CaptureOutput(),
        );
        const server = JSON.parse(r!.server.stdout().split('\n')[0]!) as { pid: number; server: number };
        const client = JSON.parse((await r!.client).stdout()) as { pid: number; client: number };
        if (run === runTcpconnect) {
          // The client may have retried while the server was starting; the last connect is the one that worked.
          const mine = events.filter((e) => e.pid === client.pid);
          expect(mine.at(-1)).toMatchObject({
            family: 10,
            laddr: 'fd00::1',
            raddr: 'fd00::2',
            rport: server.server,
          });
        } else {
          expect(events.filter((e) => e.pid === server.pid)).toEqual([
            expect.objectContaining({
              family: 10,
              laddr: 'fd00::2',
              lport: server.server,
              raddr: 'fd00::1',
              rport: client.client,
            }),
          ]);
        }
      }
    });
  });
});

describe('tcp formats', () => {
  const e: TcpEvent = {
    pid: 1234,
    uid: 1000,
    family: 2,
    laddr: '10.0.0.1',
    lport: 80,
    raddr: '10.0.0.2',
    rport: 5555,
    comm: 'a-very-long-command',
    tsNs: 3e9,
  };
  it('match libbpf-tools tcpconnect and BCC tcpaccept', () => {
    expect(tcpconnectHeader({ timestamp: true, printUid: true })).toBe(
      'TIME(s)  UID   PID    COMM         IP SADDR            DADDR            DPORT',
    );
    expect(formatConnect(e, { timestamp: true, printUid: true }, new Date(), 1.5e9)).toBe(
      '1.500    1000  1234   a-very-long- 4  10.0.0.1         10.0.0.2         5555 ',
    );
    expect(tcpacceptHeader({})).toBe('PID     COMM         IP RADDR            RPORT LADDR            LPORT');
    expect(formatAccept(e, {})).toBe('1234    a-very-long- 4  10.0.0.2         5555  10.0.0.1         80   ');
  });
});
