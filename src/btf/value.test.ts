import { describe, expect, it } from 'vitest';
import { BpfkitError, DecodeError } from '../errors/index.js';
import { Btf } from './btf.js';
import { BtfBuilder } from './encode.js';
import { BtfError } from './errors.js';
import { sample } from './testdata/sample-btf.js';
import { decodeValue, formatValue } from './value.js';

function taskBytes(): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  v.setInt32(0, -42, true); // pid
  v.setUint8(4, 0b1101); // flags:3 = 0b101, dead:1 = 1
  b.set(new TextEncoder().encode('bash'), 8); // comm
  v.setUint16(24, 0x1f90, true); // dport (union with portpair)
  v.setUint16(26, 7, true); // num
  v.setBigUint64(32, 0xffff888100a3c000n, true); // parent
  v.setBigUint64(40, 1n << 40n, true); // bytes
  return b;
}

describe('decodeValue', () => {
  const { bytes, ids } = sample();
  const btf = Btf.parse(bytes);

  it('decodes a struct with bitfields, a char array, anonymous unions and pointers', () => {
    expect(decodeValue(btf, ids.task, taskBytes())).toEqual({
      pid: -42,
      flags: 5,
      dead: 1,
      comm: 'bash',
      portpair: 0x00071f90,
      dport: 0x1f90,
      num: 7,
      parent: 0xffff888100a3c000n,
      bytes: 1n << 40n,
      name: 0n,
      cb: 0n,
    });
  });

  it('prints values C-style', () => {
    expect(formatValue(btf, ids.task, taskBytes())).toBe(
      '{ .pid = -42, .flags = 5, .dead = 1, .comm = "bash", .portpair = 466832, .dport = 8080, .num = 7, ' +
        '.parent = 0xffff888100a3c000, .bytes = 1099511627776, .name = 0x0, .cb = 0x0 }',
    );
    const e = new Uint8Array(4);
    new DataView(e.buffer).setInt32(0, -1, true);
    expect(formatValue(btf, ids.e, e)).toBe('NEG');
    new DataView(e.buffer).setInt32(0, 99, true);
    expect(decodeValue(btf, ids.e, e)).toBe(99);
    expect(decodeValue(btf, ids.dbl, new Uint8Array(new Float64Array([1.5]).buffer))).toBe(1.5);
  });

  it('decodes arrays of non-char elements and bools', () => {
    const b = new BtfBuilder();
    const u16 = b.int('u16', 2);
    const bool = b.int('_Bool', 1, { bool: true });
    const arr = b.array(u16, 3);
    const s = b.struct('s', 8, [
      { name: 'v', type: arr, bitOffset: 0 },
      { name: 'ok', type: bool, bitOffset: 48 },
    ]);
    const btf2 = Btf.parse(b.build());
    expect(decodeValue(btf2, s, new Uint8Array([1, 0, 2, 0, 3, 0, 1, 0]))).toEqual({
      v: [1, 2, 3],
      ok: true,
    });
    expect(formatValue(btf2, s, new Uint8Array([1, 0, 2, 0, 3, 0, 0, 0]))).toBe(
      '{ .v = [1, 2, 3], .ok = false }',
    );
  });

  it('rejects short buffers and undecodable types with typed errors', () => {
    expect(() => decodeValue(btf, ids.task, new Uint8Array(10))).toThrow(DecodeError);
    expect(() => decodeValue(btf, ids.proto, new Uint8Array(8))).toThrow(BtfError);
    expect(() => decodeValue(btf, ids.u64, new Uint8Array(8), 4)).toThrow(/needs 8 bytes at offset 4/);
  });

  it('decodes 2000 random buffers of every type with only typed errors', () => {
    let x = 7;
    for (let i = 0; i < 2000; i++) {
      const len = i % 80;
      const buf = new Uint8Array(len);
      for (let j = 0; j < len; j++) {
        x = (x * 1103515245 + 12345) >>> 0;
        buf[j] = x >>> 24;
      }
      const id = 1 + (i % (btf.count - 1));
      try {
        formatValue(btf, id, buf);
      } catch (err) {
        if (!(err instanceof BpfkitError)) throw err;
      }
    }
  });
});
