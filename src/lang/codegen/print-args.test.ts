import { describe, expect, it } from 'vitest';
import { safeVerify } from '../../verifier/verify.js';
import { check } from '../check.js';
import { Source } from '../diagnostics.js';
import { fakeTypeSource } from '../fake-type-source.js';
import { argsJson, argsText } from '../format/values.js';
import { parseSource } from '../parser.js';
import { type Compiled, compile } from './compile.js';
import type { ArgField } from './layout.js';

const build = (text: string): Compiled => {
  const src = new Source(text, 'args.bt');
  return compile(check(parseSource(src), src, { types: fakeTypeSource }), { possibleCpus: 2 });
};

const printArgsAction = (c: Compiled) => c.actions.find((a) => a.kind === 'printArgs');

describe('print(args)', () => {
  it('sends each tracepoint field but the common ones, and passes our verifier', () => {
    const c = build('tracepoint:syscalls:sys_enter_openat { print(args); }');
    expect(printArgsAction(c)).toEqual({
      kind: 'printArgs',
      fields: [
        { name: '__syscall_nr', offset: 8, show: 'int', count: 0 },
        { name: 'dfd', offset: 16, show: 'uint', count: 0 },
        { name: 'filename', offset: 24, show: 'hex', count: 0 },
        { name: 'flags', offset: 32, show: 'uint', count: 0 },
        { name: 'mode', offset: 40, show: 'uint', count: 0 },
      ],
    });
    const maps = c.maps.map((m) => ({
      name: m.ref,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    }));
    const v = safeVerify(c.programs[0]!.built, { type: 'tracepoint', maps });
    expect(v.ok, v.ok ? '' : v.error.message).toBe(true);
  });

  it("sends an fentry function's parameters from their context slots", () => {
    const c = build('fentry:tcp_sendmsg { print(args); }');
    expect(printArgsAction(c)).toEqual({
      kind: 'printArgs',
      fields: [
        { name: 'sk', offset: 8, show: 'hex', count: 0 },
        { name: 'msg', offset: 16, show: 'hex', count: 0 },
        { name: 'size', offset: 24, show: 'uint', count: 0 },
      ],
    });
  });

  it('leaves print of other values alone', () => {
    expect(
      printArgsAction(build('tracepoint:syscalls:sys_enter_openat { print(args.flags); }')),
    ).toBeUndefined();
  });
});

describe('argsText and argsJson', () => {
  const fields: ArgField[] = [
    { name: 'nr', offset: 8, show: 'int', count: 0 },
    { name: 'p', offset: 16, show: 'hex', count: 0 },
    { name: 'comm', offset: 24, show: 'str', count: 8 },
    { name: 'a', offset: 32, show: 'uint', count: 2 },
  ];
  const rec = Buffer.alloc(48);
  rec.writeBigInt64LE(-100n, 8);
  rec.writeBigUInt64LE(0x7ffd1234n, 16);
  rec.write('bash', 24);
  rec.writeBigUInt64LE(3n, 32);
  rec.writeBigUInt64LE(2n ** 64n - 1n, 40);

  it('prints a record as bpftrace prints a struct', () => {
    expect(argsText(fields, rec)).toBe(
      '{ .nr = -100, .p = 0x7ffd1234, .comm = bash, .a = [3,18446744073709551615] }',
    );
    expect(argsText([], rec)).toBe('{}');
  });

  it('gives JSON an object of the members', () => {
    expect(argsJson(fields, rec)).toEqual({
      nr: -100n,
      p: '0x7ffd1234',
      comm: 'bash',
      a: [3n, 2n ** 64n - 1n],
    });
  });
});
