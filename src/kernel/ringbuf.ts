// RingBuffer: reads a BPF_MAP_TYPE_RINGBUF (Linux 5.8) from mmap'd memory — consumer page read-write,
// producer page and the twice-mapped data area read-only, exactly as libbpf maps them — and drains every
// available record per wake-up (epoll, or a timer for producers that submit with BPF_RB_NO_WAKEUP).

import { BpfkitError, DecodeError } from '../errors/index.js';
import { MapType } from '../sys/bpf-cmd.js';
import { Mapping, PROT_READ, PROT_WRITE, pageSize } from '../sys/mmap.js';
import { PollLoop, type PollLoopOptions } from './poll-loop.js';
import { RecordReader } from './record-reader.js';
import {
  type RecordCallback,
  type RecordSource,
  RecordView,
  type RecordViewCallback,
} from './record-view.js';
import { track, untrack } from './resources.js';

export type { PollLoopOptions, WakeupMode } from './poll-loop.js';
export { RecordReader } from './record-reader.js';
export {
  type RecordCallback,
  type RecordSource,
  RecordView,
  type RecordViewCallback,
} from './record-view.js';

/** RINGBUF_BUSY_BIT marks a record reserved but not yet committed. */
export const RINGBUF_BUSY_BIT = 0x80000000;
/** RINGBUF_DISCARD_BIT marks a record the program discarded. */
export const RINGBUF_DISCARD_BIT = 0x40000000;
/** RINGBUF_HDR_SZ is the record header: u32 len (with the two bits), u32 page offset. */
export const RINGBUF_HDR_SZ = 8;

const TWO_32 = 2 ** 32;

/**
 * RingReader decodes records from the two regions of a ring buffer. It does no I/O, so it also runs on
 * synthetic memory in tests. Positions are u64 in the kernel; JS numbers hold them exactly to 2^53.
 */
export class RingReader implements RecordSource {
  readonly #cons32: Int32Array;
  readonly #prod32: Int32Array;
  readonly #data32: Int32Array;
  readonly #data: ArrayBuffer;
  readonly #dataOffset: number;
  readonly #mask: number;
  readonly #view: RecordView;
  /** releaseStep is how many consumed bytes are handed back to the producer at a time. */
  readonly #releaseStep: number;
  #consumer: number;

  /**
   * consumer is the first page (RW), producer the producer page followed by 2 × size data bytes (RO),
   * `dataOffset` where the data starts in `producer` (the page size).
   */
  constructor(consumer: ArrayBuffer, producer: ArrayBuffer, size: number, dataOffset: number) {
    if (size <= 0 || (size & (size - 1)) !== 0)
      throw new RangeError(`ring size ${size} is not a power of two`);
    if (producer.byteLength < dataOffset + size)
      throw new RangeError('producer mapping is smaller than the ring');
    this.#cons32 = new Int32Array(consumer, 0, 2);
    this.#prod32 = new Int32Array(producer, 0, 2);
    this.#data32 = new Int32Array(producer);
    this.#data = producer;
    this.#dataOffset = dataOffset;
    this.#mask = size - 1;
    // At most 1/16 of the ring is held back, so a producer never sees it full for want of a store.
    this.#releaseStep = Math.min(64 * 1024, size / 16);
    this.#view = new RecordView(new Uint8Array(producer));
    this.#consumer = readPos(this.#cons32);
  }

