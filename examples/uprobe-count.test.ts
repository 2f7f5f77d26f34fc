import { describe, expect } from 'vitest';
import { kernelIt } from '../src/testing/kernel.js';
import { runExample } from './run-example.js';
import { countCommand } from './uprobe-count.js';

describe('examples/uprobe-count', () => {
  kernelIt('counts libc getppid calls made by a command it starts', async () => {
    // perl's getppid() goes through libc's getppid: 50 calls in the loop.
    const n = await countCommand('c', 'getppid', ['perl', '-e', 'getppid() for 1..50']);
    expect(n).toBeGreaterThanOrEqual(50);
    expect(n).toBeLessThan(60);
  });

  kernelIt('runs from the command line', async () => {
    const r = await runExample('uprobe-count.ts', ['c', 'getppid', '--', 'perl', '-e', 'getppid() for 1..7']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^getppid: ([7-9]|1\d) calls by perl/m);
  });

  kernelIt('a missing symbol is a one-line error naming the library and near matches', async () => {
    const r = await runExample('uprobe-count.ts', ['c', 'getppidd', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/symbol getppidd not found in .*libc\.so\.6 \(did you mean getppid/);
  });
});
