import { spawn, spawnSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { kernelIt } from '../src/testing/kernel.js';
import { type ExecEvent, streamExecs } from './exec-stream.js';
import { startExample } from './run-example.js';

describe('examples/exec-stream', () => {
  kernelIt('reports an exec the test makes, with its pid and filename', async () => {
    const path = `/tmp/bpfkit-exec-${process.pid}`;
    rmSync(path, { force: true });
    symlinkSync('/bin/true', path);
    const seen: ExecEvent[] = [];
    let resolveSeen: (e: ExecEvent) => void = () => {};
    const found = new Promise<ExecEvent>((r) => (resolveSeen = r));
    const stream = streamExecs((e) => {
      seen.push(e);
      if (e.filename === path) resolveSeen(e);
    });
    try {
      const child = spawn(path, [], { stdio: 'ignore' });
      const e = await found;
      expect(e.pid).toBe(child.pid);
      expect(e.comm).toBe(`bpfkit-exec-${process.pid}`.slice(0, 15));
    } finally {
      await stream.stop();
      rmSync(path, { force: true });
    }
  });

  kernelIt('runs from the command line until interrupted', async () => {
    const run = startExample('exec-stream.ts', [], 20_000);
    // The header is printed once the program is attached.
    await run.until(/FILENAME/);
    spawnSync('/bin/true');
    await run.until(/\/bin\/true/);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PID\s+OLD PID\s+COMM\s+FILENAME/);
  });
});