  /** available is the number of bytes produced but not consumed. */
  get available(): number {
    return readPos(this.#prod32) - this.#consumer;
  }

  /**
   * drain hands every committed record to `cb` and returns how many it read; it stops at a record still
   * being written (BUSY) and after `max` records. Discarded records are skipped.
   */
  drain(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    const data = this.#data;
    return this.#drain((off, size) => cb(new Uint8Array(data, off, size)), max);
  }

  /** drainCopy is drain handing out copies, which `cb` may keep. */
  drainCopy(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    const bytes = this.#view.bytes;
    return this.#drain((off, size) => cb(bytes.slice(off, off + size)), max);
  }

  /** drainView is drain handing out one reused RecordView: no allocation per record. */
  drainView(cb: RecordViewCallback, max = Number.POSITIVE_INFINITY): number {
    const view = this.#view;
    return this.#drain((off, size) => {
      view.offset = off;
      view.length = size;
      cb(view);
    }, max);
  }

  #drain(deliver: (off: number, size: number) => void, max: number): number {
    let n = 0;
    let cons = this.#consumer;
    let released = cons;
    let prod = readPos(this.#prod32);
    const base = this.#dataOffset;
    try {
      while (cons < prod && n < max) {
        const off = base + (cons & this.#mask);
        // Acquire-load of the header pairs with the kernel's commit (smp_store_release of len).
        const len = Atomics.load(this.#data32, off >> 2) >>> 0;
        if (len & RINGBUF_BUSY_BIT) break;
        const size = len & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT);
        const total = (size + RINGBUF_HDR_SZ + 7) & ~7;
        if (total > this.#mask + 1)
          throw new DecodeError(`ring record of ${size} bytes is larger than the ring`, off);
        if (!(len & RINGBUF_DISCARD_BIT)) {
          // The data area is mapped twice in a row, so a record is contiguous even when it wraps.
          deliver(off + RINGBUF_HDR_SZ, size);
          n++;
        }
        cons += total;
        // Space goes back to the producer in steps, not per record: every store of the consumer
        // position pulls its cache line away from the producing CPU, which reads it on each reserve.
        if (cons - released >= this.#releaseStep) {
          this.#storeConsumer(cons);
          released = cons;
        }
        if (cons >= prod) prod = readPos(this.#prod32);
      }
    } finally {
      this.#consumer = cons;
      if (cons !== released) this.#storeConsumer(cons);
    }
    return n;
  }

  #storeConsumer(pos: number): void {
    const lo = pos % TWO_32;
    const hi = Math.floor(pos / TWO_32);
    // A store of the low word alone is a full 64-bit store while the high word is unchanged.
    if (Atomics.load(this.#cons32, 1) !== hi) Atomics.store(this.#cons32, 1, hi);
    Atomics.store(this.#cons32, 0, lo | 0);
  }
}

/** readPos reads a u64 position written by the kernel, retrying if the high word moved meanwhile. */
function readPos(a: Int32Array): number {
  for (;;) {
    const hi = Atomics.load(a, 1);
    const lo = Atomics.load(a, 0) >>> 0;
    if (Atomics.load(a, 1) === hi) return (hi >>> 0) * TWO_32 + lo;
  }
}

/** RingBufferMap is what a RingBuffer needs of its map: the fd and max_entries (the ring size). */
export interface RingBufferMap {
  readonly fd: number | { readonly value: number };
  readonly maxEntries: number;
  readonly name?: string;
  /** type, when known (a BpfMap), is checked so a wrong map fails with a sentence, not an mmap errno. */
  readonly type?: number;
  readonly typeName?: string;
}

/**
 * RingBufferOptions tunes a RingBuffer. With `wakeup: 'timer'` the reader drains every `intervalMs`
 * (and at once on a wake-up the producer forces), for programs that submit with BPF_RB_NO_WAKEUP —
 * see ringbufOutputAdaptive in bpfkit/asm. Size the ring for what arrives in one interval: while a
 * few records (under 1/16 of the ring) are pending, the reader waits for the timer alone.
 */
export interface RingBufferOptions extends PollLoopOptions {
  /** lostCounter reports drops counted by the program (ring buffers have no kernel-side counter). */
  lostCounter?: () => number;
  /** copy hands callbacks a copy of each record, which they may keep, instead of a view of the ring. */
  copy?: boolean;
}

const fdOf = (m: RingBufferMap): number => (typeof m.fd === 'number' ? m.fd : m.fd.value);

/**
 * RingBuffer consumes a BPF ring buffer map (Linux 5.8) with a callback (`start`, `startViews`) or an
 * async iterator (`for await`). `close()` unmaps and stops; it is idempotent and runs at process exit.
 */
export class RingBuffer extends RecordReader {
  protected readonly source: RingReader;
  readonly #consumer: Mapping;
  readonly #producer: Mapping;
  readonly #opts: RingBufferOptions;

  constructor(map: RingBufferMap, options: RingBufferOptions = {}) {
    // In timer mode, listen for wake-ups only when the ring is empty (the next forced wake-up is
    // news) or filling up (catching up beats waiting), not for the few records a fast producer adds
    // between a drain and the wait; see PollLoop's `listen`.
    const listen = () => {
      const unread = this.source.available;
      return unread === 0 || unread >= map.maxEntries / 16;
    };
    super(new PollLoop(options, listen), options.copy ?? false, 'RingBuffer');
    const fd = fdOf(map);
    const size = map.maxEntries;
    const what = `ring buffer ${map.name || fd}`;
    if (map.type !== undefined && map.type !== MapType.RINGBUF) {
      throw new BpfkitError(`map ${map.name || fd} has type ${map.typeName ?? map.type}, not ringbuf`, {
        hint: "create it with { type: 'ringbuf', maxEntries: <power of two pages> }",
      });
    }
    this.#opts = options;
    this.#consumer = Mapping.map(fd, pageSize, PROT_READ | PROT_WRITE, 0, `${what} consumer page`);
    try {
      this.#producer = Mapping.map(fd, pageSize + 2 * size, PROT_READ, pageSize, `${what} data`);
    } catch (err) {
      this.#consumer.unmap();
      throw err;
    }
    try {
      this.loop.watch(fd, what);
    } catch (err) {
      this.#producer.unmap();
      this.#consumer.unmap();
      throw err;
    }
    this.source = new RingReader(this.#consumer.buffer, this.#producer.buffer, size, pageSize);
    track(this);
  }

  /** lost is the program's drop count, when a lostCounter was given; otherwise 0. */
  get lost(): number {
    return this.#opts.lostCounter?.() ?? 0;
  }

  /** available is the number of unread bytes in the ring. */
  get available(): number {
    return this.loop.closed ? 0 : this.source.available;
  }

  /** closeAsync ends a running start() loop, waits for it and releases everything. */
  async closeAsync(): Promise<void> {
    if (this.loop.closed) return;
    await this.loop.stop();
    this.#release();
  }

  /** close releases at once (exit paths); a pending start() loop ends on its next turn. */
  close(): void {
    if (this.loop.closed && this.#consumer.unmapped) return;
    void this.loop.stop();
    this.#release();
  }

  #release(): void {
    untrack(this);
    this.#producer.unmap();
    this.#consumer.unmap();
  }
}
