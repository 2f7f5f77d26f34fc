import { describe, expect, it } from 'vitest';
import type { ElfFile } from './elf.js';
import { ldSoCache, loadElf, resolveBinary, resolveUprobe, UprobeTargetError } from './uprobe-resolve.js';

describe('resolveBinary', () => {
  it('finds libc by short name through ld.so.cache or the library directories', () => {
    expect(resolveBinary('c')).toMatch(/libc\.so\.6$/);
    expect(resolveBinary('libc')).toBe(resolveBinary('c'));
    expect(ldSoCache().length).toBeGreaterThan(0);
  });

  it('finds executables on PATH', () => {
    expect(resolveBinary('bash')).toMatch(/bash$/);
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
