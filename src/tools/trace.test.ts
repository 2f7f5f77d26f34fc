import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError, NotSupportedError, ParseError } from '../errors/index.js';
import { kprobesSupported } from '../kernel/link-kprobe.js';
import { runCli } from '../testing/cli.js';
import { featureIt, kernelIt } from '../testing/kernel.js';
import { CaptureOutput, startWorkload } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';
import { ringBytesFor } from './trace/codegen.js';
import { bccSymbol, formatTraceLine, prepareProbe, runTrace, type TraceEvent, traceHeader } from './trace.js';

async function trace(
  opts: Omit<Parameters<typeof runTrace>[0], 'ready' | 'done'>,
  cmd: string,
  args: string[],
) {
  const out = new CaptureOutput();
  const events: TraceEvent[] = [];
  let pid = 0;
  let go: (p: Promise<unknown>) => void = () => {};
  const ended = new Promise<Promise<unknown>>((r) => (go = r));
  const result = await runTrace(
    {
      ...opts,
      onEvent: (e) => events.push(e),
      ready: () => {
        const w = startWorkload(cmd, args);
        pid = w.child.pid!;
        go(w.exit);
      },
      done: ended.then((p) => p),
    },
    out,
  );
  return { out, result, pid, events: events.filter((e) => e.pid === pid) };
}

const missing = `/nonexistent/bpfkit-trace-${process.pid}`;
const CGROUP2 = '/sys/fs/cgroup/unified';
// The interpreter itself (a PATH python3 may be a wrapper script): it carries USDT notes.
const PYTHON = '/usr/bin/python3';

