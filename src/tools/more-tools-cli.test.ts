import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliEntry, repoRoot, runCli } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';

const TOOLS = [
  'profile',
  'syscount',
  'exitsnoop',
  'killsnoop',
  'sigsnoop',
  'statsnoop',
  'runqlat',
  'biolatency',
  'tcpconnect',
  'tcpaccept',
  'bindsnoop',
  'trace',
];

describe('more tool commands', () => {
  it('print help with examples, --json and -d', async () => {
    for (const tool of TOOLS) {
      const r = await runCli([tool, '-h']);
      expect(r.code, tool).toBe(0);
      expect(r.stdout, tool).toContain('Examples:');
      expect(r.stdout, tool).toContain('--json');
      expect(r.stdout, tool).toContain('-d, --duration');
    }
  });

  it('reject bad option values in one line, with no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['profile', '-F', 'fast'], /^bpfkit: -F: expected an integer, got 'fast'\n$/],
      [['profile', '-U', '-K', '-d', '1'], /^bpfkit: profile: -U and -K exclude each other\n$/],
      [['syscount', '-e', 'ENOTHING'], /^bpfkit: -e: unknown errno 'ENOTHING'/],
      [['killsnoop', '-s', '99'], /^bpfkit: -s: 99 is out of range 1\.\.64\n$/],
      [['tcpconnect', '-P', '80,70000'], /^bpfkit: -P: 70000 is out of range 0\.\.65535\n$/],
      [['runqlat', '1', 'many'], /^bpfkit: count: expected an integer, got 'many'\n$/],
      [['exitsnoop', '-d', 'later'], /^bpfkit: -d: expected a positive number of seconds, got 'later'\n$/],
      [
        ['trace', 't:sched:sched_switch (args->prev_pid == ) "x"'],
        /^bpfkit: probe 1:1:41: error: unexpected '\)'\n.*\n {40}\^\n$/,
      ],
      [
        ['biolatency', '-d', 'sdc'],
        /^bpfkit: -d: expected a number of seconds, got 'sdc' \(to trace one disk: --disk-name sdc\)\n$/,
      ],
      [['biolatency', '--disk-name', 'nonexistent0'], /^bpfkit: --disk-name: no disk named 'nonexistent0'/],
      [
        ['execsnoop', '-c', '/nonexistent/cg'],
        /^bpfkit: -c: cannot open cgroup \/nonexistent\/cg: no such file or directory/,
      ],
      [
        ['exitsnoop', '-c', '/nonexistent/cg'],
        /^bpfkit: -c: cannot open cgroup \/nonexistent\/cg: no such file or directory/,
      ],
    ];
    for (const [args, want] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  kernelIt('stream exits to a pipe as they happen and exit 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [...cliEntry(), 'exitsnoop', '--json'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const pids = new Set<number>();
    const seen = new Promise<number>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        for (const line of out.split('\n')) {
          if (!line.startsWith('{')) continue;
          const e = JSON.parse(line) as { pid: number; exit_code: number };
          if (pids.has(e.pid) && e.exit_code === 42) resolve(e.pid);
        }
      });
    });
    // Keep starting short-lived processes until the tool (still starting up) reports one.
    const timer = setInterval(() => {
      const p = spawn('/bin/sh', ['-c', 'exit 42'], { stdio: 'ignore' });
      if (p.pid) pids.add(p.pid);
    }, 250);
    const pid = await seen;
    clearInterval(timer);
    const code = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(pids.has(pid)).toBe(true);
    expect(stderr).toBe('');
  });

  kernelIt('profile prints the stacks it counted on SIGTERM', async () => {
    const busy = spawn('/bin/sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    const child = spawn(process.execPath, [...cliEntry(), 'profile', '-F', '199', '-p', String(busy.pid)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const attached = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('Hit Ctrl-C to end.')) resolve();
      });
    });
    const code = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    await attached;
    // A spinning shell is on a CPU all the time: a second at 199 Hz gives it samples to report.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    busy.kill('SIGKILL');
    expect(out).toContain(
      `Sampling at 199 Hertz of PID ${busy.pid} by user + kernel stack... Hit Ctrl-C to end.`,
    );
    expect(out).toMatch(new RegExp(`\\n {4}- {16}sh \\(${busy.pid}\\)\\n {8}\\d+\\n`));
  });
});
