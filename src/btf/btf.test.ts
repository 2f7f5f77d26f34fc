import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError, ParseError } from '../errors/index.js';
import { Btf, loadModuleBtf } from './btf.js';
import { BtfBuilder } from './encode.js';
import { BtfError } from './errors.js';
import { dumpType } from './format.js';
import { sample } from './testdata/sample-btf.js';
import type { CompositeType } from './types.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('Btf on a built blob', () => {
  const { bytes, ids } = sample();
  const btf = Btf.parse(bytes);

  it('decodes every kind', () => {
    expect(btf.count).toBe(ids.td + 1);
    expect(btf.type(ids.int)).toMatchObject({ kind: 'int', name: 'int', size: 4, signed: true, bits: 32 });
    expect(btf.type(ids.char)).toMatchObject({ kind: 'int', char: true, signed: false });
    expect(btf.type(ids.dbl)).toEqual({ id: ids.dbl, kind: 'float', name: 'double', size: 8 });
    expect(btf.type(ids.comm)).toMatchObject({
      kind: 'array',
      type: ids.char,
      indexType: ids.int,
      nelems: 16,
    });
    expect(btf.type(ids.fwd)).toMatchObject({ kind: 'fwd', name: 'later', union: false });
    expect(btf.type(ids.e)).toMatchObject({
      kind: 'enum',
      signed: true,
      values: [
        { name: 'RED', value: 0n },
        { name: 'GREEN', value: 27n },
        { name: 'NEG', value: -1n },
      ],
    });
    expect(btf.type(ids.e64)).toMatchObject({
      kind: 'enum64',
      values: [{ name: 'HUGE', value: 0xffff_ffff_0000_0001n }],
    });
    expect(btf.type(ids.func)).toMatchObject({
      kind: 'func',
      name: 'do_thing',
      type: ids.proto,
      linkage: 'static',
    });
    expect(btf.type(ids.v)).toMatchObject({ kind: 'var', name: 'counter', linkage: 'global' });
    expect(btf.type(ids.sec)).toMatchObject({
      kind: 'datasec',
      name: '.data',
      vars: [{ type: ids.v, offset: 0, size: 4 }],
    });
    expect(btf.type(ids.tag)).toMatchObject({
      kind: 'decl_tag',
      name: 'user',
      type: ids.task,
      componentIdx: 0,
    });
    expect(btf.type(ids.tt)).toMatchObject({ kind: 'type_tag', name: 'percpu', type: ids.int });
    expect(btf.kindOf(ids.vol)).toBe('volatile');
    expect(btf.kindOf(ids.restr)).toBe('restrict');
    const task = btf.type(ids.task) as CompositeType;
    expect(task.members[1]).toEqual({ name: 'flags', type: ids.uint, bitOffset: 32, bitSize: 3 });
  });

  it('resolves typedefs and modifiers and computes sizes', () => {
    expect(btf.resolve(ids.td).id).toBe(ids.task);
    expect(btf.resolve(ids.tt).id).toBe(ids.int);
    expect(btf.resolve(ids.vol).id).toBe(ids.int);
    expect(btf.sizeof(ids.td)).toBe(64);
    expect(btf.sizeof(ids.comm)).toBe(16);
    expect(btf.sizeof(ids.ccharp)).toBe(8);
    expect(btf.sizeof(ids.v)).toBe(4);
    expect(errorOf(() => btf.sizeof(ids.proto))).toBeInstanceOf(BtfError);
    expect(errorOf(() => btf.sizeof(0))).toBeInstanceOf(BtfError);
  });

  it('finds types by name and kind', () => {
    expect(btf.typeByName('task').id).toBe(ids.task);
    expect(btf.typeByName('struct task').id).toBe(ids.task);
    expect(btf.typeByName('task_t', 'typedef').id).toBe(ids.td);
    expect(btf.findType('task', 'union')).toBeUndefined();
    expect(btf.idsByName('task')).toEqual([ids.task]);
    const err = errorOf(() => btf.typeByName('tsk'));
    expect(err).toBeInstanceOf(BtfError);
    expect((err as BtfError).suggestions).toContain('task');
  });

  it('locates members through anonymous unions, arrays and bitfields', () => {
    expect(btf.offsetOf('task.pid')).toMatchObject({ offset: 0, size: 4, bitSize: 0, typeName: 'int' });
    expect(btf.offsetOf('task.comm[3]')).toMatchObject({ offset: 11, size: 1, typeName: 'char' });
    expect(btf.offsetOf('task.comm')).toMatchObject({ offset: 8, size: 16, typeName: 'char[16]' });
    expect(btf.offsetOf('task.dport')).toMatchObject({ offset: 24, size: 2, typeName: '__be16' });
    expect(btf.offsetOf('task.num')).toMatchObject({ offset: 26, size: 2 });
    expect(btf.offsetOf('task.portpair')).toMatchObject({ offset: 24, size: 4, typeName: 'unsigned int' });
    expect(btf.offsetOf('task_t.bytes')).toMatchObject({ offset: 40, size: 8 });
    // Bitfields: a 4-byte unit at 4 holds bits 32..35; value = (unit >> (bitOffset - offset*8)) & mask.
    expect(btf.offsetOf('task.flags')).toMatchObject({ offset: 4, size: 4, bitOffset: 32, bitSize: 3 });
    expect(btf.offsetOf('task.dead')).toMatchObject({ offset: 4, size: 4, bitOffset: 35, bitSize: 1 });
  });

  it('splits paths at pointers', () => {
    const hops = btf.memberPath('task', 'parent.parent->comm[2]');
    expect(hops.map((h) => [h.path, h.offset])).toEqual([
      ['parent', 32],
      ['parent', 32],
      ['comm[2]', 10],
    ]);
    const indexed = btf.memberPath(ids.task, 'parent[2].pid');
    expect(indexed.map((h) => h.offset)).toEqual([32, 128]);
    expect(errorOf(() => btf.offsetOf('task.parent.pid')).message).toMatch(/pointer 'parent'/);
  });

  it('reports path mistakes with suggestions and positions', () => {
    const e1 = errorOf(() => btf.offsetOf('task.dprt'));
    expect(e1).toBeInstanceOf(BtfError);
    expect((e1 as BtfError).userMessage()).toBe("struct task has no member 'dprt' (did you mean 'dport'?)");
    expect(errorOf(() => btf.offsetOf('task.comm[16]')).message).toMatch(/index 16 is out of range/);
    expect(errorOf(() => btf.offsetOf('task.pid.x')).message).toMatch(/not a struct or union/);
    expect(errorOf(() => btf.offsetOf('task.pid[1]')).message).toMatch(/not an array or pointer/);
    const e2 = errorOf(() => btf.memberPath('task', 'pid..x'));
    expect(e2).toBeInstanceOf(ParseError);
    expect((e2 as ParseError).position?.column).toBe(4);
    expect(errorOf(() => btf.memberPath('task', ''))).toBeInstanceOf(ParseError);
    expect(errorOf(() => btf.offsetOf('task'))).toBeInstanceOf(ParseError);
    expect(errorOf(() => btf.memberPath('later', 'x')).message).toMatch(/only declared/);
  });

  it('flattens members and lists types by glob', () => {
    const flat = btf.flatMembers('task');
    expect(flat.map((m) => [m.path, m.offset])).toEqual([
      ['pid', 0],
      ['flags', 4],
      ['dead', 4],
      ['comm', 8],
      ['portpair', 24],
      ['dport', 24],
      ['num', 26],
      ['parent', 32],
      ['bytes', 40],
      ['name', 48],
      ['cb', 56],
    ]);
    expect(flat[2]).toMatchObject({ bitOffset: 35, bitSize: 1 });
    expect(errorOf(() => btf.flatMembers(ids.int))).toBeInstanceOf(BtfError);
    expect(btf.findTypes('*int').map((t) => t.name)).toEqual([
      'int',
      'unsigned int',
      'long long unsigned int',
      'short unsigned int',
    ]);
    expect(btf.findTypes('*', 'enum').map((t) => t.name)).toEqual(['color']);
    expect(btf.findTypes('t*', 'struct').map((t) => t.id)).toEqual([ids.task]);
  });

  it('reads raw tracepoint arguments from a probe stub or the btf_trace typedef', () => {
    const b = new BtfBuilder();
    const voidp = b.ptr(0);
    const int = b.int('int', 4, { signed: true });
    const named = b.funcProto(0, [
      { name: '__data', type: voidp },
      { name: 'cpu', type: int },
    ]);
    b.func('__probestub_tick', named, 'static');
    const anon = b.funcProto(0, [
      { name: '', type: voidp },
      { name: '', type: int },
    ]);
    b.typedef('btf_trace_tock', b.ptr(anon));
    const tp = Btf.parse(b.build());
    expect(tp.rawTracepointArgs('tick')).toEqual([{ name: 'cpu', type: int, typeName: 'int' }]);
    expect(tp.rawTracepointArgs('tock')).toEqual([{ name: '', type: int, typeName: 'int' }]);
    expect((errorOf(() => tp.rawTracepointArgs('tokc')) as BtfError).suggestions).toEqual(['tock']);
  });

  it('reads enums and functions', () => {
    expect(btf.enumValue('GREEN')).toBe(27n);
    expect(btf.enumValue('NEG', 'color')).toBe(-1n);
    expect(btf.enumName('color', 27)).toBe('GREEN');
    expect(btf.enumName('color', 5)).toBeUndefined();
    expect((errorOf(() => btf.enumValue('GREN')) as BtfError).suggestions).toEqual(['GREEN']);
    const f = btf.funcByName('do_thing');
    expect(f.params.map((p) => `${p.typeName} ${p.name}`)).toEqual(['struct task * sk', 'int len']);
    expect(f.variadic).toBe(false);
    expect(btf.funcByName('printk').variadic).toBe(true);
    expect(btf.funcByName('printk').params).toHaveLength(1);
    expect(errorOf(() => btf.funcByName('do_thin'))).toBeInstanceOf(BtfError);
  });

  it('prints C names and declarations', () => {
    expect(btf.typeName(ids.ccharp)).toBe('const char *');
    expect(btf.typeName(ids.comm)).toBe('char[16]');
    expect(btf.declaration(ids.comm, 'comm')).toBe('char comm[16]');
    expect(btf.typeName(ids.fnPtr)).toBe('int (*)(struct task *, int)');
    expect(btf.declaration(ids.fnPtr, 'cb')).toBe('int (*cb)(struct task *, int)');
    expect(btf.typeName(ids.restr)).toBe('const char *restrict');
    expect(btf.typeName(ids.anonUnion)).toBe('union {...}');
    expect(btf.typeName(ids.fwd)).toBe('struct later');
    expect(btf.typeName(ids.e)).toBe('enum color');
    expect(btf.typeName(ids.vproto)).toBe('int (const char *, ...)');
    expect(dumpType(btf, ids.func)).toBe('static int do_thing(struct task *sk, int len);');
    expect(dumpType(btf, ids.e)).toBe(
      'enum color {\n\tRED = 0,\n\tGREEN = 27,\n\tNEG = -1,\n}; /* size 4, signed */',
    );
    expect(dumpType(btf, ids.td)).toBe('typedef struct task task_t;');
    const dump = dumpType(btf, ids.task);
    expect(dump).toMatch(/^struct task \{\n/);
    expect(dump).toMatch(/unsigned int flags:3;\s+\/\* bit 32 \(byte 4\), 3 bits \*\//);
    expect(dump).toMatch(/char comm\[16\];\s+\/\* 8, 16 \*\//);
    expect(dump).toMatch(/\}; \/\* size 64 \*\/$/);
    // Anonymous members are expanded in place, with offsets from the start of struct task.
    expect(dump).toContain('\tunion {\n\t\tunsigned int portpair;');
    expect(dump).toMatch(
      /\t\t\t__be16 dport;\s+\/\* 24, 2 \*\/\n\t\t\t__be16 num;\s+\/\* 26, 2 \*\/\n\t\t\};\n\t\};/,
    );
  });
});

