import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliEntry, repoRoot, runCli } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';

const TOOLS = ['tcplife', 'strace', 'execsnoop', 'opensnoop'];

describe('tool commands', () => {
  it('print help with examples', async () => {
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
      [['opensnoop', '-p', 'abc'], /^bpfkit: -p: expected an integer, got 'abc'\n$/],
      [['tcplife', '-L', '80,99999'], /^bpfkit: -L: 99999 is out of range 0\.\.65535\n$/],
      [['tcplife', '-4', '-6'], /^bpfkit: tcplife: -4 and -6 exclude each other\n$/],
      [['execsnoop', '-d', 'soon'], /^bpfkit: -d: expected a positive number of seconds, got 'soon'\n$/],
      [['strace'], /^bpfkit: strace: give a command to run \(after --\) or -p PID\n$/],
      [['strace', '-e', 'trace=read,nosuch', '--', 'true'], /unknown syscall 'nosuch'/],
    ];
    for (const [args, want] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  kernelIt('stream events to a pipe as they happen and exit 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [...cliEntry(), 'execsnoop', '--json'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tag = `bpfkit-cli-${process.pid}`;
    let out = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // The event must arrive while the tool is still running: that is what streaming means.
    const seen = new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes(tag)) resolve();
      });
    });
    const execOnce = () => spawn('/bin/echo', [tag], { stdio: 'ignore' });
    // Keep exec'ing until the tool (still starting up) reports one.
    const timer = setInterval(execOnce, 250);
    await seen;
    clearInterval(timer);
    const code = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    const line = out.split('\n').find((l) => l.includes(tag));
    expect(JSON.parse(line!)).toMatchObject({ comm: 'echo', ret: 0, args: ['/bin/echo', tag] });
    expect(stderr).toBe('');
  });

  kernelIt('count strace -t flags as strace does: -t, -tt, -ttt, and -r with them', async () => {
    const run = async (...flags: string[]) => {
      const r = await runCli(['strace', ...flags, '-e', 'trace=exit_group', '--', 'true']);
      expect(r.code, flags.join(' ')).toBe(0);
      return r.stderr.split('\n')[0]!;
    };
    expect(await run('-t')).toMatch(/^\d\d:\d\d:\d\d exit_group\(0\) += \?$/);
    expect(await run('-tt')).toMatch(/^\d\d:\d\d:\d\d\.\d{6} exit_group\(0\)/);
    expect(await run('-ttt')).toMatch(/^\d{10}\.\d{6} exit_group\(0\)/);
    expect(await run('-t', '-t')).toMatch(/^\d\d:\d\d:\d\d\.\d{6} exit_group\(0\)/);
    expect(await run('-r')).toMatch(/^ {5}0\.000000 exit_group\(0\)/);
    expect(await run('-tt', '-r')).toMatch(/^\d\d:\d\d:\d\d\.\d{6} \(\+ {5}0\.000000\) exit_group\(0\)/);
  });

  kernelIt('say clearly that they need root', async () => {
    for (const tool of ['opensnoop', 'tcplife', 'execsnoop']) {
      const child = spawn(process.execPath, [...cliEntry(), tool], {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect(code).toBe(1);
      expect(stderr).toBe(
        `bpfkit: ${tool} needs root to load and attach eBPF programs (run it with sudo, or grant CAP_BPF and CAP_PERFMON)\n`,
      );
    }
  });
});
