import { realpathSync } from 'node:fs';
import { execPath } from 'node:process';
import { describe, expect } from 'vitest';
import type { SysError } from '../sys/errno.js';
import { libc } from '../sys/libc.js';
import { kernelIt } from '../testing/kernel.js';
import { countCalls, recordReturn } from './link-test-programs.js';
import { attachUprobe } from './link-uprobe.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';
import { UprobeTargetError } from './uprobe-resolve.js';

const getppid = libc.func('int getppid()');

function counterMap() {
  return BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'counter' });
}
const read = (m: BpfMap) => m.get(Buffer.alloc(4))!.readBigUInt64LE(0);

describe('uprobe links', () => {
  kernelIt('counts calls of a shared-library function, filtered to this pid', () => {
    const counter = counterMap();
    const prog = Program.load({ type: 'kprobe', insns: countCalls(), maps: { counter } });
    try {
      const link = attachUprobe(prog, { binary: 'c', symbol: 'getppid', pid: process.pid });
      try {
        expect(link.target).toMatch(/libc\.so\.6:getppid$/);
        for (let i = 0; i < 25; i++) getppid();
        expect(read(counter)).toBe(25n);
      } finally {
        link.close();
      }
      getppid();
      expect(read(counter)).toBe(25n);
    } finally {
      prog.close();
      counter.close();
    }
  });

  kernelIt('uretprobe sees the return value', () => {
    const counter = counterMap();
    const prog = Program.load({ type: 'kprobe', insns: recordReturn(process.pid), maps: { counter } });
    try {
      const link = attachUprobe(prog, { binary: 'libc', symbol: 'getppid', retprobe: true });
      try {
        const ppid = getppid() as number;
        expect(read(counter)).toBe(BigInt(ppid));
        expect(ppid).toBe(process.ppid);
      } finally {
        link.close();
      }
    } finally {
      prog.close();
      counter.close();
    }
  });

  kernelIt('probes a function of an executable (node’s uv_hrtime)', () => {
    const counter = counterMap();
    const prog = Program.load({ type: 'kprobe', insns: countCalls(process.pid), maps: { counter } });
    try {
      const link = attachUprobe(prog, { binary: realpathSync(execPath), symbol: 'uv_hrtime' });
      try {
        for (let i = 0; i < 40; i++) process.hrtime.bigint();
        expect(read(counter)).toBeGreaterThanOrEqual(40n);
      } finally {
        link.close();
      }
    } finally {
      prog.close();
      counter.close();
    }
  });

  kernelIt('a missing symbol names the binary and near matches, and attaches nothing', () => {
    const counter = counterMap();
    const prog = Program.load({ type: 'kprobe', insns: countCalls(), maps: { counter } });
    try {
      expect(() => attachUprobe(prog, { binary: 'c', symbol: 'getppidd' })).toThrow(UprobeTargetError);
      try {
        attachUprobe(prog, { binary: 'c', symbol: 'getppidd' });
      } catch (e) {
        expect((e as UprobeTargetError).message).toMatch(/getppidd not found in .*libc/);
        expect((e as UprobeTargetError).hint).toContain('getppid');
      }
    } finally {
      prog.close();
      counter.close();
    }
  });

  kernelIt('a pid that no process has is ESRCH with a sentence, and attaches nothing', () => {
    const counter = counterMap();
    const prog = Program.load({ type: 'kprobe', insns: countCalls(), maps: { counter } });
    try {
      // Above pid_max (at most 2^22), so no process can have it.
      let err: unknown;
      try {
        attachUprobe(prog, { binary: 'c', symbol: 'getppid', pid: 1 << 23 }).close();
      } catch (e) {
        err = e;
      }
      expect((err as SysError).userMessage()).toMatch(
        /getppid pid 8388608: No such process \(ESRCH\) \(no process has that pid\)$/,
      );
      getppid();
      expect(read(counter)).toBe(0n);
    } finally {
      prog.close();
      counter.close();
    }
  });
});
