import { spawn } from 'node:child_process';
import { describe, expect } from 'vitest';
import { cliEntry, repoRoot } from '../../testing/cli.js';
import { kernelIt } from '../../testing/kernel.js';
import { run } from './run.js';

describe('event output', () => {
  kernelIt(
    'keeps its Ctrl-C handler while it detaches and prints the maps, so a second Ctrl-C cannot cut them short',
    async () => {
      let during = -1;
      let out = '';
      const done = run({
        text: 'interval:ms:10 { @n = count(); }',
        file: '-e',
        write: (s) => {
          out += s;
          // The map lines are written after the probes are detached.
          if (s.includes('@n:')) during = process.listenerCount('SIGINT');
        },
        writeErr: () => {},
        onAttached: () => {
          setTimeout(() => process.emit('SIGINT', 'SIGINT'), 50);
        },
      });
      expect(await done).toBe(0);
      expect(out).toMatch(/@n: \d+\n$/);
      // One more than once the run is over: its own handler, which a second Ctrl-C only re-resolves.
      expect(during).toBe(process.listenerCount('SIGINT') + 1);
    },
  );

  kernelIt('printf output reaches a pipe while the script still runs, not only at exit', async () => {
    const child = spawn(
      process.execPath,
      [...cliEntry(), 'run', '-e', 'interval:ms:20 { printf("tick %d\\n", 7); }'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    // Resolves only when a tick arrives through the pipe; output held until exit would never come.
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`bpfkit exited (${code}) before printing a tick`)));
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('tick 7\n')) resolve();
      });
    });
    child.removeAllListeners('exit');
    const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(out).toMatch(/^Attaching 1 probe\.\.\.\ntick 7\n/);
  });

  kernelIt('a printf storm arrives whole: one line per traced syscall, none lost', async () => {
    let out = '';
    let err = '';
    const code = await run({
      text: 'tracepoint:raw_syscalls:sys_enter /pid == cpid && comm == "dd"/ { printf("%s %d %d\\n", comm, args->id, 5); }',
      file: '-e',
      command: 'dd if=/dev/zero of=/dev/null bs=1 count=20000 status=none',
      write: (s) => {
        out += s;
      },
      writeErr: (s) => {
        err += s;
      },
    });
    expect(code).toBe(0);
    expect(err).toBe('');
    // dd writes once per block: exactly 20000 write(2) calls (syscall 1 on x86_64).
    expect(out.split('\n').filter((l) => l === 'dd 1 5').length).toBe(20000);
    expect(out.split('\n').filter((l) => l === 'dd 0 5').length).toBeGreaterThanOrEqual(20000);
  });
});
