import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/index.js';
import { ElfFile, ET_DYN, PT_LOAD } from './elf.js';

/** makeElf builds a minimal ELF64 with one PT_LOAD segment and a .symtab, for exact assertions. */
function makeElf(symbols: { name: string; value: bigint; type?: number }[]): Uint8Array {
  const strtab = ['\0'];
  const nameOff: number[] = [];
  let len = 1;
  for (const s of symbols) {
    nameOff.push(len);
    strtab.push(`${s.name}\0`);
    len += s.name.length + 1;
  }
  const strBytes = Buffer.from(strtab.join(''));
  const shstr = Buffer.from('\0.symtab\0.strtab\0.shstrtab\0');
  const phoff = 64;
  const symoff = phoff + 56;
  const symsize = 24 * (symbols.length + 1);
  const stroff = symoff + symsize;
  const shstroff = stroff + strBytes.length;
  const shoff = Math.ceil((shstroff + shstr.length) / 8) * 8;
  const b = Buffer.alloc(shoff + 64 * 4);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  b.writeUInt16LE(ET_DYN, 16);
  b.writeUInt16LE(62, 18);
  b.writeBigUInt64LE(BigInt(phoff), 32);
  b.writeBigUInt64LE(BigInt(shoff), 40);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt16LE(4, 60);
  b.writeUInt16LE(3, 62);
  // PT_LOAD: file offset 0x0 maps at vaddr 0x400000 (so offset = value - 0x400000).
  b.writeUInt32LE(PT_LOAD, phoff);
  b.writeUInt32LE(5, phoff + 4);
  b.writeBigUInt64LE(0n, phoff + 8);
  b.writeBigUInt64LE(0x400000n, phoff + 16);
  b.writeBigUInt64LE(0x10000n, phoff + 32);
  b.writeBigUInt64LE(0x10000n, phoff + 40);
  symbols.forEach((s, i) => {
    const o = symoff + 24 * (i + 1);
    b.writeUInt32LE(nameOff[i]!, o);
    b.writeUInt8((1 << 4) | (s.type ?? 2), o + 4);
    b.writeUInt16LE(1, o + 6);
    b.writeBigUInt64LE(s.value, o + 8);
    b.writeBigUInt64LE(16n, o + 16);
  });
  b.set(strBytes, stroff);
  b.set(shstr, shstroff);
  const sh = (
    i: number,
    name: number,
    type: number,
    off: number,
    size: number,
    link: number,
    ent: number,
  ) => {
    const o = shoff + 64 * i;
    b.writeUInt32LE(name, o);
    b.writeUInt32LE(type, o + 4);
    b.writeBigUInt64LE(BigInt(off), o + 24);
    b.writeBigUInt64LE(BigInt(size), o + 32);
    b.writeUInt32LE(link, o + 40);
    b.writeBigUInt64LE(BigInt(ent), o + 56);
  };
  sh(1, 1, 2, symoff, symsize, 2, 24);
  sh(2, 9, 3, stroff, strBytes.length, 0, 0);
  sh(3, 17, 3, shstroff, shstr.length, 0, 0);
  return new Uint8Array(b);
}

describe('ElfFile', () => {
  it('turns a symbol into a file offset through PT_LOAD', () => {
    const elf = new ElfFile(
      makeElf([
        { name: 'probe_me', value: 0x401230n },
        { name: 'other', value: 0x400100n },
      ]),
    );
    expect(elf.type).toBe(ET_DYN);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.symtab', '.strtab', '.shstrtab']);
    const sym = elf.symbol('probe_me');
    expect(sym?.value).toBe(0x401230n);
    expect(elf.fileOffset(sym!.value)).toBe(0x1230n);
    expect(elf.vaddrOf(0x100n)).toBe(0x400100n);
    expect(elf.symbol('missing')).toBeUndefined();
  });

  it('reads libc: malloc is a defined function in an executable segment', () => {
    const elf = new ElfFile(readFileSync('/lib/x86_64-linux-gnu/libc.so.6'));
    const malloc = elf.symbol('malloc@@GLIBC_2.2.5');
    expect(malloc?.type).toBe(2);
    const off = elf.fileOffset(malloc!.value)!;
    expect(off).toBeGreaterThan(0n);
    expect(elf.vaddrOf(off)).toBe(malloc!.value);
  });

  it('names every section, .bss (no file bytes) included', () => {
    const elf = new ElfFile(readFileSync('/lib/x86_64-linux-gnu/libc.so.6'));
    const nobits = elf.sections.filter((s) => s.type === 8).map((s) => s.name);
    expect(nobits).toContain('.bss');
    expect(elf.sections.filter((s, i) => i > 0 && s.name === '')).toEqual([]);
  });

  it('rejects non-ELF and truncated input with DecodeError', () => {
    expect(() => new ElfFile(new Uint8Array(10))).toThrow(DecodeError);
    expect(() => new ElfFile(new Uint8Array(64))).toThrow(/bad magic/);
    const good = makeElf([{ name: 'f', value: 0x400010n }]);
    expect(() => new ElfFile(good.subarray(0, 100))).toThrow(DecodeError);
  });

  it('fuzz: random corruption throws only DecodeError', () => {
    const seeds = [
      makeElf([
        { name: 'alpha', value: 0x400010n },
        { name: 'beta', value: 0x400020n },
      ]),
    ];
    let state = 12345;
    const rand = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state;
    };
    for (let iter = 0; iter < 3000; iter++) {
      const seed = seeds[iter % seeds.length]!;
      const bytes = seed.slice(0, iter % 7 === 0 ? rand() % seed.length : seed.length);
      const flips = 1 + (rand() % 8);
      for (let f = 0; f < flips && bytes.length > 0; f++) bytes[rand() % bytes.length] = rand() & 0xff;
      try {
        const elf = new ElfFile(bytes);
        for (const s of elf.symbols) elf.fileOffset(s.value);
        elf.symbol('alpha');
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }
  });
});
