import { describe, expect, it } from 'vitest';
import { OutBuffer } from './out-buffer.js';

describe('OutBuffer', () => {
  it('writes safe integers as String() does', () => {
    const values = [0, 1, -1, 9, 10, 99, 100, -100, 4294967295, 2 ** 53 - 1, -(2 ** 53 - 1), 1234567890123];
    for (let x = 1; x < 2 ** 53; x = x * 7 + 3) values.push(x, -x);
    const o = new OutBuffer();
    for (const v of values) {
      o.int(v);
      o.str(',');
    }
    expect(o.take().toString()).toBe(values.map((v) => `${v},`).join(''));
    expect(o.length).toBe(0);
  });

  it('copies bytes and C strings, short and long, and grows past its first size', () => {
    const src = Buffer.from(`ab\0cd${'x'.repeat(100)}\0`);
    const o = new OutBuffer();
    o.cstr(src, 0, 4);
    o.cstr(src, 3, 5);
    o.cstr(src, 3, src.length);
    o.bytes(src, 5, 105);
    o.str('é€');
    const big = Buffer.alloc(200_000, 0x41);
    o.bytes(big, 0, big.length);
    const out = o.take();
    expect(out.toString()).toBe(`abcd${'cd' + 'x'.repeat(100)}${'x'.repeat(100)}é€${'A'.repeat(200_000)}`);
  });

  it('hands out copies: later writes do not change a taken chunk', () => {
    const o = new OutBuffer();
    o.str('first');
    const a = o.take();
    o.str('second');
    expect(a.toString()).toBe('first');
    expect(o.take().toString()).toBe('second');
  });

  it('writes JSON string literals exactly as JSON.stringify does, whatever the bytes', () => {
    const samples: Buffer[] = [Buffer.from(Array.from({ length: 128 }, (_, i) => i))];
    samples.push(Buffer.from('quote " backslash \\ tab \t nl \n del \x7f'), Buffer.from('héllo €'));
    samples.push(Buffer.from([0x61, 0xff, 0x62, 0xc3]), Buffer.alloc(0));
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      const b = Buffer.alloc(i % 40);
      for (let k = 0; k < b.length; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        b[k] = i % 3 === 0 ? seed & 0xff : seed & 0x7f;
      }
      samples.push(b);
    }
    for (const b of samples) {
      const text = new OutBuffer();
      text.bytes(b, 0, b.length);
      const o = new OutBuffer();
      o.json(text);
      const out = o.take().toString();
      expect(out, b.toString('hex')).toBe(JSON.stringify(b.toString()));
      expect(JSON.parse(out)).toBe(b.toString());
    }
  });
});
