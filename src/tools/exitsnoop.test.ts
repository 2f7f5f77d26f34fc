import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureIt, kernelIt } from '../testing/kernel.js';
import { runExitsnoop } from './exitsnoop.js';
import { type ExitEvent, exitsnoopHeader, formatExit } from './exitsnoop-format.js';
import { CaptureOutput, startWorkload } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';

const CGROUP2 = '/sys/fs/cgroup/unified';

async function exits(opts: Parameters<typeof runExitsnoop>[0], scripts: string[]) {
  const out = new CaptureOutput();
  const events: ExitEvent[] = [];
  const pids: number[] = [];
  let go: (p: Promise<unknown>) => void = () => {};
  const all = new Promise<Promise<unknown>>((r) => (go = r));
  const result = await runExitsnoop(
    {
      ...opts,
      onEvent: (e) => events.push(e),
      ready: () => {
        const ws = scripts.map((s) => startWorkload('/bin/sh', ['-c', s]));
        pids.push(...ws.map((w) => w.child.pid!));
        go(Promise.all(ws.map((w) => w.exit)));
      },
      done: all.then((p) => p),
    },
    out,
  );
  return { out, result, pids, events: pids.map((p) => events.filter((e) => e.pid === p)) };
}

describe('exitsnoop', () => {
  kernelIt('reports exit codes and killing signals of processes it saw start', async () => {
    const { out, pids, events, result } = await exits({}, ['exit 3', 'kill -9 $$', 'exit 0']);
    expect(result.lost).toBe(0);
    expect(events[0]).toEqual([expect.objectContaining({ comm: 'sh', ppid: process.pid, code: 3, sig: 0 })]);
    expect(events[1]).toEqual([expect.objectContaining({ comm: 'sh', code: 0, sig: 9, coreDumped: false })]);
    expect(events[2]).toEqual([expect.objectContaining({ code: 0, sig: 0, tid: pids[2] })]);
    expect(out.lines[0]).toBe('PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE');
    const row = (pid: number) => out.lines.find((l) => l.split(/\s+/)[1] === String(pid));
    expect(row(pids[0]!)).toMatch(
      new RegExp(`^sh {15}${pids[0]} +${process.pid} +${pids[0]} +\\d+\\.\\d\\d +code 3$`),
    );
    expect(row(pids[1]!)).toMatch(/ signal 9 \(Killed\)$/);
    expect(row(pids[2]!)).toMatch(/ 0$/);
  });

  kernelIt('keeps only failed exits with -x', async () => {
    const { events } = await exits({ failed: true }, ['exit 0', 'exit 1']);
    expect(events[0]).toEqual([]);
    expect(events[1]).toEqual([expect.objectContaining({ code: 1 })]);
  });
});

describe('exitsnoop -c', () => {
  featureIt(
    'keeps only exits under a cgroup v2 directory',
    existsSync(CGROUP2),
    `no cgroup v2 at ${CGROUP2}`,
    async () => {
      const dir = join(CGROUP2, `bpfkit-exitsnoop-${process.pid}`);
      mkdirSync(dir);
      try {
        const inside = gatedWorkload('exit 5');
        const outside = gatedWorkload('exit 6');
        writeFileSync(join(dir, 'cgroup.procs'), String(inside.pid));
        const events: ExitEvent[] = [];
        await runExitsnoop(
          {
            cgroup: dir,
            onEvent: (e) => events.push(e),
            ready: () => {
              inside.release();
              outside.release();
            },
            done: Promise.all([inside.exit, outside.exit]),
          },
          new CaptureOutput(),
        );
        expect(
          events.filter((e) => e.pid === inside.pid || e.pid === outside.pid).map((e) => [e.pid, e.code]),
        ).toEqual([[inside.pid, 5]]);
      } finally {
        rmdirSync(dir);
      }
    },
  );

  it('names a missing cgroup in one line', async () => {
    await expect(runExitsnoop({ cgroup: '/nonexistent/cg' }, new CaptureOutput())).rejects.toThrow(
      /^-c: cannot open cgroup \/nonexistent\/cg: no such file or directory/,
    );
  });
});

describe('exitsnoop format', () => {
  const e: ExitEvent = {
    pid: 6167,
    tid: 6167,
    ppid: 6156,
    comm: 'sh',
    ageNs: 1_050_000_000,
    code: 0,
    sig: 0,
    coreDumped: false,
  };

  it('matches libbpf-tools exitsnoop', () => {
    expect(exitsnoopHeader({ timestamp: true })).toBe(
      'TIME(s)  PCOMM            PID     PPID    TID     AGE(s)  EXIT_CODE',
    );
    expect(formatExit(e, { timestamp: true }, new Date(2026, 0, 1, 9, 38, 47))).toBe(
      '09:38:47 sh               6167    6156    6167    1.05    0',
    );
    expect(formatExit({ ...e, sig: 11, coreDumped: true }, {})).toBe(
      'sh               6167    6156    6167    1.05    signal 11 (Segmentation fault), core dumped',
    );
    expect(formatExit({ ...e, code: 2 }, {})).toMatch(/ code 2$/);
  });
});
