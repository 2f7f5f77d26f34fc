import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/index.js';
import { ElfFile } from './elf.js';

// libstdc++ carries SDT notes (libstdcxx:throw/catch/rethrow); glibc on this machine has none.
const LIB = '/usr/lib/x86_64-linux-gnu/libstdc++.so.6';
const have = existsSync(LIB);

/** readelfNotes is binutils' view of the same notes, the reference for ours. */
function readelfNotes(
  path: string,
): { provider: string; name: string; pc: bigint; base: bigint; args: string }[] {
  const text = execFileSync('readelf', ['-n', path], { encoding: 'utf8' });
  const re =
    /Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: 0x[0-9a-f]+\s+Arguments: ?([^\n]*)/g;
  return [...text.matchAll(re)].map((m) => ({
    provider: m[1]!,
    name: m[2]!,
    pc: BigInt(m[3]!),
    base: BigInt(m[4]!),
    args: m[5]!.trim(),
  }));
}

describe('ElfFile.usdtNotes', () => {
  it.skipIf(!have)('reads the same probes as readelf, with the .stapsdt.base shift applied', () => {
    const elf = new ElfFile(readFileSync(LIB));
    const ours = elf.usdtNotes();
    const ref = readelfNotes(LIB);
    expect(ref.length).toBeGreaterThan(0);
    const baseAddr = elf.sections.find((s) => s.name === '.stapsdt.base')!.addr;
    expect(ours.map((n) => [n.provider, n.name, n.pc, n.args])).toEqual(
      ref.map((r) => [r.provider, r.name, r.pc + baseAddr - r.base, r.args]),
    );
    expect(ours.find((n) => n.name === 'throw')?.args).toBe('8@%rdi 8@%rsi');
  });

  it.skipIf(!have)('moves pc by the prelink shift between the note base and .stapsdt.base', () => {
    const bytes = Buffer.from(readFileSync(LIB));
    const elf = new ElfFile(bytes);
    const notes = elf.sections.find((s) => s.name === '.note.stapsdt')!;
    const before = elf.usdtNotes()[0]!;
    // The first note's desc starts after the 12-byte header and the padded "stapsdt\0" name.
    const baseAt = notes.offset + 12 + 8 + 8;
    bytes.writeBigUInt64LE(bytes.readBigUInt64LE(baseAt) - 0x1000n, baseAt);
    expect(new ElfFile(bytes).usdtNotes()[0]!.pc).toBe(before.pc + 0x1000n);
  });

  it.skipIf(!have)(
    'semaphoreOffset maps a semaphore address through its section, as readelf lays it out',
    () => {
      const elf = new ElfFile(readFileSync(LIB));
      // readelf -S: ".data  PROGBITS  <addr> <offset>"; any address inside .data maps the same way.
      const m = /\.data\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(
        execFileSync('readelf', ['-SW', LIB], { encoding: 'utf8' }),
      )!;
      const addr = BigInt(`0x${m[1]}`);
      const off = BigInt(`0x${m[2]}`);
      expect(elf.semaphoreOffset(addr + 6n)).toBe(off + 6n);
      expect(elf.semaphoreOffset(0xffff_ffff_0000n)).toBeUndefined();
    },
  );

  it('a file without notes has no probes', () => {
    // node is built without SDT probes here.
    expect(new ElfFile(readFileSync(process.execPath)).usdtNotes()).toEqual([]);
  });

  it.skipIf(!have)('fuzz: corrupted notes throw only DecodeError', () => {
    const orig = readFileSync(LIB);
    const notes = new ElfFile(orig).sections.find((s) => s.name === '.note.stapsdt')!;
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let decodeErrors = 0;
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(orig);
      for (let k = 0; k < 1 + rnd(6); k++) b[notes.offset + rnd(notes.size)] = rnd(256);
      try {
        new ElfFile(b).usdtNotes();
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        decodeErrors++;
      }
    }
    expect(decodeErrors).toBeGreaterThan(0);
  });
});
