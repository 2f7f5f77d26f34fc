import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { MapFlag, SysError } from '../sys/index.js';
import { repoRoot } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';
import { BpfMap } from './map.js';
import { codecs } from './map-codecs.js';
import { possibleCpus } from './map-types.js';

describe('BpfMap', () => {
  kernelIt('hash: set, get, has, delete, iterate, batch', () => {
    const m = BpfMap.create({
      type: 'hash',
      maxEntries: 64,
      name: 'test_hash',
      key: codecs.u32,
      value: codecs.u64,
    });
    try {
      expect(m.get(1)).toBeUndefined();
      for (let i = 0; i < 40; i++) m.set(i, BigInt(i * 10));
      expect(m.get(7)).toBe(70n);
      expect(m.has(39)).toBe(true);
      expect(m.delete(39)).toBe(true);
      expect(m.delete(39)).toBe(false);
      expect(m.has(39)).toBe(false);
      const keys = [...m.keys()].sort((a, b) => a - b);
      expect(keys).toEqual(Array.from({ length: 39 }, (_, i) => i));
      const entries = new Map(m.entries());
      expect(entries.get(12)).toBe(120n);
      // A batch size smaller than the map forces several calls and the ENOENT end of batch.
      const batch = new Map(m.lookupBatch(5));
      expect(batch.size).toBe(39);
      expect(batch.get(38)).toBe(380n);
      const drained = m.lookupAndDeleteBatch(7);
      expect(drained.length).toBe(39);
      expect([...m.keys()]).toEqual([]);
    } finally {
      m.close();
    }
  });

  kernelIt('hash: batch update and batch delete', () => {
    const m = BpfMap.create({ type: 'hash', maxEntries: 600, key: codecs.u32, value: codecs.u32 });
    try {
      m.setBatch(Array.from({ length: 500 }, (_, i) => [i, i * 2] as const));
      expect(m.get(499)).toBe(998);
      expect([...m.keys()].length).toBe(500);
      m.deleteBatch(Array.from({ length: 250 }, (_, i) => i * 2));
      expect(m.has(2)).toBe(false);
      expect(m.get(3)).toBe(6);
      expect([...m.keys()].length).toBe(250);
      expect(() => m.deleteBatch([2])).toThrow(/delete map batch: .*ENOENT/);
    } finally {
      m.close();
    }
  });

  kernelIt('lpm_trie: the longest matching prefix wins', () => {
    const m = BpfMap.create({
      type: 'lpm_trie',
      flags: MapFlag.NO_PREALLOC,
      maxEntries: 8,
      key: codecs.lpm(4),
      value: codecs.u32,
    });
    const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));
    try {
      m.set({ prefixLen: 8, data: ip('10.0.0.0') }, 8);
      m.set({ prefixLen: 16, data: ip('10.1.0.0') }, 16);
      expect(m.get({ prefixLen: 32, data: ip('10.1.2.3') })).toBe(16);
      expect(m.get({ prefixLen: 32, data: ip('10.2.2.3') })).toBe(8);
      expect(m.get({ prefixLen: 32, data: ip('11.0.0.1') })).toBeUndefined();
      const keys = [...m.keys()].map((k) => `${[...k.data].join('.')}/${k.prefixLen}`).sort();
      expect(keys).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
      expect(() => m.get({ prefixLen: 33, data: ip('1.2.3.4') })).toThrow(/prefix length 33/);
    } finally {
      m.close();
    }
  });

  kernelIt('hash: update modes and a full map', () => {
    const m = BpfMap.create({ type: 'hash', maxEntries: 2, key: codecs.u32, value: codecs.u32 });
    try {
      m.set(1, 1, 'noexist');
      expect(() => m.set(1, 2, 'noexist')).toThrow(/EEXIST/);
      expect(() => m.set(9, 2, 'exist')).toThrow(/ENOENT/);
      m.set(2, 2);
      const err = (() => {
        try {
          m.set(3, 3);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(SysError);
      expect((err as SysError).code).toBe('E2BIG');
      expect((err as SysError).hint).toMatch(/full/);
    } finally {
      m.close();
    }
  });

  kernelIt('array: preallocated zero values, out-of-range index, raw buffers, freeze', () => {
    const m = BpfMap.create({ type: 'array', valueSize: 8, maxEntries: 4 });
    try {
      const key = Buffer.alloc(4);
      expect(m.get(key)).toEqual(Buffer.alloc(8));
      key.writeUInt32LE(2);
      m.set(key, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
      expect([...m.get(key)!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      key.writeUInt32LE(4);
      expect(m.get(key)).toBeUndefined();
      expect(() => m.set(key, Buffer.alloc(8))).toThrow(SysError);
      expect([...m.keys()].length).toBe(4);
      m.freeze();
      key.writeUInt32LE(0);
      expect(() => m.set(key, Buffer.alloc(8))).toThrow(/EPERM/);
    } finally {
      m.close();
    }
  });

  kernelIt('percpu hash and array: one value per possible CPU', () => {
    const n = possibleCpus();
    const h = BpfMap.create({ type: 'percpu_hash', maxEntries: 8, key: codecs.u32, value: codecs.u32 });
    const a = BpfMap.create({ type: 'percpu_array', maxEntries: 2, key: codecs.u32, value: codecs.u16 });
    try {
      const vals = Array.from({ length: n }, (_, i) => 100 + i);
      h.setPerCpu(5, vals);
      expect(h.getPerCpu(5)).toEqual(vals);
      expect(() => h.get(5)).toThrow(/getPerCpu/);
      h.set(6, 9);
      expect(h.getPerCpu(6)).toEqual(Array(n).fill(9));
      expect(new Map(h.entriesPerCpu()).get(5)).toEqual(vals);
      expect(new Map(h.lookupBatchPerCpu(1)).get(6)).toEqual(Array(n).fill(9));
      // u16 values sit in 8-byte per-CPU slots.
      a.setPerCpu(
        1,
        Array.from({ length: n }, (_, i) => i + 1),
      );
      expect(a.getPerCpu(1)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(a.getPerCpu(0)).toEqual(Array(n).fill(0));
    } finally {
      h.close();
      a.close();
    }
  });

  kernelIt('lru hash evicts instead of failing when full', () => {
    const m = BpfMap.create({ type: 'lru_hash', maxEntries: 64, key: codecs.u32, value: codecs.u32 });
    try {
      for (let i = 0; i < 1000; i++) m.set(i, i);
      const keys = [...m.keys()];
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.length).toBeLessThanOrEqual(64);
      expect(m.get(999)).toBe(999);
      expect(m.has(0)).toBe(false);
    } finally {
      m.close();
    }
  });

  kernelIt('ringbuf, perf event array, stack trace, prog array, queue and map-in-map are created', () => {
    const rb = BpfMap.create({ type: 'ringbuf', maxEntries: 4096 });
    const pe = BpfMap.create({ type: 'perf_event_array' });
    const st = BpfMap.create({ type: 'stack_trace', maxEntries: 16 });
    const pa = BpfMap.create({ type: 'prog_array', maxEntries: 4 });
    const q = BpfMap.create({ type: 'queue', valueSize: 4, maxEntries: 4, value: codecs.u32 });
    const inner = BpfMap.create({
      type: 'array',
      valueSize: 4,
      maxEntries: 1,
      key: codecs.u32,
      value: codecs.u32,
    });
    const outer = BpfMap.create({
      type: 'array_of_maps',
      maxEntries: 2,
      inner,
      key: codecs.u32,
      value: codecs.u32,
    });
    try {
      expect(rb.info().maxEntries).toBe(4096);
      expect(pe.maxEntries).toBe(possibleCpus());
      expect(st.valueSize).toBe(127 * 8);
      q.push(1);
      q.push(2);
      expect(q.pop()).toBe(1);
      expect(q.pop()).toBe(2);
      expect(q.pop()).toBeUndefined();
      outer.setFd(0, inner);
      // From user space a map-in-map slot reads back as the inner map's id.
      expect(outer.get(0)).toBe(inner.info().id);
      expect(() => BpfMap.create({ type: 'hash_of_maps', maxEntries: 1, keySize: 4 })).toThrow(/inner map/);
      const opened = outer.innerMap(0)!;
      try {
        inner.set(0, 77);
        expect(opened.get(Buffer.alloc(4))?.readUInt32LE(0)).toBe(77);
      } finally {
        opened.close();
      }
      expect(outer.innerMap(1)).toBeUndefined();
    } finally {
      for (const m of [outer, inner, q, pa, st, pe, rb]) m.close();
    }
  });

  kernelIt('bad parameters give errno-specific sentences', () => {
    const e1 = catchErr(() =>
      BpfMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: 1 << 30 }),
    );
    expect(e1).toBeInstanceOf(SysError);
    expect((e1 as SysError).userMessage()).toMatch(
      /create map: .*EINVAL.*key size, value size or max entries/,
    );
    const e2 = catchErr(() => BpfMap.create({ type: 'ringbuf', maxEntries: 1000 }));
    expect((e2 as SysError).code).toBe('EINVAL');
    expect(() => BpfMap.create({ type: 'nope' as 'hash', keySize: 4, valueSize: 4, maxEntries: 1 })).toThrow(
      /unknown map type 'nope'/,
    );
    expect(() => BpfMap.create({ type: 'hash', maxEntries: 1 })).toThrow(/needs keySize, valueSize/);
    expect(() =>
      BpfMap.create({ type: 'hash', key: codecs.u64, keySize: 4, valueSize: 4, maxEntries: 1 }),
    ).toThrow(/^the key codec needs 8 bytes but keySize is 4$/);
  });

  kernelIt('without root, creating a map says it needs root or CAP_BPF', () => {
    const file = join(tmpdir(), `bpfkit-nobody-${process.pid}.ts`);
    writeFileSync(
      file,
      `import { BpfMap } from ${JSON.stringify(join(repoRoot, 'src/kernel/map.ts'))};
try { BpfMap.create({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 }); }
catch (e) { process.stdout.write(e.userMessage()); }`,
    );
    chmodSync(file, 0o644);
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, HOME: '/tmp' },
      });
      expect(r.stdout).toMatch(
        /^create map: Operation not permitted \(EPERM\) \(creating maps needs root or CAP_BPF\)$/,
      );
    } finally {
      rmSync(file, { force: true });
    }
  });

  kernelIt('close is idempotent and use after close throws', () => {
    const m = BpfMap.create({
      type: 'array',
      valueSize: 4,
      maxEntries: 1,
      key: codecs.u32,
      value: codecs.u32,
    });
    m.close();
    m.close();
    expect(m.closed).toBe(true);
    expect(() => m.get(0)).toThrow(/after close/);
  });
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('map create diagnostics', () => {
  kernelIt('EINVAL names the field the map type refused', () => {
    const cases: Array<[Parameters<typeof BpfMap.create>[0], RegExp]> = [
      [
        { type: 'array', keySize: 8, valueSize: 4, maxEntries: 1 },
        /keySize must be 4 for array maps \(got 8\)/,
      ],
      [{ type: 'ringbuf', maxEntries: 1000 }, /power of two and at least the page size.*got 1000/],
      [
        { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 0 },
        /maxEntries must be greater than 0 for hash/,
      ],
      [{ type: 'prog_array', valueSize: 8, maxEntries: 1 }, /valueSize must be 4 for prog_array/],
      [{ type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 1 }, /NO_PREALLOC/],
      [{ type: 'stack_trace', valueSize: 12, maxEntries: 1 }, /multiple of 8/],
    ];
    for (const [spec, want] of cases) {
      let err: unknown;
      try {
        BpfMap.create(spec).close();
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(spec)).toBeInstanceOf(SysError);
      expect((err as SysError).code).toBe('EINVAL');
      expect((err as SysError).userMessage()).toMatch(want);
    }
  });
});
