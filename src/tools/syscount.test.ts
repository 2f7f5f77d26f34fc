import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureIt, kernelIt } from '../testing/kernel.js';
import { listSyscalls, parseErrno, runSyscount } from './syscount.js';
import type { SyscountRow } from './syscount-format.js';
import { formatSyscount } from './syscount-format.js';
import { CaptureOutput } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';

const CGROUP2 = '/sys/fs/cgroup/unified';

async function count(opts: Parameters<typeof runSyscount>[0], script: string) {
  const w = gatedWorkload(script);
  const out = new CaptureOutput();
  const reports: SyscountRow[][] = [];
  await runSyscount(
    { pid: w.pid, ...opts, ready: () => w.release(), done: w.exit, onReport: (r) => reports.push(r) },
    out,
  );
  return { out, rows: reports.flat(), pid: w.pid };
}

describe('syscount', () => {
  kernelIt('counts the reads and writes of dd bs=1 count=300 in its process only', async () => {
    const { out, rows } = await count(
      {},
      'exec /bin/dd if=/dev/zero of=/dev/null bs=1 count=300 status=none',
    );
    const by = new Map(rows.map((r) => [r.name, r.count]));
    expect(by.get('read')).toBeGreaterThanOrEqual(300);
    expect(by.get('write')).toBeGreaterThanOrEqual(300);
    expect(by.get('write')).toBeLessThan(310);
    expect(by.has('execve')).toBe(true);
    expect(out.lines[0]).toBe('Tracing syscalls, printing top 10... Ctrl+C to quit.');
    expect(out.lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\]$/);
    expect(out.lines[2]).toBe('SYSCALL                   COUNT');
    expect(
      out.lines
        .slice(3, 5)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['read', 'write']);
  });

  kernelIt('counts only failures with one errno, by process, with latency', async () => {
    const { rows, out, pid } = await count(
      { process: true, errno: parseErrno('ENOENT'), latency: true, milliseconds: true },
      'for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /nonexistent/bpfkit-syscount ]; done; exit 0',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: pid, name: 'sh' });
    expect(rows[0]!.count).toBeGreaterThanOrEqual(10);
    expect(rows[0]!.totalNs).toBeGreaterThan(0);
    expect(out.lines[2]).toBe('PID    COMM               COUNT        TIME (ms)');
    expect(out.lines[3]).toMatch(new RegExp(`^${pid} +sh +\\d+ +\\d+\\.\\d{3}$`));
  });
});

describe('syscount -P', () => {
  kernelIt('names a process by its latest comm, so a shell that exec()s dd shows as dd', async () => {
    const { rows, pid } = await count(
      { process: true },
      'exec /bin/dd if=/dev/zero of=/dev/null bs=1 count=30 status=none',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: pid, name: 'dd' });
  });
});

describe('syscount -c', () => {
  featureIt(
    'counts only tasks under a cgroup v2 directory',
    existsSync(CGROUP2),
    `no cgroup v2 at ${CGROUP2}`,
    async () => {
      const dir = join(CGROUP2, `bpfkit-syscount-${process.pid}`);
      mkdirSync(dir);
      try {
        const inside = gatedWorkload('[ -e /nonexistent/a ]; exit 0');
        const outside = gatedWorkload('[ -e /nonexistent/b ]; exit 0');
        writeFileSync(join(dir, 'cgroup.procs'), String(inside.pid));
        const rows: SyscountRow[] = [];
        await runSyscount(
          {
            cgroup: dir,
            process: true,
            ready: () => {
              inside.release();
              outside.release();
            },
            onReport: (r) => rows.push(...r),
            done: Promise.all([inside.exit, outside.exit]),
          },
          new CaptureOutput(),
        );
        // Only the shell in the cgroup is counted (the cgroup holds nothing else).
        expect(rows.map((r) => r.key)).toEqual([inside.pid]);
      } finally {
        rmdirSync(dir);
      }
    },
  );
});

describe('syscount format', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5);
  const rows: SyscountRow[] = [
    { key: 0, name: 'read', count: 5, totalNs: 1_500 },
    { key: 202, name: 'futex', count: 2, totalNs: 28_247_074_187 },
  ];

  it('matches libbpf-tools syscount', () => {
    expect(formatSyscount(rows, {}, at)).toEqual([
      '[03:04:05]',
      'SYSCALL                   COUNT',
      'read                          5',
      'futex                         2',
      '',
    ]);
    expect(formatSyscount(rows, { latency: true, top: 1 }, at)).toEqual([
      '[03:04:05]',
      'SYSCALL                   COUNT        TIME (us)',
      'futex                         2     28247074.187',
      '',
    ]);
  });

  it('lists syscalls with -l', () => {
    const l = listSyscalls();
    expect(l[0]).toBe('  0: read');
    expect(l).toContain('257: openat');
  });

  it('reads errno names and numbers', () => {
    expect(parseErrno('ENOENT')).toBe(2);
    expect(parseErrno('eperm')).toBe(1);
    expect(parseErrno('13')).toBe(13);
    expect(() => parseErrno('ENOPE')).toThrow(/-e: unknown errno 'ENOPE'/);
  });
});
