import { spawn } from 'node:child_process';
import { describe, expect } from 'vitest';
import { kernelIt } from '../src/testing/kernel.js';
import { folded, profile } from './profile.js';
import { runExample } from './run-example.js';

describe('examples/profile', () => {
  kernelIt('samples a busy child and symbolises its kernel and user stacks', async () => {
    // dd with 1-byte blocks spends its time in read/write system calls: kernel and libc frames.
    const child = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=100000000'], {
      stdio: 'ignore',
    });
    try {
      const samples = await profile({ ms: 1000, hz: 199, pid: child.pid! });
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.every((s) => s.pid === child.pid && s.comm === 'dd')).toBe(true);
      const total = samples.reduce((n, s) => n + s.count, 0);
      expect(total).toBeGreaterThan(20);
      const kernelFrames = samples.flatMap((s) => s.kernel);
      // Kernel frames resolve through kallsyms to real function names...
      expect(kernelFrames.some((f) => /read|write|syscall|entry/.test(f))).toBe(true);
      expect(kernelFrames.every((f) => !f.startsWith('0x'))).toBe(true);
      // ...and the top user frame lies in libc's read/write wrappers, resolved through its ELF symbols.
      expect(samples.some((s) => /^(__)?(libc_)?(read|write)/.test(s.user[0] ?? ''))).toBe(true);
      expect(folded(samples[0]!)).toMatch(/^dd;.* \d+$/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  kernelIt('runs from the command line', async () => {
    // A busy child of our own: an idle machine may otherwise give no samples at all in one second.
    const child = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=100000000'], {
      stdio: 'ignore',
    });
    try {
      const r = await runExample('profile.ts', ['1', '49', String(child.pid)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^dd;.* \d+$/m);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
