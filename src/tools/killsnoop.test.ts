import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { runKillsnoop } from './killsnoop.js';
import { formatKill, type KillEvent, killsnoopHeader } from './killsnoop-format.js';
import { CaptureOutput, startWorkload } from './testing/capture.js';

// The shell starts a sleeper, checks it is alive (signal 0), signals it with SIGUSR1 (10), and kills a
// pid that cannot exist.
const SCRIPT =
  'sleep 30 & s=$!; echo $s; kill -0 $s; kill -USR1 $s; wait $s; kill -TERM 4194304 2>/dev/null; exit 0';

async function signals(opts: Parameters<typeof runKillsnoop>[0]) {
  const out = new CaptureOutput();
  const events: KillEvent[] = [];
  let pid = 0;
  let sleeper = 0;
  let go: (p: Promise<unknown>) => void = () => {};
  const ended = new Promise<Promise<unknown>>((r) => (go = r));
  await runKillsnoop(
    {
      ...opts,
      onEvent: (e) => events.push(e),
      ready: () => {
        const w = startWorkload('/bin/sh', ['-c', SCRIPT]);
        pid = w.child.pid!;
        go(w.exit.then(() => (sleeper = Number(w.stdout().trim()))));
      },
      done: ended.then((p) => p),
    },
    out,
  );
  return { out, pid, sleeper, events: events.filter((e) => e.pid === pid) };
}

describe('killsnoop', () => {
  kernelIt('reports a known signal to a known pid from signal_generate with -a', async () => {
    const { events, sleeper, out, pid } = await signals({ allSignals: true });
    expect(events).toContainEqual({ pid, comm: 'sh', sig: 10, tpid: sleeper, ret: 0 });
    expect(out.lines[0]).toBe(killsnoopHeader());
    expect(
      out.lines.some((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${pid} +sh +10 +${sleeper} +0 *$`).test(l)),
    ).toBe(true);
  });

  kernelIt('reports kill(2) results by default, failures included, and only failures with -x', async () => {
    const k = await signals({ names: true });
    expect(k.events).toEqual([
      { pid: k.pid, comm: 'sh', sig: 0, tpid: k.sleeper, ret: 0 },
      { pid: k.pid, comm: 'sh', sig: 10, tpid: k.sleeper, ret: 0 },
      { pid: k.pid, comm: 'sh', sig: 15, tpid: 4194304, ret: -3 },
    ]);
    expect(k.out.lines.some((l) => / SIGUSR1 /.test(l))).toBe(true);
    expect(k.out.lines.some((l) => new RegExp(` N/A +${k.sleeper} +0 *$`).test(l))).toBe(true);
    const x = await signals({ killOnly: true, failed: true, signal: 15 });
    expect(x.events).toEqual([{ pid: x.pid, comm: 'sh', sig: 15, tpid: 4194304, ret: -3 }]);
  });
});

describe('killsnoop format', () => {
  it('matches libbpf-tools killsnoop', () => {
    expect(killsnoopHeader()).toBe('TIME     PID     COMM             SIG       TPID    RESULT');
    const e: KillEvent = { pid: 1080, comm: 'bash', sig: 0, tpid: -6645, ret: -3 };
    expect(formatKill(e, {}, new Date(2026, 0, 1, 9, 38, 59))).toBe(
      '09:38:59 1080    bash             0         -6645   -3    ',
    );
    expect(formatKill(e, { names: true }, new Date(2026, 0, 1, 9, 38, 59))).toBe(
      '09:38:59 1080    bash             N/A       -6645   -3    ',
    );
    expect(formatKill({ ...e, sig: 9 }, { names: true }, new Date(2026, 0, 1, 9, 38, 59))).toBe(
      '09:38:59 1080    bash             SIGKILL   -6645   -3    ',
    );
  });
});