describe('trace', () => {
  kernelIt('prints a tracepoint message with a user string and a predicate on a field', async () => {
    const { out, events, pid } = await trace(
      {
        probes: [
          't:syscalls:sys_enter_openat (args->dfd == -100 && args->flags == 0) "open %s flags=%x", args->filename, args->flags',
          't:syscalls:sys_enter_kill (args->sig == 10) "kill %d -> %d", args->sig, args->pid',
        ],
      },
      '/bin/sh',
      ['-c', `cat ${missing} 2>/dev/null; sleep 30 & kill -USR1 $!; wait; exit 0`],
    );
    const kills = events.filter((e) => e.func === 'sys_enter_kill');
    expect(kills.map((e) => e.message)).toEqual([expect.stringMatching(/^kill 10 -> \d+$/)]);
    // cat (a child with its own pid) opened the missing path: look for it among all events.
    expect(out.lines[0]).toBe('PID     TID     COMM            FUNC             -');
    expect(
      out.lines.some((l) => l.endsWith(`sys_enter_openat open ${missing} flags=0`) && / cat {13}/.test(l)),
    ).toBe(true);
    expect(out.lines).toContain(formatTraceLine(kills[0]!, {}, 0));
    expect(kills[0]).toMatchObject({ pid, tid: pid, comm: 'sh' });
  });

  kernelIt('reads a uretprobe return value and stops after -M events', async () => {
    const w = gatedWorkload(
      `exec python3 -c 'import os, time\nfor _ in range(5): os.getpid()\ntime.sleep(30)'`,
    );
    const out = new CaptureOutput();
    const events: TraceEvent[] = [];
    const result = await runTrace(
      {
        probes: ['r:c:getpid "getpid=%d", retval'],
        pid: w.pid,
        maxEvents: 2,
        ready: () => w.release(),
        onEvent: (e) => events.push(e),
      },
      out,
    );
    w.child.kill('SIGKILL');
    expect(result).toMatchObject({ reason: 'max', events: 2 });
    expect(events.map((e) => [e.pid, e.func, e.message])).toEqual([
      [w.pid, 'getpid', `getpid=${w.pid}`],
      [w.pid, 'getpid', `getpid=${w.pid}`],
    ]);
  });

  kernelIt('reads BCC shorthand probes, C casts in predicates and several probes at once', async () => {
    const w = gatedWorkload(
      `exec python3 -c 'import os\nfor fd in (999, 998):\n  try: os.close(fd)\n  except OSError: pass\nos.close(os.open("/dev/null", 0))'`,
    );
    const events: TraceEvent[] = [];
    await runTrace(
      {
        probes: [
          'c:close (arg1 > 900) "close %d", arg1',
          'r:c:close ((int)retval < 0) "failed: %d", retval',
          'r:c:close ((unsigned long)retval > 1000) "as unsigned: %lu", retval',
          'r:c:close ((unsigned char)retval == 0) "ok"',
        ],
        pid: w.pid,
        ready: () => w.release(),
        onEvent: (e) => events.push(e),
        done: w.exit,
      },
      new CaptureOutput(),
    );
    // close() returns an int: the upper half of rax is zero, so only (int)retval sees -1 (as in BCC).
    // Python closes files of its own while it starts: look from the first close(999) on.
    const lines = events.map((e) => `${e.pid} ${e.func} ${e.message}`);
    // Two uretprobes on one function run in no set order: compare the events, sorted.
    expect(lines.slice(lines.indexOf(`${w.pid} close close 999`)).sort()).toEqual(
      [
        `${w.pid} close close 999`,
        `${w.pid} close failed: -1`,
        `${w.pid} close as unsigned: 4294967295`,
        `${w.pid} close close 998`,
        `${w.pid} close failed: -1`,
        `${w.pid} close as unsigned: 4294967295`,
        `${w.pid} close ok`,
      ].sort(),
    );
  });

  kernelIt("compares strings with STRCMP: the whole string, or the literal's bytes with -B", async () => {
    const run = async (binaryCompare: boolean) => {
      const w = gatedWorkload(`cat ${missing}-long ${missing} 2>/dev/null; exit 0`);
      const events: TraceEvent[] = [];
      await runTrace(
        {
          probes: [
            `t:syscalls:sys_enter_openat (STRCMP("${missing}", args->filename)) "%s", args->filename`,
            // A __data_loc string, compared and printed.
            `t:sched:sched_process_exec (STRCMP("/usr/bin/cat", args->filename) || STRCMP("/bin/cat", args->filename)) "exec %s", args->filename`,
          ],
          binaryCompare,
          ready: () => w.release(),
          onEvent: (e) => events.push(e),
          done: w.exit,
        },
        new CaptureOutput(),
      );
      return {
        opens: events.filter((e) => e.func !== 'sched_process_exec').map((e) => e.message),
        events,
      };
    };
    const exact = await run(false);
    expect(exact.opens).toEqual([missing]);
    // cat is the shell's child: find its exec among everyone's by the path it then opened.
    const cat = exact.events.find((e) => e.message === missing)!.pid;
    expect(
      exact.events.filter((e) => e.pid === cat && e.func === 'sched_process_exec').map((e) => e.message),
    ).toEqual([expect.stringMatching(/^exec \/(usr\/)?bin\/cat$/)]);
    expect((await run(true)).opens).toEqual([`${missing}-long`, missing]);
  });

  featureIt(
    'reads USDT probes with u:lib:probe and u:lib:provider:probe (register and memory arguments)',
    existsSync(PYTHON),
    `no ${PYTHON}`,
    async () => {
      const w = gatedWorkload(
        `exec ${PYTHON} -c 'import gc, sys\ngc.disable()\ngc.collect(1)\ngc.collect(2)\nsys.audit("bpfkit.audit", 1)\nsys.audit("bpfkit.other", 1)'`,
      );
      const events: TraceEvent[] = [];
      await runTrace(
        {
          probes: [
            `u:${PYTHON}:gc__start (arg1 > 0) "gen=%d", arg1`,
            `u:${PYTHON}:python:audit (STRCMP("bpfkit.audit", arg1)) "%s", arg1`,
          ],
          pid: w.pid,
          ready: () => w.release(),
          onEvent: (e) => events.push(e),
          done: w.exit,
        },
        new CaptureOutput(),
      );
      // Python collects again as it exits: look up to the audit event.
      const lines = events.map((e) => `${e.func} ${e.message}`);
      expect(lines.slice(0, lines.indexOf('python:audit bpfkit.audit') + 1)).toEqual([
        'gc__start gen=1',
        'gc__start gen=2',
        'python:audit bpfkit.audit',
      ]);
      const err = await runTrace({ probes: [`u:${PYTHON}:python:nosuch`] }, new CaptureOutput()).catch(
        (e: unknown) => e,
      );
      expect(formatError(err)).toMatch(/has no USDT probe python:nosuch/);
    },
  );

  kernelIt('prints %K and %U addresses as kernel and user symbols', async () => {
    // Python looks up getpid with dlsym, then sleeps (a timer wakes it): alive long enough for its
    // maps to be read when the event is printed, which BCC needs too.
    const w = gatedWorkload(
      `exec ${PYTHON} -c 'import ctypes, time\nctypes.CDLL(None).getpid\ntime.sleep(0.3)'`,
    );
    const events: TraceEvent[] = [];
    await runTrace(
      {
        probes: ['t:timer:hrtimer_start "%K", args->function', 'r:c:dlsym "%U", retval'],
        pid: w.pid,
        ready: () => w.release(),
        onEvent: (e) => events.push(e),
        done: w.exit,
      },
      new CaptureOutput(),
    );
    expect(events.filter((e) => e.func === 'hrtimer_start').map((e) => e.message)).toContain(
      'hrtimer_wakeup+0x0',
    );
    expect(events.filter((e) => e.func === 'dlsym').map((e) => e.message)).toContain(
      'getpid+0x0 [libc.so.6]',
    );
  });

  kernelIt("skips trace's own process unless -S, and cuts strings at -Z bytes", async () => {
    const run = async (includeSelf: boolean) => {
      const w = gatedWorkload(`cat ${missing}/x 2>/dev/null; kill -0 $$; exit 0`);
      const events: TraceEvent[] = [];
      await runTrace(
        {
          probes: [
            't:syscalls:sys_enter_kill (args->sig == 0) "kill -0"',
            `t:syscalls:sys_enter_openat "%s", args->filename`,
          ],
          includeSelf,
          stringSize: 8,
          ready: () => {
            process.kill(process.pid, 0);
            w.release();
          },
          onEvent: (e) => events.push(e),
          done: w.exit,
        },
        new CaptureOutput(),
      );
      return { w, events };
    };
    const skipped = await run(false);
    expect(skipped.events.some((e) => e.pid === skipped.w.pid && e.message === 'kill -0')).toBe(true);
    expect(skipped.events.filter((e) => e.pid === process.pid)).toEqual([]);
    // -Z 8: seven bytes of the path and its NUL.
    expect(skipped.events.map((e) => e.message)).toContain(missing.slice(0, 7));
    const kept = await run(true);
    expect(kept.events.some((e) => e.pid === process.pid && e.message === 'kill -0')).toBe(true);
  });

  kernelIt('keeps one thread with -L', async () => {
    const w = gatedWorkload(
      `exec ${PYTHON} -c 'import os, threading\nt = threading.Thread(target=lambda: os.kill(os.getpid(), 0))\nt.start()\nt.join()\nos.kill(os.getpid(), 0)'`,
    );
    const events: TraceEvent[] = [];
    await runTrace(
      {
        probes: ['t:syscalls:sys_enter_kill (args->sig == 0) "kill -0 %d", args->pid'],
        tid: w.pid,
        ready: () => w.release(),
        onEvent: (e) => events.push(e),
        done: w.exit,
      },
      new CaptureOutput(),
    );
    // The other thread sent the same signal first: only the main thread's is kept.
    expect(events.map((e) => [e.pid, e.tid, e.message])).toEqual([[w.pid, w.pid, `kill -0 ${w.pid}`]]);
  });

  kernelIt('keeps command names containing -n and messages containing -f', async () => {
    const run = async (name: string) => {
      const w = gatedWorkload(`cat ${missing}-a 2>/dev/null; cat ${missing}-b 2>/dev/null; exit 0`);
      const out = new CaptureOutput();
      await runTrace(
        {
          probes: ['t:syscalls:sys_enter_openat "%s", args->filename'],
          name,
          filter: `${missing}-b`,
          ready: () => w.release(),
          done: w.exit,
        },
        out,
      );
      return out.lines.slice(1).map((l) => l.replace(/^\d+ +\d+ +/, ''));
    };
    expect(await run('at')).toEqual([`cat             sys_enter_openat ${missing}-b`]);
    expect(await run('cats')).toEqual([]);
  });

  kernelIt("prints each probe's program with -v before the header", async () => {
    const out = new CaptureOutput();
    await runTrace(
      { probes: ['t:syscalls:sys_enter_kill', 'c:getpid'], verbose: true, done: Promise.resolve() },
      out,
    );
    const header = out.lines.indexOf('PID     TID     COMM            FUNC             ');
    expect(out.lines[0]).toBe('; probe 1: t:syscalls:sys_enter_kill');
    expect(out.lines).toContain('; probe 2: c:getpid');
    expect(header).toBeGreaterThan(out.lines.indexOf('; probe 2: c:getpid'));
    expect(out.lines.slice(0, header).filter((l) => /\bexit\b/.test(l)).length).toBeGreaterThanOrEqual(2);
  });

  kernelIt('divides and takes remainders in predicates and arguments', async () => {
    const w = gatedWorkload('kill -0 $$; exit 0');
    const events: TraceEvent[] = [];
    await runTrace(
      {
        probes: [
          `t:syscalls:sys_enter_kill (args->sig == 0 && args->pid / 7 == ${Math.floor(w.pid / 7)} && args->pid % 7 == ${w.pid % 7}) "%d %d", args->pid / 1000, args->pid % 1000`,
        ],
        ready: () => w.release(),
        onEvent: (e) => events.push(e),
        done: w.exit,
      },
      new CaptureOutput(),
    );
    expect(events.map((e) => e.message)).toEqual([`${Math.floor(w.pid / 1000)} ${w.pid % 1000}`]);
  });

  kernelIt('reads integers through pointers with *(type *)', async () => {
    const w = gatedWorkload('exec sleep 0.25');
    const events: TraceEvent[] = [];
    await runTrace(
      {
        probes: [
          't:syscalls:sys_enter_clock_nanosleep "%ld %ld", *(long *)args->rqtp, *(long *)(args->rqtp + 8)',
          'p:c:clock_nanosleep (*(int *)(arg3 + 8) == 250000000) "%d", *(int *)(arg3 + 8)',
        ],
        pid: w.pid,
        ready: () => w.release(),
        onEvent: (e) => events.push(e),
        done: w.exit,
      },
      new CaptureOutput(),
    );
    // sleep asks for { tv_sec = 0, tv_nsec = 250000000 }.
    expect(events.map((e) => `${e.func} ${e.message}`).sort()).toEqual([
      'clock_nanosleep 250000000',
      'sys_enter_clock_nanosleep 0 250000000',
    ]);
  });

  kernelIt('keeps only one user with --uid', async () => {
    const run = async (uid: number) => {
      const w = gatedWorkload('kill -0 $$; exit 0');
      const events: TraceEvent[] = [];
      await runTrace(
        {
          probes: ['t:syscalls:sys_enter_kill (args->sig == 0)'],
          uid,
          ready: () => w.release(),
          onEvent: (e) => events.push(e),
          done: w.exit,
        },
        new CaptureOutput(),
      );
      return events.filter((e) => e.pid === w.pid).length;
    };
    expect(await run(process.getuid?.() ?? 0)).toBe(1);
    expect(await run(4242)).toBe(0);
  });

  kernelIt('counts identical events with -A and prints them at the end', async () => {
    const w = gatedWorkload('kill -0 $$; kill -0 $$; kill -0 $$; exit 0');
    const out = new CaptureOutput();
    await runTrace(
      {
        probes: [`t:syscalls:sys_enter_kill (args->sig == 0 && $tgid == ${w.pid}) "kill -0"`],
        aggregate: true,
        maxEvents: 3,
        ready: () => w.release(),
        done: w.exit,
      },
      out,
    );
    expect(out.lines).toEqual([
      'PID     TID     COMM            FUNC             -',
      `${String(w.pid).padEnd(7)} ${String(w.pid).padEnd(7)} sh              sys_enter_kill   kill -0`,
      '-->COUNT 3',
      '',
    ]);
  });

  featureIt(
    'keeps only tasks under a cgroup v2 directory with -c',
    existsSync(CGROUP2),
    `no cgroup v2 at ${CGROUP2}`,
    async () => {
      const dir = join(CGROUP2, `bpfkit-trace-${process.pid}`);
      mkdirSync(dir);
      try {
        const inside = gatedWorkload('kill -0 $$; exit 0');
        const outside = gatedWorkload('kill -0 $$; exit 0');
        writeFileSync(join(dir, 'cgroup.procs'), String(inside.pid));
        const events: TraceEvent[] = [];
        const out = new CaptureOutput();
        await runTrace(
          {
            probes: ['t:syscalls:sys_enter_kill (args->sig == 0) "kill -0 %d", args->pid'],
            cgroup: dir,
            kernelStack: true,
            ready: () => {
              inside.release();
              outside.release();
            },
            onEvent: (e) => events.push(e),
            done: Promise.all([inside.exit, outside.exit]),
          },
          out,
        );
        const ours = events.filter((e) => e.pid === inside.pid || e.pid === outside.pid);
        expect(ours.map((e) => [e.pid, e.message])).toEqual([[inside.pid, `kill -0 ${inside.pid}`]]);
        // -K prints the kernel stack under the line: the syscall entry is on it.
        expect(out.lines.some((l) => /^ {8}\S*(entry_SYSCALL|do_syscall)/.test(l))).toBe(true);
        // As BCC prints it: "name+0xoff [kernel]" frames, then a blank line.
        const line = out.lines.findIndex((l) => l.endsWith(`kill -0 ${inside.pid}`));
        const end = out.lines.indexOf('', line);
        expect(end).toBeGreaterThan(line + 1);
        for (const f of out.lines.slice(line + 1, end))
          expect(f).toMatch(/^ {8}\S+\+0x[0-9a-f]+ \[kernel\]$/);
      } finally {
        rmdirSync(dir);
      }
    },
  );

  featureIt(
    'refuses kprobes with the tracepoint alternative',
    !kprobesSupported(),
    'this kernel has kprobes',
    async () => {
      await expect(
        runTrace({ probes: ['p::do_sys_openat2 "%d", arg1'] }, new CaptureOutput()),
      ).rejects.toThrow(NotSupportedError);
      const err = await runTrace({ probes: ['r::vfs_read'] }, new CaptureOutput()).catch((e: unknown) => e);
      expect(formatError(err)).toMatch(
        /^r::vfs_read needs kprobes.*\(use a tracepoint \(t:category:event\) instead\)$/,
      );
    },
  );
});

