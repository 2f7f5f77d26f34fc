import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/index.js';
import { PerfRing, parseCpuList } from './perfbuf.js';

const META = 2048;

/** makeRing writes perf records into a fake mmap page + data area starting at `start`. */
function makeRing(size: number, start: number, records: { type: number; body: number[] }[]) {
  const buf = new ArrayBuffer(META + size);
  const bytes = new Uint8Array(buf);
  const meta = new DataView(buf);
  let pos = start;
  for (const r of records) {
    const rec = new Uint8Array((8 + r.body.length + 7) & ~7);
    const v = new DataView(rec.buffer);
    v.setUint32(0, r.type, true);
    v.setUint16(6, rec.length, true);
    rec.set(r.body, 8);
    for (let i = 0; i < rec.length; i++) bytes[META + ((pos + i) % size)] = rec[i]!;
    pos += rec.length;
  }
  meta.setBigUint64(1024, BigInt(pos), true);
  meta.setBigUint64(1032, BigInt(start), true);
  return { buf, meta };
}

const sample = (data: number[]) => {
  const b = [data.length, 0, 0, 0, ...data];
  return { type: 9, body: b };
};
const lost = (n: number) => ({ type: 2, body: [1, 0, 0, 0, 0, 0, 0, 0, n, 0, 0, 0, 0, 0, 0, 0] });

describe('PerfRing', () => {
  it('decodes samples and lost records and advances data_tail', () => {
    const { buf, meta } = makeRing(256, 0, [sample([1, 2, 3, 4]), lost(5), sample([6])]);
    const ring = new PerfRing(buf, META, 256);
    const got: number[][] = [];
    expect(ring.drain((d) => got.push([...d]))).toBe(2);
    expect(got).toEqual([[1, 2, 3, 4], [6]]);
    expect(ring.lost).toBe(5);
    expect(meta.getBigUint64(1032, true)).toBe(meta.getBigUint64(1024, true));
  });

  it('reassembles a record that wraps around the end of the ring', () => {
    const payload = Array.from({ length: 40 }, (_, i) => i);
    const { buf } = makeRing(64, 40, [sample(payload)]);
    const ring = new PerfRing(buf, META, 64);
    const got: number[][] = [];
    ring.drain((d) => got.push([...d]));
    expect(got).toEqual([payload]);
  });

  it('drainView hands out one RecordView, in place or from the scratch for a wrapped record', () => {
    const payload = Array.from({ length: 40 }, (_, i) => i);
    const { buf } = makeRing(128, 64, [sample([5, 6, 7, 8]), sample(payload)]);
    const ring = new PerfRing(buf, META, 128);
    const views = new Set<unknown>();
    const got: number[][] = [];
    const kept: Uint8Array[] = [];
    ring.drainView((rec) => {
      views.add(rec);
      got.push([...rec.subarray()]);
      kept.push(rec.slice());
      expect(rec.u32(0)).toBe(rec.view.getUint32(rec.offset, true));
    });
    expect(views.size).toBe(1);
    expect(got).toEqual([[5, 6, 7, 8], payload]);
    new Uint8Array(buf).fill(0xee, META);
    expect(kept.map((k) => [...k])).toEqual(got);
  });

  it('fuzz: garbage rings throw only DecodeError', () => {
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let iter = 0; iter < 2000; iter++) {
      const buf = new ArrayBuffer(META + 128);
      const bytes = new Uint8Array(buf);
      for (let i = META; i < bytes.length; i++) bytes[i] = rand() & 0xff;
      new DataView(buf).setBigUint64(1024, BigInt(rand() % 1024), true);
      try {
        new PerfRing(buf, META, 128).drain(() => {});
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }
  });
});

describe('parseCpuList', () => {
  it('expands ranges', () => {
    expect(parseCpuList('0-3,5\n')).toEqual([0, 1, 2, 3, 5]);
    expect(parseCpuList('0')).toEqual([0]);
  });
});
