import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ElfFile } from './elf.js';
import {
  ldSoCache,
  loadElf,
  parseLdSoCache,
  resolveBinary,
  resolveUprobe,
  UprobeTargetError,
} from './uprobe-resolve.js';

describe('resolveBinary', () => {
  it('finds libc by short name through ld.so.cache or the library directories', () => {
    expect(resolveBinary('c')).toMatch(/libc\.so\.6$/);
    expect(resolveBinary('libc')).toBe(resolveBinary('c'));
    expect(ldSoCache().length).toBeGreaterThan(0);
  });

  it('finds executables on PATH before libraries of the same name', () => {
    expect(resolveBinary('bash')).toMatch(/bash$/);
    expect(loadElf(resolveBinary('node')).symbol('uv_hrtime')).toBeDefined();
  });

  it('rejects unknown names with a typed error', () => {
    expect(() => resolveBinary('no-such-binary-bpfkit')).toThrow(UprobeTargetError);
  });
});

describe('resolveUprobe', () => {
  it('gives the file offset of malloc in libc', () => {
    const t = resolveUprobe('c', 'malloc');
    const elf: ElfFile = loadElf(t.path);
    const sym = elf.symbol('malloc')!;
    expect(t.offset).toBe(elf.fileOffset(sym.value));
    expect(resolveUprobe('c', 'malloc+4').offset).toBe(t.offset + 4n);
  });

  it('names the binary and near matches for a missing symbol', () => {
    let err: unknown;
    try {
      resolveUprobe('c', 'mallocc');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UprobeTargetError);
    expect((err as UprobeTargetError).message).toMatch(/symbol mallocc not found in .*libc\.so\.6/);
    expect((err as UprobeTargetError).hint).toContain('malloc');
  });
});

describe('parseLdSoCache', () => {
  it('fuzz: corrupt caches never throw and only yield absolute paths', () => {
    const real = readFileSync('/etc/ld.so.cache');
    const seed = Buffer.from(real.subarray(0, Math.min(real.length, 4096)));
    let state = 99;
    const rand = () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
    for (let iter = 0; iter < 1000; iter++) {
      const b = Buffer.from(seed.subarray(0, iter % 5 === 0 ? rand() % seed.length : seed.length));
      for (let f = 0; f < 1 + (rand() % 16) && b.length > 0; f++) b[rand() % b.length] = rand() & 0xff;
      for (const [k, v] of parseLdSoCache(b)) {
        expect(k.length).toBeGreaterThan(0);
        expect(v.startsWith('/')).toBe(true);
      }
    }
  });
});