describe('trace mistakes', () => {
  // Each: the spec, and the column the caret must point at.
  const cases: [string, number, RegExp][] = [
    ['t:syscalls:sys_enter_openat "%s', 29, /unterminated format string/],
    ['t:nosuch:event', 3, /no tracepoint nosuch:event/],
    ['t:syscalls:sys_enter_openat "%d", args->nosuch', 35, /has no field 'nosuch'/],
    ['p:c:write "%d", arg7', 17, /unknown name 'arg7'/],
    ['u:nosuchlib-bpfkit:f', 3, /cannot find a library or executable named nosuchlib-bpfkit/],
    ['r:c:nosuchfunc_bpfkit', 5, /symbol nosuchfunc_bpfkit not found/],
    ['t:sched:sched_switch (args->prev_comm == 1)', 23, /STRCMP/],
    ['t:sched:sched_switch (STRCMP("x", args->prev_pid))', 35, /STRCMP needs a string/],
  ];
  kernelIt('answers every bad probe with one positioned error, exit 1 and no stack', async () => {
    for (const [spec, column, message] of cases) {
      const r = await runCli(['trace', '-d', '5', spec]);
      expect({ spec, code: r.code }).toEqual({ spec, code: 1 });
      const [first, source, caret] = r.stderr.trimEnd().split('\n');
      expect(first).toMatch(new RegExp(`^bpfkit: probe 1:1:${column}: error: `));
      expect(first).toMatch(message);
      expect([source, caret]).toEqual([spec, `${' '.repeat(column - 1)}^`]);
      expect(r.stdout).toBe('');
    }
  });
});

