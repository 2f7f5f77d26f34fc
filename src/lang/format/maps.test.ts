import { describe, expect, it } from 'vitest';
import type { MapInfo } from '../check.js';
import type { MapLayout } from '../codegen/layout.js';
import type { Ty } from '../types.js';
import { formatMapJson, formatMapText, type RawEntry } from './maps.js';
import type { Resolver } from './values.js';

const resolver: Resolver = {
  ksym: (a) => `ksym_${a}`,
  usym: (a) => `usym_${a}`,
  ksymOffset: (a) => `k+${a}`,
  usymOffset: (a) => `u+${a}`,
  stack: () => [1n, 2n],
  probeName: (id) => `probe${id}`,
  username: (uid) => (uid === 0 ? 'root' : String(uid)),
  strftime: () => 'TIME',
};

const u64 = (...vs: bigint[]): Uint8Array => {
  const b = Buffer.alloc(vs.length * 8);
  vs.forEach((v, i) => {
    b.writeBigUInt64LE(BigInt.asUintN(64, v), i * 8);
  });
  return b;
};
const str = (s: string, size: number): Uint8Array => {
  const b = Buffer.alloc(size);
  b.write(s);
  return b;
};

function layout(name: string, keys: Ty[], value: Ty, bucket = false): MapLayout {
  const info: MapInfo = { name, pos: 0, keys, value };
  const keyOffsets: number[] = [];
  let size = 0;
  for (const k of keys) {
    keyOffsets.push(size);
    size += k.k === 'str' ? (k.size + 7) & ~7 : 8;
  }
  if (bucket) size += 8;
  return {
    ref: `map${name}`,
    type: value.k === 'agg' ? 'percpu_hash' : 'hash',
    keySize: Math.max(size, 8),
    valueSize: 8,
    maxEntries: 10,
    info,
    keyOffsets,
    bucket,
  };
}

