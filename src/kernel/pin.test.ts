import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { ProgramBuilder, r0 } from '../asm/index.js';
import { SysError } from '../sys/index.js';
import { kernelIt } from '../testing/kernel.js';
import { BpfMap } from './map.js';
import { codecs } from './map-codecs.js';
import { ensureBpffs, isBpffs, unpin } from './pin.js';
import { Program } from './program.js';

describe('pinning', () => {
  kernelIt('a map and a program pinned in bpffs are reopened from their paths, then unpinned', () => {
    const root = ensureBpffs();
    expect(isBpffs(root)).toBe(true);
    const dir = mkdtempSync(join(root, 'bpfkit-test-'));
    const map = BpfMap.create({
      type: 'hash',
      maxEntries: 4,
      name: 'pinned',
      key: codecs.u32,
      value: codecs.u32,
    });
    const prog = Program.load({
      type: 'xdp',
      insns: new ProgramBuilder().mov(r0, 2).exit().build(),
      name: 'pinned_prog',
    });
    try {
      map.set(1, 11);
      map.pin(join(dir, 'map'));
      prog.pin(join(dir, 'prog'));
      expect(() => map.pin(join(dir, 'map'))).toThrow(/EEXIST/);

      const again = BpfMap.fromPin(join(dir, 'map'), { key: codecs.u32, value: codecs.u32 });
      try {
        expect(again.get(1)).toBe(11);
        expect(again.name).toBe('pinned');
        expect(again.info().id).toBe(map.info().id);
        again.set(2, 22);
        expect(map.get(2)).toBe(22);
      } finally {
        again.close();
      }
      const p2 = Program.fromPin(join(dir, 'prog'));
      try {
        expect(p2.info().id).toBe(prog.info().id);
        expect(p2.testRun({ data: Buffer.alloc(64) }).retval).toBe(2);
      } finally {
        p2.close();
      }
    } finally {
      map.close();
      prog.close();
      unpin(dir);
    }
    expect(existsSync(dir)).toBe(false);
    const err = (() => {
      try {
        BpfMap.fromPin(join(dir, 'map'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SysError);
    expect((err as SysError).hint).toMatch(/nothing is pinned/);
  });

  kernelIt('pinning outside bpffs is refused with a hint', () => {
    const map = BpfMap.create({ type: 'array', valueSize: 4, maxEntries: 1 });
    try {
      let err: unknown;
      try {
        map.pin('/tmp/bpfkit-not-bpffs');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SysError);
      expect((err as SysError).userMessage()).toMatch(/pin object: .*must be inside a bpffs mount/);
    } finally {
      map.close();
    }
  });
});
