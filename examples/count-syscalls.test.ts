import { spawn } from 'node:child_process';
import { describe, expect } from 'vitest';
import { kernelIt } from '../src/testing/kernel.js';
import { countSyscalls } from './count-syscalls.js';
import { runExample } from './run-example.js';

describe('examples/count-syscalls', () => {
  kernelIt('counts the system calls of a child that makes many', async () => {
    // The child reads /dev/zero byte by byte: about 2 system calls per byte.
    const child = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=20000000'], {
      stdio: 'ignore',
    });
    try {
      const rows = await countSyscalls(500);
      const mine = rows.find((r) => r.pid === child.pid);
      expect(mine?.comm).toBe('dd');
      expect(mine!.count).toBeGreaterThan(1000);
      expect(rows[0]!.count).toBeGreaterThanOrEqual(mine!.count);
    } finally {
      child.kill('SIGKILL');
    }
  });

  kernelIt('runs from the command line', async () => {
    const r = await runExample('count-syscalls.ts', ['1', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PID\s+COMM\s+SYSCALLS/);
    expect(r.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(3);
  });
});
