import { openSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { BpfkitError } from '../errors/index.js';
import { kernelIt } from '../testing/kernel.js';
import { attachRawTracepoint } from './link-raw-tracepoint.js';
import { countCalls } from './link-test-programs.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

describe('raw tracepoint links', () => {
  kernelIt('counts this process’s sys_enter events, and stops counting after close', () => {
    const counter = BpfMap.create({
      type: 'array',
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      name: 'counter',
    });
    const prog = Program.load({ type: 'raw_tracepoint', insns: countCalls(process.pid), maps: { counter } });
    const read = () => counter.get(Buffer.alloc(4))!.readBigUInt64LE(0);
    try {
      const link = attachRawTracepoint(prog, 'sys_enter');
      for (let i = 0; i < 100; i++) {
        try {
          openSync(`/tmp/bpfkit-raw-${i}`, 'r');
        } catch {}
      }
      const during = read();
      expect(during).toBeGreaterThanOrEqual(100n);
      link.close();
      // The close(2) that detaches is itself counted; measure from after it.
      const after = read();
      for (let i = 0; i < 50; i++) {
        try {
          openSync(`/tmp/bpfkit-raw-${i}`, 'r');
        } catch {}
      }
      expect(read()).toBe(after);
    } finally {
      prog.close();
      counter.close();
    }
  });

  kernelIt('a missing raw tracepoint names near matches', () => {
    const counter = BpfMap.create({
      type: 'array',
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      name: 'counter',
    });
    const prog = Program.load({ type: 'raw_tracepoint', insns: countCalls(), maps: { counter } });
    try {
      let err: unknown;
      try {
        attachRawTracepoint(prog, 'sched_switchh');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BpfkitError);
      expect((err as BpfkitError).message).toContain('sched_switchh');
      expect((err as BpfkitError).hint).toContain('sched_switch');
    } finally {
      prog.close();
      counter.close();
    }
  });
});
