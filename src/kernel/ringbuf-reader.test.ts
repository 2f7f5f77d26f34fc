import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/index.js';
import { RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RingReader } from './ringbuf.js';

const PAGE = 64;

/** FakeRing imitates the kernel side: a producer writing records into a twice-mapped data area. */
class FakeRing {
  readonly consumer = new ArrayBuffer(16);
  readonly producer: ArrayBuffer;
  readonly #prod: DataView;
  readonly #cons: DataView;
  pos = 0;

  constructor(readonly size: number) {
    this.producer = new ArrayBuffer(PAGE + 2 * size);
    this.#prod = new DataView(this.producer);
    this.#cons = new DataView(this.consumer);
  }

  setStart(pos: number): void {
    this.pos = pos;
    this.#cons.setBigUint64(0, BigInt(pos), true);
    this.#prod.setBigUint64(0, BigInt(pos), true);
  }

  get consumerPos(): number {
    return Number(this.#cons.getBigUint64(0, true));
  }

  /** write puts a record at the producer position, mirrored in both copies of the data area. */
  write(payload: number[], flags = 0): void {
    const bytes = [0, 0, 0, 0, 0, 0, 0, 0, ...payload];
    const hdr = new DataView(new Uint8Array(bytes).buffer);
    hdr.setUint32(0, (payload.length | flags) >>> 0, true);
    const raw = new Uint8Array(hdr.buffer);
    const total = (payload.length + 8 + 7) & ~7;
    for (let i = 0; i < raw.length; i++) {
      const at = (this.pos + i) % this.size;
      new Uint8Array(this.producer)[PAGE + at] = raw[i]!;
      new Uint8Array(this.producer)[PAGE + this.size + at] = raw[i]!;
    }
    this.pos += total;
    this.#prod.setBigUint64(0, BigInt(this.pos), true);
  }
}

describe('RingReader', () => {
  it('reads committed records, skips discarded ones and stops at a busy one', () => {
    const ring = new FakeRing(256);
    const reader = new RingReader(ring.consumer, ring.producer, 256, PAGE);
    ring.write([1, 2, 3]);
    ring.write([9, 9], RINGBUF_DISCARD_BIT);
    ring.write([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const busyAt = ring.pos;
    ring.write([13], RINGBUF_BUSY_BIT);
    const got: number[][] = [];
    expect(reader.drain((d) => got.push([...d]))).toBe(2);
    expect(got).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7, 8, 9, 10, 11, 12],
    ]);
    expect(ring.consumerPos).toBe(busyAt);
    expect(reader.drain(() => {})).toBe(0);
  });

  it('reads a record that wraps around the end of the ring contiguously', () => {
    const ring = new FakeRing(64);
    ring.setStart(48);
    const reader = new RingReader(ring.consumer, ring.producer, 64, PAGE);
    const payload = Array.from({ length: 20 }, (_, i) => i + 100);
    ring.write(payload);
    const got: number[][] = [];
    reader.drain((d) => got.push([...d]));
    expect(got).toEqual([payload]);
    expect(ring.consumerPos).toBe(48 + 32);
  });

  it('keeps positions beyond 2^32 exact', () => {
    const ring = new FakeRing(64);
    ring.setStart(2 ** 32 - 8);
    const reader = new RingReader(ring.consumer, ring.producer, 64, PAGE);
    ring.write([7, 7, 7, 7]);
    ring.write([8]);
    const got: number[][] = [];
    reader.drain((d) => got.push([...d]));
    expect(got).toEqual([[7, 7, 7, 7], [8]]);
    expect(ring.consumerPos).toBe(2 ** 32 + 24);
  });

  it('honours max per drain', () => {
    const ring = new FakeRing(256);
    const reader = new RingReader(ring.consumer, ring.producer, 256, PAGE);
    for (let i = 0; i < 5; i++) ring.write([i]);
    expect(reader.drain(() => {}, 2)).toBe(2);
    expect(reader.drain(() => {})).toBe(3);
  });

  it('drainView reuses one RecordView and drainCopy hands out copies that outlive the ring', () => {
    const ring = new FakeRing(64);
    ring.setStart(40);
    const reader = new RingReader(ring.consumer, ring.producer, 64, PAGE);
    const views: unknown[] = [];
    const seen: number[][] = [];
    const kept: Uint8Array[] = [];
    // Three laps of the 64-byte ring; the third record of each lap wraps.
    for (let lap = 0; lap < 3; lap++) {
      ring.write([lap, 1, 2, 3]);
      ring.write(Array.from({ length: 20 }, (_, i) => lap * 10 + i));
      reader.drainView((rec) => {
        views.push(rec);
        seen.push([...rec.subarray()]);
        kept.push(rec.slice());
        expect(rec.u8(0)).toBe(rec.bytes[rec.offset]);
        expect(rec.u16(0)).toBe(rec.bytes[rec.offset]! | (rec.bytes[rec.offset + 1]! << 8));
      });
    }
    expect(new Set(views).size).toBe(1);
    expect(kept.map((k) => [...k])).toEqual(seen);
    expect(seen[5]).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
    ring.write([9, 9, 9, 9]);
    const copies: Uint8Array[] = [];
    reader.drainCopy((d) => copies.push(d));
    expect(copies[0]!.buffer).not.toBe(ring.producer);
    // Overwrite the whole data area: kept copies must not change.
    new Uint8Array(ring.producer).fill(0xee, PAGE);
    expect([...copies[0]!]).toEqual([9, 9, 9, 9]);
    expect(kept.map((k) => [...k])).toEqual(seen);
  });

  it('fuzz: corrupt headers throw only DecodeError and never loop forever', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let iter = 0; iter < 2000; iter++) {
      const ring = new FakeRing(128);
      const reader = new RingReader(ring.consumer, ring.producer, 128, PAGE);
      const bytes = new Uint8Array(ring.producer);
      for (let i = PAGE; i < bytes.length; i++) bytes[i] = rand() & 0xff;
      new DataView(ring.producer).setBigUint64(0, BigInt(rand() % 4096), true);
      try {
        reader.drain(() => {}, 10_000);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }
  });
});