describe('map printing (golden, as bpftrace 0.17 prints)', () => {
  it('prints counts sorted by value, summing CPUs', () => {
    const l = layout('@', [{ k: 'str', size: 16 }], { k: 'agg', fn: 'count' });
    const entries: RawEntry[] = [
      { key: str('bash', 16), values: [u64(10n), u64(2n)] },
      { key: str('sshd', 16), values: [u64(1n), u64(0n)] },
      { key: str('node', 16), values: [u64(3n), u64(4n)] },
    ];
    expect(formatMapText(l, entries, resolver)).toBe('@[sshd]: 1\n@[node]: 7\n@[bash]: 12\n');
    expect(formatMapJson(l, entries, resolver)).toBe(
      '{"type": "map", "data": {"@": {"sshd": 1, "node": 7, "bash": 12}}}\n',
    );
    expect(formatMapText(l, entries, resolver, 2)).toBe('@[node]: 7\n@[bash]: 12\n');
    expect(formatMapText(l, entries, resolver, 0, 2)).toBe('@[sshd]: 0\n@[node]: 3\n@[bash]: 6\n');
  });

  it('draws log2 histograms with bpftrace labels and bars', () => {
    const l = layout('@h', [], { k: 'agg', fn: 'hist' }, true);
    const e = (bucket: number, n: bigint): RawEntry => ({ key: u64(BigInt(bucket)), values: [u64(n)] });
    const text = formatMapText(l, [e(1, 1n), e(2, 2n), e(3, 4n), e(12, 1n), e(22, 8n)], resolver);
    expect(text).toBe(
      [
        '@h: ',
        '[0]                    1 |@@@@@@                                              |',
        '[1]                    2 |@@@@@@@@@@@@@                                       |',
        '[2, 4)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
        '[4, 8)                 0 |                                                    |',
        '[8, 16)                0 |                                                    |',
        '[16, 32)               0 |                                                    |',
        '[32, 64)               0 |                                                    |',
        '[64, 128)              0 |                                                    |',
        '[128, 256)             0 |                                                    |',
        '[256, 512)             0 |                                                    |',
        '[512, 1K)              0 |                                                    |',
        '[1K, 2K)               1 |@@@@@@                                              |',
        '[2K, 4K)               0 |                                                    |',
        '[4K, 8K)               0 |                                                    |',
        '[8K, 16K)              0 |                                                    |',
        '[16K, 32K)             0 |                                                    |',
        '[32K, 64K)             0 |                                                    |',
        '[64K, 128K)            0 |                                                    |',
        '[128K, 256K)           0 |                                                    |',
        '[256K, 512K)           0 |                                                    |',
        '[512K, 1M)             0 |                                                    |',
        '[1M, 2M)               8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
        '',
        '',
      ].join('\n'),
    );
  });

  it('draws linear histograms with under/overflow buckets', () => {
    const l = layout('@l', [], { k: 'agg', fn: 'lhist', lhist: { min: 0n, max: 10n, step: 2n } }, true);
    const e = (bucket: number, n: bigint): RawEntry => ({ key: u64(BigInt(bucket)), values: [u64(n)] });
    expect(formatMapText(l, [e(0, 1n), e(2, 1n), e(6, 1n)], resolver)).toBe(
      [
        '@l: ',
        '(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
        '[0, 2)                 0 |                                                    |',
        '[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
        '[4, 6)                 0 |                                                    |',
        '[6, 8)                 0 |                                                    |',
        '[8, 10)                0 |                                                    |',
        '[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
        '',
        '',
      ].join('\n'),
    );
    expect(formatMapJson(l, [e(2, 3n)], resolver)).toBe(
      '{"type": "hist", "data": {"@l": [{"min": 2, "max": 3, "count": 3}]}}\n',
    );
  });

  it('merges per-CPU stats, avg, min and max', () => {
    const stats = layout('@s', [], { k: 'agg', fn: 'stats' });
    expect(formatMapText(stats, [{ key: u64(0n), values: [u64(1n, 5n), u64(1n, 10n)] }], resolver)).toBe(
      '@s: count 2, average 7, total 15\n\n',
    );
    const avg = layout('@a', [], { k: 'agg', fn: 'avg' });
    expect(formatMapText(avg, [{ key: u64(0n), values: [u64(2n, 7n), u64(1n, 5n)] }], resolver)).toBe(
      '@a: 4\n\n',
    );
    const min = layout('@m', [], { k: 'agg', fn: 'min' });
    // A CPU that never saw the key (isSet 0) must not pull the minimum to 0.
    expect(
      formatMapText(min, [{ key: u64(0n), values: [u64(0n, 0n), u64(7n, 1n), u64(-3n, 1n)] }], resolver),
    ).toBe('@m: -3\n');
    const max = layout('@x', [], { k: 'agg', fn: 'max' });
    expect(formatMapText(max, [{ key: u64(0n), values: [u64(0n, 0n), u64(7n, 1n)] }], resolver)).toBe(
      '@x: 7\n',
    );
  });

  it('prints strings, tuples, stacks and symbols', () => {
    const s = layout('@s', [{ k: 'int', size: 8, signed: true }], { k: 'str', size: 16 });
    expect(
      formatMapText(
        s,
        [
          { key: u64(2n), values: [str('yy', 16)] },
          { key: u64(1n), values: [str('x', 16)] },
        ],
        resolver,
      ),
    ).toBe('@s[1]: x\n@s[2]: yy\n');
    const t = layout('@t', [], {
      k: 'tuple',
      elems: [
        { k: 'int', size: 8, signed: true },
        { k: 'str', size: 8 },
      ],
    });
    expect(
      formatMapText(t, [{ key: u64(0n), values: [Buffer.concat([u64(1n), str('a', 8)])] }], resolver),
    ).toBe('@t: (1, a)\n');
    const k = layout('@k', [{ k: 'stack', user: false, limit: 127, mode: 'bpftrace' }], {
      k: 'agg',
      fn: 'count',
    });
    expect(formatMapText(k, [{ key: u64(5n), values: [u64(3n)] }], resolver)).toBe(
      '@k[\n    k+1\n    k+2\n]: 3\n',
    );
    const u = layout('@u', [{ k: 'username' }, { k: 'ksym' }], { k: 'int', size: 8, signed: true });
    expect(formatMapText(u, [{ key: u64(0n, 9n), values: [u64(1n)] }], resolver)).toBe(
      '@u[root, ksym_9]: 1\n',
    );
  });

  it('prints an empty map as bpftrace does: a blank line, two after avg/stats, 0 for a keyless count', () => {
    const empty = (name: string, keys: Ty[], value: Ty) =>
      formatMapText(layout(name, keys, value), [], resolver);
    expect(empty('@i', [], { k: 'int', size: 8, signed: true })).toBe('\n');
    expect(empty('@h', [], { k: 'agg', fn: 'hist' })).toBe('\n');
    expect(empty('@a', [], { k: 'agg', fn: 'avg' })).toBe('\n\n');
    expect(empty('@s', [{ k: 'int', size: 8, signed: true }], { k: 'agg', fn: 'stats' })).toBe('\n\n');
    expect(empty('@c', [], { k: 'agg', fn: 'count' })).toBe('@c: 0\n');
    expect(empty('@k', [{ k: 'int', size: 8, signed: true }], { k: 'agg', fn: 'count' })).toBe('\n');
    expect(formatMapJson(layout('@c', [], { k: 'agg', fn: 'count' }), [], resolver)).toBe(
      '{"type": "map", "data": {"@c": 0}}\n',
    );
    expect(formatMapJson(layout('@h', [], { k: 'agg', fn: 'hist' }), [], resolver)).toBe('');
  });

  it("divides hist counts (not bars) by print()'s div, and leaves lhist alone, as bpftrace 0.17 does", () => {
    const e = (bucket: number, n: bigint): RawEntry => ({ key: u64(BigInt(bucket)), values: [u64(n)] });
    const h = layout('@h', [], { k: 'agg', fn: 'hist' }, true);
    expect(
      formatMapText(h, [e(3, 3n), e(9, 1n)], resolver, 0, 2)
        .split('\n')
        .slice(1, 3),
    ).toEqual([
      '[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '[4, 8)                 0 |                                                    |',
    ]);
    expect(formatMapJson(h, [e(3, 3n)], resolver, 0, 2)).toBe(
      '{"type": "hist", "data": {"@h": [{"min": 2, "max": 3, "count": 1}]}}\n',
    );
    const l = layout('@l', [], { k: 'agg', fn: 'lhist', lhist: { min: 0n, max: 10n, step: 2n } }, true);
    expect(formatMapText(l, [e(2, 3n)], resolver, 0, 2)).toContain('[2, 4)                 3 |');
  });
});
