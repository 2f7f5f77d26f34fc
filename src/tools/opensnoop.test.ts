import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { runOpensnoop } from './opensnoop.js';
import { joinCwd, OPENSNOOP_CWD, type OpenEvent } from './opensnoop-format.js';
import { CaptureOutput, startWorkload } from './testing/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-opensnoop-'));
const present = join(dir, 'present.txt');
const missing = join(dir, 'missing.txt');
writeFileSync(present, 'hello\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trace(
  opts: Parameters<typeof runOpensnoop>[0],
  cmd: [string, string[]] = ['cat', [present, missing]],
) {
  const out = new CaptureOutput();
  const events: OpenEvent[] = [];
  let exit: Promise<number> = Promise.resolve(0);
  let pid = 0;
  let go: () => void = () => {};
  const started = new Promise<void>((r) => (go = r));
  const result = await runOpensnoop(
    {
      ...opts,
      onEvent: (e) => {
        if (e.path.startsWith(dir)) events.push(e);
      },
      ready: () => {
        const w = startWorkload(...cmd);
        pid = w.child.pid ?? 0;
        exit = w.exit;
        go();
      },
      done: started.then(() => exit),
    },
    out,
  );
  return { out, events, result, pid };
}

describe('opensnoop', () => {
  kernelIt('reports a successful and a failing open of known paths', async () => {
    const { out, events, pid, result } = await trace({ extended: true });
    expect(result.lost).toBe(0);
    const ok = events.find((e) => e.path === present);
    const bad = events.find((e) => e.path === missing);
    expect(ok).toMatchObject({ pid, comm: 'cat', flags: 0 });
    expect(ok!.ret).toBeGreaterThanOrEqual(3);
    expect(bad).toMatchObject({ pid, comm: 'cat', ret: -2 });
    expect(out.lines[0]).toBe('PID    COMM              FD ERR FLAGS    MODE  PATH');
    expect(out.lines).toContain(`${String(pid).padEnd(6)} cat               -1   2 00000000 n/a  ${missing}`);
  });

  kernelIt('keeps only failures with -x and only the given pid with -p', async () => {
    const failed = await trace({ failed: true });
    expect(failed.events.map((e) => e.path)).toEqual([missing]);
    const other = await trace({ pid: 1 });
    expect(other.events).toEqual([]);
  });

  kernelIt('prints JSON lines with --json', async () => {
    const { out, pid } = await trace({ json: true });
    const objs = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toContainEqual(expect.objectContaining({ pid, comm: 'cat', fd: -1, err: 2, path: missing }));
  });
});

describe('opensnoop start-up', () => {
  kernelIt('does not report its own opens of tracefs while it attaches', async () => {
    const own: string[] = [];
    const w = startWorkload('cat', [present]);
    await runOpensnoop(
      {
        onEvent: (e) => {
          if (e.pid === process.pid) own.push(e.path);
        },
        done: w.exit,
      },
      new CaptureOutput(),
    );
    expect(own).toEqual([]);
  });
});

describe('opensnoop -F', () => {
  kernelIt('joins relative names to the working directory, read in the kernel', async () => {
    const script = `cd ${dir} && exec cat present.txt ./missing.txt ${present}`;
    const { events, pid, out } = await trace({ fullPath: true }, ['/bin/sh', ['-c', script]]);
    expect(events.filter((e) => e.pid === pid).map((e) => [e.path, e.ret < 0 ? -e.ret : 0])).toEqual([
      [present, 0],
      [`${dir}/./missing.txt`, 2],
      [present, 0],
    ]);
    expect(out.lines.some((l) => l.endsWith(` -1   2 ${dir}/./missing.txt`))).toBe(true);
  });

  it('prints the walk as libbpf-tools does', () => {
    // dirs are innermost first; a mount's root reads as "/".
    expect(joinCwd('f', [], false)).toBe('/f');
    expect(joinCwd('/etc/passwd', ['c'], false)).toBe('/etc/passwd');
    expect(joinCwd('f', ['c', 'b', 'a'], false)).toBe('/a/b/c/f');
    expect(joinCwd('status', ['4206', '/', 'proc'], false)).toBe('/proc/4206/status');
    // An unreadable name or the depth limit loses the top: no leading "/".
    expect(joinCwd('f', ['c', 'b'], true)).toBe('b/c/f');
    expect(joinCwd('f', [], true)).toBe('f');
    const deep = Array.from({ length: OPENSNOOP_CWD.maxDepth - 1 }, (_, i) => `d${i}`);
    expect(joinCwd('f', deep, false).startsWith(`d${deep.length - 1}/`)).toBe(true);
  });
});

describe('opensnoop while the traced process runs', () => {
  kernelIt(
    'prints an open before the process ends, and a callback that throws ends the session',
    async () => {
      let w: ReturnType<typeof startWorkload> | undefined;
      try {
        const run = runOpensnoop(
          {
            // The workload opens the file, then waits: only the reader's timer can deliver the event.
            ready: () => {
              w = startWorkload('python3', [
                '-c',
                `import signal; open(${JSON.stringify(present)}).close(); signal.alarm(10); signal.pause()`,
              ]);
            },
            onEvent: (e) => {
              if (e.path === present && e.pid === w?.child.pid) throw new Error(`seen ${e.path}`);
            },
          },
          new CaptureOutput(),
        );
        await expect(run).rejects.toThrow(`seen ${present}`);
        expect(w!.child.exitCode).toBe(null);
      } finally {
        w?.child.kill('SIGKILL');
        await w?.exit;
      }
    },
  );
});