describe('trace options', () => {
  it('refuse a pid that names no process, -p with -L, and -A without -M', async () => {
    const none = 4_194_303;
    await expect(runTrace({ probes: ['t:a:b'], pid: none }, new CaptureOutput())).rejects.toThrow(
      `-p: no process ${none}`,
    );
    await expect(runTrace({ probes: ['t:a:b'], tid: none }, new CaptureOutput())).rejects.toThrow(
      `-L: no process ${none}`,
    );
    await expect(runTrace({ probes: ['t:a:b'], pid: 1, tid: 1 }, new CaptureOutput())).rejects.toThrow(
      'only one of -p and -L may be specified',
    );
    await expect(runTrace({ probes: ['t:a:b'], aggregate: true }, new CaptureOutput())).rejects.toThrow(
      '-M/--max-events should be specified with -A/--aggregate',
    );
  });
});

describe('trace -b', () => {
  it('sizes the one ring buffer from pages per CPU, as a power of two within bounds', () => {
    expect(ringBytesFor(undefined, 2)).toBe(4 << 20);
    expect(ringBytesFor(64, 2)).toBe(4 << 20);
    expect(ringBytesFor(1024, 2)).toBe(8 << 20);
    expect(ringBytesFor(1025, 2)).toBe(16 << 20);
    expect(ringBytesFor(1 << 18, 64)).toBe(1 << 30);
  });
});

