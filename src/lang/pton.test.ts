import { describe, expect, it } from 'vitest';
import { ptonBytes } from './pton.js';

describe('ptonBytes', () => {
  it('converts IPv4 and IPv6 literals to network-order bytes', () => {
    expect([...ptonBytes('127.0.0.1')!]).toEqual([127, 0, 0, 1]);
    expect([...ptonBytes('::1')!]).toEqual([...Array(15).fill(0), 1]);
    expect([...ptonBytes('fe80::1:2')!]).toEqual([0xfe, 0x80, ...Array(10).fill(0), 0, 1, 0, 2]);
    expect([...ptonBytes('::ffff:10.1.2.3')!]).toEqual([...Array(10).fill(0), 0xff, 0xff, 10, 1, 2, 3]);
    expect([...ptonBytes('1:2:3:4:5:6:7:8')!]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '1.2.3', '256.0.0.1', '1::2::3', 'fe80::1%eth0', 'localhost', ':::'])
      expect(ptonBytes(bad)).toBeUndefined();
  });
});
