import { describe, expect, it } from 'vitest';
import { Btf } from '../btf/btf.js';
import { BtfBuilder } from '../btf/encode.js';
import { safeField, walkStruct } from './btf-access.js';

// A small struct with every shape the walk distinguishes:
//   struct item { int a; /* hole 4..7 */ struct node *next; unsigned flags:3, mode:5; char name[6];
//                 union { int x; long y; } u; void *priv; u64 tail[]; }
function fixture() {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const long = b.int('long', 8, { signed: true });
  const uint = b.int('unsigned int', 4);
  const char = b.int('char', 1, { char: true });
  const u64 = b.int('u64', 8);
  const node = b.struct('node', 16, [
    { name: 'next', type: 0, bitOffset: 0 },
    { name: 'v', type: long, bitOffset: 64 },
  ]);
  const rcuNode = b.ptr(b.typeTag('rcu', node));
  const u = b.composite('union', '', 8, [
    { name: 'x', type: int, bitOffset: 0 },
    { name: 'y', type: long, bitOffset: 0 },
  ]);
  const item = b.struct('item', 48, [
    { name: 'a', type: int, bitOffset: 0 },
    { name: 'next', type: b.ptr(b.modifier('const', node)), bitOffset: 64 },
    { name: 'flags', type: uint, bitOffset: 128, bitSize: 3 },
    { name: 'mode', type: uint, bitOffset: 131, bitSize: 5 },
    { name: 'name', type: b.array(char, 6), bitOffset: 136 },
    { name: 'u', type: u, bitOffset: 192 },
    { name: 'priv', type: b.ptr(0), bitOffset: 256 },
    { name: 'parent', type: rcuNode, bitOffset: 320 },
    { name: 'tail', type: b.array(u64, 0), bitOffset: 384 },
  ]);
  b.struct('item__safe_rcu', 0, [{ name: 'parent', type: rcuNode, bitOffset: 0 }]);
  return { btf: Btf.parse(b.build()), item, node };
}

describe('walkStruct', () => {
  const { btf, item, node } = fixture();
  const walk = (off: number, size: number) => walkStruct(btf, item, off, size);

  it('reads inside a member, or any bytes of a char array', () => {
    expect(walk(0, 4)).toEqual({ kind: 'scalar' });
    expect(walk(2, 2)).toEqual({ kind: 'scalar' });
    expect(walk(17, 4)).toEqual({ kind: 'scalar' });
  });

  it('refuses reads that run past a member, fall in a hole, or leave the struct', () => {
    expect(walk(0, 8)).toMatchObject({ kind: 'error', sentence: expect.stringMatching(/end of member 'a'/) });
    expect(walk(4, 4)).toMatchObject({
      kind: 'error',
      sentence: expect.stringMatching(/no field at offset 4/),
    });
    expect(walk(20, 4)).toMatchObject({
      kind: 'error',
      sentence: expect.stringMatching(/end of member 'name'/),
    });
  });

  it('reads a pointer member whole, to its struct', () => {
    expect(walk(8, 8)).toEqual({ kind: 'ptr', type: node, field: 'next' });
    expect(walk(8, 4)).toMatchObject({ kind: 'error', sentence: expect.stringMatching(/read whole/) });
    expect(walk(12, 4)).toMatchObject({ kind: 'error' });
  });

  it('gives a pointer to no struct the type 0, and keeps a pointer type tag', () => {
    expect(walk(32, 8)).toEqual({ kind: 'ptr', type: 0, field: 'priv' });
    expect(walk(40, 8)).toEqual({ kind: 'ptr', type: node, field: 'parent', tag: 'rcu' });
  });

  it('reads bitfields only whole, from the start of their unit', () => {
    expect(walk(16, 1)).toEqual({ kind: 'scalar' });
    expect(walk(16, 4)).toEqual({ kind: 'scalar' });
  });

  it('lets a union of several members be read past its first member', () => {
    expect(walk(24, 8)).toEqual({ kind: 'scalar' });
  });

  it('reads a flexible array at the end past the struct size', () => {
    expect(walk(48, 8)).toEqual({ kind: 'scalar' });
    expect(walk(48 + 800, 8)).toEqual({ kind: 'scalar' });
  });

  it('finds the kernel lists of safe fields in BTF', () => {
    expect(safeField(btf, 'item', 'parent', '__safe_rcu')).toBe(true);
    expect(safeField(btf, 'item', 'next', '__safe_rcu')).toBe(false);
    expect(safeField(btf, 'item', 'parent', '__safe_trusted')).toBe(false);
  });

  it('never throws on any offset and size (bounded fuzz)', () => {
    for (let off = -16; off < 1200; off += 3) {
      for (const size of [1, 2, 4, 8]) {
        const w = walk(off, size);
        expect(['scalar', 'ptr', 'error']).toContain(w.kind);
      }
    }
  });
});
