import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { featureIt, kernelIt } from '../testing/kernel.js';
import { runExecsnoop } from './execsnoop.js';
import type { ExecEvent } from './execsnoop-format.js';
import { CaptureOutput, startWorkload } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';

const CGROUP2 = '/sys/fs/cgroup/unified';

const tag = `bpfkit-exec-${process.pid}`;

async function trace(opts: Parameters<typeof runExecsnoop>[0], cmd: string, args: string[]) {
  const out = new CaptureOutput();
  const events: ExecEvent[] = [];
  let exit: Promise<unknown> = Promise.resolve();
  let pid = 0;
  let go: () => void = () => {};
  const started = new Promise<void>((r) => (go = r));
  const result = await runExecsnoop(
    {
      ...opts,
      onEvent: (e) => events.push(e),
      ready: () => {
        const w = startWorkload(cmd, args);
        pid = w.child.pid ?? 0;
        exit = w.exit.catch(() => -1);
        go();
      },
      done: started.then(() => exit),
    },
    out,
  );
  return { out, events: events.filter((e) => e.pid === pid), result, pid };
}

describe('execsnoop', () => {
  kernelIt('reports an exec with its arguments, parent and return value', async () => {
    const { out, events, pid, result } = await trace({}, '/bin/echo', [tag, 'a b']);
    expect(result.lost).toBe(0);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      comm: 'echo',
      ppid: process.pid,
      retval: 0,
      args: ['/bin/echo', tag, 'a b'],
    });
    expect(out.lines[0]).toBe('PCOMM            PID    PPID   RET ARGS');
    expect(out.lines).toContain(
      `echo             ${String(pid).padEnd(6)} ${String(process.pid).padEnd(6)}   0 /bin/echo ${tag} a b`,
    );
  });

  kernelIt('reports failed execs only with -x', async () => {
    const path = `/nonexistent/${tag}`;
    // The shell's exec of a missing file fails in the shell's own process.
    const failing = (e: ExecEvent) => e.args[0] === path;
    const without = await trace({}, '/bin/sh', ['-c', `exec ${path}`]);
    expect(without.events.filter(failing)).toEqual([]);
    const withFails = await trace({ fails: true }, '/bin/sh', ['-c', `exec ${path}`]);
    expect(withFails.events.filter(failing)).toEqual([
      expect.objectContaining({ retval: -2, pid: withFails.pid }),
    ]);
  });

  kernelIt('copies up to 60 arguments with --max-args, as libbpf-tools allows', async () => {
    const many = Array.from({ length: 70 }, (_, i) => String(i + 1));
    const { events } = await trace({ maxArgs: 60 }, '/bin/echo', many);
    expect(events[0]).toMatchObject({ args: ['/bin/echo', ...many.slice(0, 59)], truncated: true });
    const all = await trace({ maxArgs: 60 }, '/bin/echo', many.slice(0, 59));
    expect(all.events[0]).toMatchObject({ args: ['/bin/echo', ...many.slice(0, 59)], truncated: false });
  });

  kernelIt('marks argument lists longer than --max-args', async () => {
    const { events, out } = await trace({ maxArgs: 3, quote: true }, '/bin/echo', ['1', '2', '3', '4']);
    expect(events[0]).toMatchObject({ args: ['/bin/echo', '1', '2'], truncated: true });
    expect(out.lines.some((l) => l.endsWith('"/bin/echo" "1" "2" ...'))).toBe(true);
  });
});

describe('execsnoop -c', () => {
  featureIt(
    'keeps only execs under a cgroup v2 directory',
    existsSync(CGROUP2),
    `no cgroup v2 at ${CGROUP2}`,
    async () => {
      const dir = join(CGROUP2, `bpfkit-execsnoop-${process.pid}`);
      mkdirSync(dir);
      try {
        const inside = gatedWorkload(`exec /bin/echo ${tag} inside`);
        const outside = gatedWorkload(`exec /bin/echo ${tag} outside`);
        writeFileSync(join(dir, 'cgroup.procs'), String(inside.pid));
        const events: ExecEvent[] = [];
        await runExecsnoop(
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
        expect(events.filter((e) => e.args[1] === tag).map((e) => [e.pid, e.args[2]])).toEqual([
          [inside.pid, 'inside'],
        ]);
      } finally {
        rmdirSync(dir);
      }
    },
  );
});
