import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { repoRoot } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';
import { BpfMap } from './map.js';
import { ensureBpffs, unpin } from './pin.js';

/**
 * A child attaches a tracepoint counter whose map is pinned (so it outlives the child), says
 * "attached", then ends the way `how` says. Afterwards the counter must stop moving: nothing stayed
 * attached.
 */
function child(pin: string, how: 'sigterm' | 'sigint' | 'throw'): Promise<number | null> {
  const code = `
    const { attachTracepoint, BpfMap, Program } = await import(${JSON.stringify(join(repoRoot, 'src/kernel/index.ts'))});
    const { countCalls } = await import(${JSON.stringify(join(repoRoot, 'src/kernel/link-test-programs.ts'))});
    const counter = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'counter' });
    counter.pin(${JSON.stringify(pin)});
    const prog = Program.load({ type: 'tracepoint', insns: countCalls(), maps: { counter } });
    attachTracepoint(prog, 'syscalls', 'sys_enter_openat');
    const { openSync } = await import('node:fs');
    try { openSync('/nonexistent/bpfkit-cleanup', 'r'); } catch {}
    console.log('attached');
    if (${JSON.stringify(how)} === 'throw') setTimeout(() => { throw new Error('boom'); }, 10);
    else setInterval(() => {}, 1000);
  `;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (!d.includes('attached')) return;
      if (how === 'sigterm') p.kill('SIGTERM');
      if (how === 'sigint') p.kill('SIGINT');
    });
    p.on('close', (code) => resolve(code));
  });
}

const openMissing = () => {
  for (let i = 0; i < 20; i++) {
    try {
      openSync(`/tmp/bpfkit-cleanup-${process.pid}-${i}`, 'r');
    } catch {}
  }
};

describe('links are released when the process ends', () => {
  for (const how of ['sigterm', 'sigint', 'throw'] as const) {
    kernelIt(`after ${how}, the tracepoint no longer runs`, async () => {
      const pin = `${ensureBpffs()}/bpfkit-cleanup-${process.pid}-${how}`;
      unpin(pin);
      try {
        await child(pin, how);
        const counter = BpfMap.fromPin(pin);
        try {
          const read = () => counter.get(Buffer.alloc(4))!.readBigUInt64LE(0);
          const before = read();
          expect(before).toBeGreaterThan(0n); // it did run while the child lived
          openMissing();
          expect(read()).toBe(before);
        } finally {
          counter.close();
        }
      } finally {
        unpin(pin);
      }
    });
  }
});
