import { describe, expect, it } from 'vitest';
import type { ArgSlot } from '../codegen/layout.js';
import { OutBuffer } from './out-buffer.js';
import { parseFormat, render } from './printf.js';
import { compileRecordFormat, compileRecordWriter } from './record.js';
import type { Resolver } from './values.js';

const r = {} as Resolver;

function record(ints: bigint[], str: string): Buffer {
  const b = Buffer.alloc(8 + ints.length * 8 + 16);
  ints.forEach((v, i) => {
    b.writeBigUInt64LE(BigInt.asUintN(64, v), 8 + i * 8);
  });
  b.write(str, 8 + ints.length * 8);
  return b;
}

describe('compileRecordFormat', () => {
  it('renders records exactly as the generic printf does', () => {
    const ints = [0n, 1n, -1n, 42n, 2n ** 53n + 1n, -(2n ** 60n), 2n ** 64n - 1n];
    for (const fmt of ['%d', '%u', '%x', '%5d|', '%-4d|', '%lld', '%llu', '%i']) {
      for (const v of ints) {
        const slots: ArgSlot[] = [
          { ty: { k: 'int', size: 8, signed: true }, offset: 8 },
          { ty: { k: 'str', size: 16 }, offset: 16 },
        ];
        const f = `${fmt} %s %-6s|\n`;
        const segs = parseFormat(f);
        const text = compileRecordFormat(
          segs,
          [...slots, { ty: { k: 'str', size: 16 }, offset: 16 }],
          r,
        )(record([v], 'comm'));
        expect(text, `${f} ${v}`).toBe(render(segs, [BigInt.asIntN(64, v), 'comm', 'comm']));
      }
    }
  });

  it('stops strings at NUL or at their size', () => {
    const slots: ArgSlot[] = [{ ty: { k: 'str', size: 4 }, offset: 8 }];
    const b = Buffer.alloc(24);
    b.write('abcdefgh', 8);
    expect(compileRecordFormat(parseFormat('[%s]'), slots, r)(b)).toBe('[abcd]');
  });

  it('writes records as bytes exactly as it renders them, read in place at any offset', () => {
    const ints = [0n, 1n, -1n, 42n, 2n ** 53n - 1n, 2n ** 53n + 1n, -(2n ** 60n), 2n ** 64n - 1n, 2n ** 32n];
    const fmts = ['%d', '%u', '%x', '%5d|', '%-4d|', '%lld', '%llu', '%i', '%ld', '%hd', '%s'];
    for (const fmt of fmts) {
      for (const v of ints) {
        for (const str of ['comm', '', 'exactly16bytes!!', 'héllo']) {
          const slots: ArgSlot[] = [
            { ty: { k: 'int', size: 8, signed: fmt !== '%u' }, offset: 8 },
            { ty: { k: 'str', size: 16 }, offset: 16 },
          ];
          const segs = parseFormat(`${fmt === '%s' ? '%d' : fmt} %s %-6s|%s\n`);
          const all: ArgSlot[] = [...slots, { ty: { k: 'str', size: 16 }, offset: 16 }, slots[1]!];
          const rec = record([v], str);
          const ring = Buffer.concat([Buffer.alloc(13, 0x7f), rec, Buffer.alloc(5, 0x7f)]);
          const out = new OutBuffer();
          compileRecordWriter(segs, all, r)(ring, 13, out);
          expect(out.take().toString(), `${fmt} ${v} ${str}`).toBe(compileRecordFormat(segs, all, r)(rec));
        }
      }
    }
  });
});
