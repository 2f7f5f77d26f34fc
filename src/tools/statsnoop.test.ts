import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { runStatsnoop } from './statsnoop.js';
import { formatStat, type StatEvent, statsnoopHeader } from './statsnoop-format.js';
import { CaptureOutput } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';

const missing = `/nonexistent/bpfkit-statsnoop-${process.pid}`;
// dash's `test -e` is a stat(2) family call of exactly the path given.
const SCRIPT = `[ -e /etc/hostname ]; [ -e ${missing} ]; exec /usr/bin/stat -f / >/dev/null`;

async function stats(opts: Parameters<typeof runStatsnoop>[0]) {
  const w = gatedWorkload(SCRIPT);
  const out = new CaptureOutput();
  const events: StatEvent[] = [];
  await runStatsnoop(
    { pid: w.pid, ...opts, onEvent: (e) => events.push(e), ready: () => w.release(), done: w.exit },
    out,
  );
  return { out, events, pid: w.pid };
}

describe('statsnoop', () => {
  kernelIt('reports stats of known paths, the failing one with its errno', async () => {
    const { out, events, pid } = await stats({});
    expect(events).toContainEqual(
      expect.objectContaining({ pid, comm: 'sh', path: '/etc/hostname', ret: 0 }),
    );
    expect(events).toContainEqual(expect.objectContaining({ pid, comm: 'sh', path: missing, ret: -2 }));
    // stat -f is statfs(2); after exec the comm is stat's.
    expect(events).toContainEqual(expect.objectContaining({ pid, comm: 'stat', path: '/', ret: 0 }));
    expect(out.lines[0]).toBe('PID     COMM                 RET  ERR  PATH');
    expect(out.lines).toContain(`${String(pid).padEnd(7)} sh                   -1   2    ${missing}`);
  });

  kernelIt('shows only failures with -x', async () => {
    const { events } = await stats({ failed: true });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.ret < 0)).toBe(true);
    expect(events.map((e) => e.path)).toContain(missing);
  });
});

describe('statsnoop format', () => {
  it('matches libbpf-tools statsnoop', () => {
    const e: StatEvent = { tsNs: 2_500_000_000, pid: 42, ret: 0, comm: 'ls', path: '/etc' };
    expect(statsnoopHeader({ timestamp: true })).toBe(
      'TIME(s)        PID     COMM                 RET  ERR  PATH',
    );
    expect(formatStat(e, { timestamp: true }, 1_000_000_000)).toBe(
      '1.500000000    42      ls                   0    0    /etc',
    );
  });
});
