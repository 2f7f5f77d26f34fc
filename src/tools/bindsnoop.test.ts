import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { runBindsnoop } from './bindsnoop.js';
import { type BindEvent, bindsnoopHeader, formatBind, optsString } from './bindsnoop-format.js';
import { CaptureOutput, startWorkload, type Workload } from './testing/capture.js';

// A TCP bind with SO_REUSEADDR, a UDP/IPv6 bind with SO_REUSEPORT to the same port, and a TCP bind
// to that port again without options, which fails with EADDRINUSE.
const BINDS = `
import json, os, socket
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(('127.0.0.1', 0))
port = t.getsockname()[1]
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); u.bind(('::1', port))
t.listen()
f = socket.socket()
try: f.bind(('127.0.0.1', port))
except OSError: pass
print(json.dumps({'pid': os.getpid(), 'port': port}))
`;

async function binds(opts: Parameters<typeof runBindsnoop>[0], script = BINDS) {
  const out = new CaptureOutput();
  const events: BindEvent[] = [];
  let work: Workload | undefined;
  let started: (w: Workload) => void = () => {};
  const ran = new Promise<Workload>((r) => (started = r));
  await runBindsnoop(
    {
      ...opts,
      onEvent: (e) => events.push(e),
      ready: () => {
        work = startWorkload('python3', ['-c', script]);
        started(work);
      },
      done: ran.then((w) => w.exit),
    },
    out,
  );
  const info = JSON.parse(work!.stdout()) as { pid: number; port: number };
  return { out, info, mine: events.filter((e) => e.pid === info.pid) };
}

describe('bindsnoop', () => {
  kernelIt('reports binds with protocol, options, port and address; failures only with -x', async () => {
    const { mine, out, info } = await binds({});
    expect(mine).toEqual([
      expect.objectContaining({ comm: 'python3', ret: 0, protocol: 6, opts: 8, port: 0, addr: '127.0.0.1' }),
      expect.objectContaining({ ret: 0, protocol: 17, opts: 16, port: info.port, addr: '::1' }),
    ]);
    expect(out.lines[0]).toBe(bindsnoopHeader({}));
    expect(out.lines).toContain(formatBind(mine[1]!, {}));
    expect(formatBind(mine[1]!, {})).toMatch(
      new RegExp(`^${info.pid} +python3 +0 +UDP +\\.\\.\\.\\.r +0 +${info.port} +::1 +$`),
    );
    const x = await binds({ failed: true });
    expect(x.mine.map((e) => [e.ret, e.protocol, e.port])).toEqual([
      [0, 6, 0],
      [0, 17, x.info.port],
      [-98, 6, x.info.port],
    ]);
    const filtered = await binds({ failed: true, ports: [0] });
    expect(filtered.mine.map((e) => e.port)).toEqual([0]);
  });
});

const FLAGGED = `
import json, os, socket
a = socket.socket(); a.setsockopt(socket.IPPROTO_IP, 15, 1); a.bind(('127.0.0.1', 0))
b = socket.socket(); b.setsockopt(socket.IPPROTO_IP, 19, 1); b.bind(('127.0.0.1', 0))
c = socket.socket(); c.setsockopt(socket.IPPROTO_IP, 24, 1); c.bind(('127.0.0.1', 0))
print(json.dumps({'pid': os.getpid(), 'port': 0}))
`;

describe('bindsnoop options', () => {
  kernelIt('shows IP_FREEBIND, IP_TRANSPARENT and IP_BIND_ADDRESS_NO_PORT as F, T and N', async () => {
    const { mine } = await binds({}, FLAGGED);
    expect(mine.map((e) => optsString(e.opts))).toEqual(['F....', '.T...', '..N..']);
  });
});

describe('bindsnoop format', () => {
  it('matches libbpf-tools bindsnoop', () => {
    expect(bindsnoopHeader({ timestamp: true })).toBe(
      `TIME(s)  PID     COMM             RET PROTO OPTS  IF   PORT  ${'ADDR'.padEnd(48)}`,
    );
    expect(optsString(0)).toBe('.....');
    expect(optsString(8 | 16 | 1)).toBe('F..Rr');
  });
});
