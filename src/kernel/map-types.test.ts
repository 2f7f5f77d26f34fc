import { describe, expect, it } from 'vitest';
import { BpfkitError } from '../errors/index.js';
import { MapType } from '../sys/bpf-cmd.js';
import { codecs } from './map-codecs.js';
import { cpuListLength, mapTypeName, mapTypeNumber, sizeDefaults } from './map-types.js';

describe('map types', () => {
  it('names and numbers follow enum bpf_map_type', () => {
    expect(mapTypeNumber('ringbuf')).toBe(27);
    expect(mapTypeNumber('lru_percpu_hash')).toBe(10);
    expect(mapTypeName(MapType.HASH_OF_MAPS)).toBe('hash_of_maps');
    expect(mapTypeName(1234)).toBe('map_type_1234');
  });

  it('fills the sizes a type fixes and asks for the rest', () => {
    expect(sizeDefaults(MapType.RINGBUF, {})).toEqual({ keySize: 0, valueSize: 0, maxEntries: 256 * 1024 });
    expect(sizeDefaults(MapType.ARRAY, { valueSize: 8, maxEntries: 2 }).keySize).toBe(4);
    expect(() => sizeDefaults(MapType.HASH, { keySize: 4 })).toThrow(/needs valueSize, maxEntries/);
  });

  it('parses cpu lists', () => {
    expect(cpuListLength('0-1\n')).toBe(2);
    expect(cpuListLength('0,2-3,8')).toBe(9);
    expect(cpuListLength('0')).toBe(1);
    expect(() => cpuListLength('')).toThrow(BpfkitError);
    expect(() => cpuListLength('a-b')).toThrow(/cannot parse cpu list/);
  });

  it('cpu list parsing only ever throws BpfkitError (bounded fuzz)', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '0123456789,-\n x';
    for (let n = 0; n < 2000; n++) {
      let s = '';
      for (let i = Math.floor(rnd() * 12); i > 0; i--) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        const v = cpuListLength(s);
        expect(v).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(BpfkitError);
      }
    }
  });
});

describe('codecs', () => {
  it('round-trip fixed-width values little-endian', () => {
    expect([...codecs.u32.encode(0x01020304, 4)]).toEqual([4, 3, 2, 1]);
    expect(codecs.i32.decode(codecs.i32.encode(-5, 4))).toBe(-5);
    expect(codecs.u64.decode(codecs.u64.encode(2n ** 64n - 1n, 8))).toBe(2n ** 64n - 1n);
    expect(codecs.i64.decode(codecs.i64.encode(-2n, 8))).toBe(-2n);
    expect(codecs.u64n.decode(codecs.u64n.encode(12345, 8))).toBe(12345);
    expect(codecs.cstring(16).decode(codecs.cstring(16).encode('bash', 16))).toBe('bash');
    expect(codecs.cstring(4).encode('abcdef', 4).toString('latin1')).toBe('abc\0');
  });

  it('refuse values that do not fit the map field', () => {
    expect(() => codecs.u64.encode(1n, 4)).toThrow(/needs 8 bytes/);
    expect(() => codecs.raw.encode(Buffer.alloc(9), 8)).toThrow(/does not fit/);
    expect([...codecs.raw.encode(Buffer.from([1]), 3)]).toEqual([1, 0, 0]);
  });
});
