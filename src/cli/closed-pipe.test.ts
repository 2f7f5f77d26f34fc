// `bpfkit … | head`: when the reader goes away, a tool or a script stops, detaches and exits 0.

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { cliEntry, repoRoot } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';

/** readThenClose starts the CLI, reads until `ready` appears, closes the pipe and returns the exit. */
async function readThenClose(
  args: string[],
  ready: RegExp,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...cliEntry(), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  // Opens keep coming, so the tool has something to write after its reader is gone.
  const opens = setInterval(() => closeSync(openSync('/etc/hostname', 'r')), 20);
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (ready.test(out)) resolve();
      });
      child.on('close', () => reject(new Error(`exited before it was ready: ${stderr}`)));
    });
    child.stdout.destroy();
    const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await closed;
    clearTimeout(timeout);
    return { code, stderr };
  } finally {
    clearInterval(opens);
  }
}

describe('a closed stdout', () => {
  kernelIt('ends opensnoop with exit 0 and nothing on stderr', async () => {
    const r = await readThenClose(['opensnoop'], /hostname/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  kernelIt('ends run with exit 0 and nothing on stderr', async () => {
    const r = await readThenClose(
      ['run', '-e', 'tracepoint:syscalls:sys_enter_openat { printf("%s\\n", comm); }'],
      /Attaching 1 probe\.\.\.\n.+\n/,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