describe('trace format', () => {
  it('checks the format against the arguments', () => {
    expect(() => prepareProbe('t:a:b "%d %d", args->x')).toThrow(ParseError);
    expect(prepareProbe('t:a:b "%s=%d", args->x, args->y').stringArgs).toEqual([true, false]);
  });

  it('matches BCC trace columns', () => {
    expect(traceHeader({ timestamp: true, printCpu: true }, true)).toBe(
      'TIME     CPU PID     TID     COMM            FUNC             -',
    );
    const e: TraceEvent = {
      probe: 0,
      func: 'sys_enter_kill',
      tsNs: 2_500_000,
      pid: 10,
      tid: 11,
      cpu: 1,
      comm: 'a-long-command-name',
      values: [],
      message: 'hi',
    };
    expect(formatTraceLine(e, { timestamp: true, printCpu: true }, 1_000_000)).toBe(
      '0.001500 1   10      11      a-long-command- sys_enter_kill   hi',
    );
    // BCC cuts the time to its column: 12.345678 s prints as 12.34567; -t wins over -T.
    const late = { ...e, tsNs: 12_345_678_900 };
    expect(formatTraceLine(late, { timestamp: true, clock: true }, 0)).toBe(
      '12.34567 10      11      a-long-command- sys_enter_kill   hi',
    );
    expect(formatTraceLine(late, { clock: true }, 0, new Date(2026, 0, 1, 3, 4, 5))).toBe(
      '03:04:05 10      11      a-long-command- sys_enter_kill   hi',
    );
    // -u: seconds since the epoch in a 17-wide column.
    expect(traceHeader({ timestamp: true, unixTimestamp: true }, false)).toBe(
      'TIME              PID     TID     COMM            FUNC             ',
    );
    expect(
      formatTraceLine(late, { timestamp: true, unixTimestamp: true }, 0, new Date(), 1_700_000_000),
    ).toBe('1700000012.345679 10      11      a-long-command- sys_enter_kill   hi');
  });

  it('prints stack frames as BCC does', () => {
    expect(bccSymbol({ name: 'do_sys_open', offset: 5n }, true)).toBe('do_sys_open+0x5 [kernel]');
    expect(bccSymbol({ name: 'ext4_read', offset: 0n, module: '[ext4]' }, true)).toBe('ext4_read+0x0 [ext4]');
    expect(bccSymbol({ name: 'malloc', offset: 16n, module: '/usr/lib/libc.so.6' }, false)).toBe(
      'malloc+0x10 [libc.so.6]',
    );
    expect(bccSymbol({ name: '/usr/bin/x+0x10', offset: 0n, module: '/usr/bin/x' }, false)).toBe(
      '[unknown] [x]',
    );
    expect(bccSymbol(undefined, false)).toBe('[unknown]');
  });
});