describe('Btf edge cases', () => {
  it('parses split BTF on a base', () => {
    const { bytes, ids } = sample();
    const base = Btf.parse(bytes);
    const b = new BtfBuilder({ baseCount: base.count, baseStrLen: base.header.strLen });
    const modStruct = b.struct('mod_state', 16, [
      { name: 'owner', type: b.ptr(ids.task), bitOffset: 0 },
      { name: 'color', type: ids.e, bitOffset: 64 },
    ]);
    const split = Btf.parse(b.build(), { base });
    expect(split.firstId).toBe(base.count);
    expect(modStruct).toBeGreaterThanOrEqual(base.count);
    expect(split.typeByName('mod_state').id).toBe(modStruct);
    // Base types and names resolve through the split blob.
    expect(split.typeByName('task').id).toBe(ids.task);
    expect(split.offsetOf('mod_state.owner')).toMatchObject({ offset: 0, typeName: 'struct task *' });
    expect(split.memberPath('mod_state', 'owner->comm[1]')[1]!.offset).toBe(9);
    expect(split.enumValue('GREEN')).toBe(27n);
    expect(split.type(modStruct).kind).toBe('struct');
    expect([...split.types()].map((t) => t.id)).toEqual([modStruct - 1, modStruct]);
  });

  it('copies a type and everything it refers to, cycles included', () => {
    const { bytes, ids } = sample();
    const src = Btf.parse(bytes);
    const b = new BtfBuilder();
    b.int('padding', 4);
    const task = b.copy(src, ids.task);
    expect(b.copy(src, ids.task)).toBe(task);
    const func = b.copy(src, ids.func);
    const copy = Btf.parse(b.build());
    expect(copy.typeName(task)).toBe('struct task');
    expect(copy.flatMembers(task)).toEqual(
      src.flatMembers(ids.task).map((m) => ({ ...m, type: expect.any(Number) })),
    );
    // parent points back at the copied struct itself.
    expect(copy.memberPath(task, 'parent->parent->pid').map((h) => h.offset)).toEqual([32, 32, 0]);
    expect(copy.resolve(copy.offsetOf('task.parent').type)).toMatchObject({ kind: 'ptr', type: task });
    expect(copy.funcByName('do_thing').params.map((p) => p.typeName)).toEqual(['struct task *', 'int']);
    expect(copy.type(func).kind).toBe('func');
    // Only what task and do_thing reach was copied.
    expect(copy.findType('color')).toBeUndefined();
  });

  it("loads a module's split BTF from a directory laid out like /sys/kernel/btf", () => {
    const { bytes, ids } = sample();
    const base = Btf.parse(bytes);
    const b = new BtfBuilder({ baseCount: base.count, baseStrLen: base.header.strLen });
    b.struct('mod_state', 8, [{ name: 'owner', type: b.ptr(ids.task), bitOffset: 0 }]);
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-btf-'));
    try {
      writeFileSync(join(dir, 'vmlinux'), bytes);
      writeFileSync(join(dir, 'my_mod'), b.build());
      const mod = loadModuleBtf('my_mod', dir);
      expect(mod.offsetOf('mod_state.owner').typeName).toBe('struct task *');
      expect(mod.base?.count).toBe(base.count);
      const err = errorOf(() => loadModuleBtf('my_mdo', dir));
      expect((err as BtfError).suggestions).toEqual(['my_mod']);
      expect(errorOf(() => loadModuleBtf('../etc', dir))).toBeInstanceOf(BtfError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes alignment like the x86_64 ABI', () => {
    const { bytes, ids } = sample();
    const btf = Btf.parse(bytes);
    expect(btf.alignof(ids.char)).toBe(1);
    expect(btf.alignof(ids.u64)).toBe(8);
    expect(btf.alignof(ids.comm)).toBe(1);
    expect(btf.alignof(ids.task)).toBe(8);
    expect(btf.alignof(ids.anonUnion)).toBe(4);
    expect(btf.alignof(ids.td)).toBe(8);
    const b = new BtfBuilder();
    const u32 = b.int('u32', 4);
    const packed = b.struct('packed', 5, [
      { name: 'c', type: b.int('char', 1), bitOffset: 0 },
      { name: 'x', type: u32, bitOffset: 8 },
    ]);
    expect(Btf.parse(b.build()).alignof(packed)).toBe(1);
    expect(errorOf(() => btf.alignof(ids.proto))).toBeInstanceOf(BtfError);
  });

  it('reads big-endian BTF', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    b.struct('pair', 8, [
      { name: 'a', type: int, bitOffset: 0 },
      { name: 'b', type: int, bitOffset: 32, bitSize: 7 },
    ]);
    const le = b.build();
    const be = new Uint8Array(le);
    const v = new DataView(be.buffer);
    const lv = new DataView(le.buffer);
    v.setUint16(0, 0xeb9f, false);
    for (const off of [4, 8, 12, 16, 20]) v.setUint32(off, lv.getUint32(off, true), false);
    const typeLen = lv.getUint32(12, true);
    for (let off = 24; off < 24 + typeLen; off += 4) v.setUint32(off, lv.getUint32(off, true), false);
    const btf = Btf.parse(be);
    expect(btf.header.littleEndian).toBe(false);
    expect(btf.offsetOf('pair.b')).toMatchObject({ bitOffset: 32, bitSize: 7, offset: 4 });
  });

  it('rejects malformed blobs with DecodeError', () => {
    const { bytes } = sample();
    const u32 = (off: number, v: number) => (b: Uint8Array) => new DataView(b.buffer).setUint32(off, v, true);
    const u8 = (off: number, v: number) => (b: Uint8Array) => {
      b[off < 0 ? b.length + off : off] = v;
    };
    const cases: [string, (b: Uint8Array) => void, RegExp][] = [
      ['magic', u8(0, 0), /not BTF/],
      ['version', u8(2, 2), /version 2/],
      ['type_len', u32(12, 0xffff0), /past the data/],
      ['unaligned', u32(12, 6), /aligned/],
      ['kind', u8(24 + 7, 31), /unknown BTF kind 31/],
      ['string NUL', u8(-1, 65), /NUL/],
    ];
    expect(errorOf(() => Btf.parse(bytes.subarray(0, 10))).message).toMatch(/shorter than/);
    for (const [name, mutate, re] of cases) {
      const copy = new Uint8Array(bytes);
      mutate(copy);
      const err = errorOf(() => Btf.parse(copy));
      expect(err, name).toBeInstanceOf(DecodeError);
      expect(err.message, name).toMatch(re);
    }
  });

  it('rejects bad ids and self-referencing typedefs without hanging', () => {
    const b = new BtfBuilder();
    const loop = b.typedef('loop', 0);
    b.setType(loop, loop);
    const p = b.ptr(0);
    b.setType(p, p);
    const btf = Btf.parse(b.build());
    expect(errorOf(() => btf.resolve(loop))).toBeInstanceOf(DecodeError);
    expect(btf.typeName(p)).toMatch(/^\.\.\. \*+$/);
    expect(errorOf(() => btf.type(99))).toBeInstanceOf(BtfError);
    expect(errorOf(() => btf.type(-1))).toBeInstanceOf(BtfError);
  });

  it('finds names stored as the tail of another string, in a base, or outside ASCII', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    const whole = b.string('my_task');
    const tail = b.typedef('placeholder', int);
    const accent = b.struct('café', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
    const bytes = b.build();
    // Point the typedef's name at "task", the tail of "my_task", as a tail-merging writer would.
    const typedefOff = 24 + 4 * 4; // INT takes 4 words; the typedef's name_off is the next word.
    new DataView(bytes.buffer).setUint32(typedefOff, whole + 3, true);
    const btf = Btf.parse(bytes);
    expect(btf.nameOf(tail)).toBe('task');
    expect(btf.idsByName('task')).toEqual([tail]);
    expect(btf.typeByName('café').id).toBe(accent);
    expect(btf.memberPath(accent, 'x')[0]!.offset).toBe(0);

    const split = new BtfBuilder({ baseCount: btf.count, baseStrLen: btf.header.strLen });
    const reuse = split.typedef('reuse', int);
    const splitBytes = split.build();
    // A split type named by a string that lives only in the base's string section.
    new DataView(splitBytes.buffer).setUint32(24, whole, true);
    const mod = Btf.parse(splitBytes, { base: btf });
    expect(mod.nameOf(reuse)).toBe('my_task');
    expect(mod.idsByName('my_task')).toEqual([reuse]);
  });
});
