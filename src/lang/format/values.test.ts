import { describe, expect, it } from 'vitest';
import type { Ty } from '../types.js';
import { type Resolver, textValue } from './values.js';

const resolver: Resolver = {
  ksym: (a) => `k${a}`,
  usym: (a) => `u${a}`,
  ksymOffset: (a) => `kfn+${a}`,
  usymOffset: (a) => (a === 2n ? '0x2' : `ufn+${a}`),
  usymModule: (a) => (a === 2n ? undefined : '/usr/lib/libc.so.6'),
  stack: () => [1n, 2n],
  probeName: (id) => `probe${id}`,
  username: (uid) => String(uid),
  strftime: () => 'TIME',
};

// A stack value: its id, then the pid for user stacks.
const stackBytes = (): Uint8Array => Buffer.alloc(16);

describe('textValue for stacks', () => {
  it('prints perf-mode user frames with their file, or [unknown], as bpftrace does', () => {
    const ty: Ty = { k: 'stack', user: true, limit: 127, mode: 'perf' };
    expect(textValue(ty, stackBytes(), resolver, true)).toBe(
      '\n\t1 ufn+1 (/usr/lib/libc.so.6)\n\t2 0x2 ([unknown])\n',
    );
  });

  it('prints perf-mode kernel frames without a file', () => {
    const ty: Ty = { k: 'stack', user: false, limit: 127, mode: 'perf' };
    expect(textValue(ty, stackBytes(), resolver, true)).toBe('\n\t1 kfn+1\n\t2 kfn+2\n');
  });
});

describe('textValue for macaddr', () => {
  it('prints six bytes as upper-case hex pairs, as bpftrace does', () => {
    const b = new Uint8Array([0x02, 0xab, 0x0c, 0xef, 0x01, 0xff, 0x77, 0x77]);
    expect(textValue({ k: 'macaddr' }, b, resolver)).toBe('02:AB:0C:EF:01:FF');
  });
});
