// RingBuffer: reads a BPF_MAP_TYPE_RINGBUF (Linux 5.8) from mmap'd memory — consumer page read-write,
// producer page and the twice-mapped data area read-only, exactly as libbpf maps them — and wakes on
// epoll, draining every available record per wake-up.

import { BpfkitError, DecodeError } from '../errors/index.js';
import { MapType } from '../sys/bpf-cmd.js';
import { sharedPoller, type Watch } from '../sys/epoll.js';
import { Mapping, PROT_READ, PROT_WRITE, pageSize } from '../sys/mmap.js';
import { track, untrack } from './resources.js';

/** RINGBUF_BUSY_BIT marks a record reserved but not yet committed. */
export const RINGBUF_BUSY_BIT = 0x80000000;
/** RINGBUF_DISCARD_BIT marks a record the program discarded. */
export const RINGBUF_DISCARD_BIT = 0x40000000;
/** RINGBUF_HDR_SZ is the record header: u32 len (with the two bits), u32 page offset. */
export const RINGBUF_HDR_SZ = 8;

/**
 * RecordCallback receives one record. `data` views the mapped ring: it is valid only during the call;
 * copy it (`data.slice()`) to keep it.
 */
export type RecordCallback = (data: Uint8Array) => void;

const TWO_32 = 2 ** 32;

/**
 * RingReader decodes records from the two regions of a ring buffer. It does no I/O, so it also runs on
 * synthetic memory in tests. Positions are u64 in the kernel; JS numbers hold them exactly to 2^53.
 */
export class RingReader {
  readonly #cons32: Int32Array;
  readonly #prod32: Int32Array;
  readonly #data32: Int32Array;
  readonly #data: ArrayBuffer;
  readonly #dataOffset: number;
  readonly #mask: number;
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
    let n = 0;
    let cons = this.#consumer;
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
          cb(new Uint8Array(this.#data, off + RINGBUF_HDR_SZ, size));
          n++;
        }
        cons += total;
        // Release the space record by record so the producer can reuse it while a batch drains.
        this.#storeConsumer(cons);
        if (cons >= prod) prod = readPos(this.#prod32);
      }
    } finally {
      this.#consumer = cons;
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

/** RingBufferOptions tunes a RingBuffer. */
export interface RingBufferOptions {
  /** lostCounter reports drops counted by the program (ring buffers have no kernel-side counter). */
  lostCounter?: () => number;
  /** batch caps the records handed out per wake-up before yielding to the event loop. */
  batch?: number;
  /** copy hands callbacks a copy of each record, which they may keep, instead of a view of the ring. */
  copy?: boolean;
}

const fdOf = (m: RingBufferMap): number => (typeof m.fd === 'number' ? m.fd : m.fd.value);

/**
 * RingBuffer consumes a BPF ring buffer map (Linux 5.8) with a callback (`start`) or an async
 * iterator (`for await`). `close()` unmaps and stops; it is idempotent and runs at process exit.
 */
export class RingBuffer implements AsyncIterable<Uint8Array> {
  readonly #consumer: Mapping;
  readonly #producer: Mapping;
  readonly #reader: RingReader;
  readonly #watch: Watch;
  #notify: (() => void) | undefined;
  readonly #opts: RingBufferOptions;
  #running: Promise<void> | undefined;
  #closed = false;
  /** received counts records handed to callbacks or iterators. */
  received = 0;
  /** wakeups counts epoll wake-ups; received / wakeups is the records drained per wake-up. */
  wakeups = 0;

  constructor(map: RingBufferMap, options: RingBufferOptions = {}) {
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
      this.#watch = sharedPoller.watch(fd, () => this.#wake(), what);
    } catch (err) {
      this.#producer.unmap();
      this.#consumer.unmap();
      throw err;
    }
    this.#reader = new RingReader(this.#consumer.buffer, this.#producer.buffer, size, pageSize);
    track(this);
  }

  /** lost is the program's drop count, when a lostCounter was given; otherwise 0. */
  get lost(): number {
    return this.#opts.lostCounter?.() ?? 0;
  }

  /** available is the number of unread bytes in the ring. */
  get available(): number {
    return this.#closed ? 0 : this.#reader.available;
  }

  /** poll drains what is there now, without waiting; it returns the number of records read. */
  poll(cb: RecordCallback, max?: number): number {
    if (this.#closed) return 0;
    const n = this.#reader.drain(this.#opts.copy ? (d) => cb(d.slice()) : cb, max);
    this.received += n;
    return n;
  }

  /**
   * start calls `cb` for every record until close(); the promise settles when reading stops (it
   * rejects if `cb` throws). One wake-up drains all available records. Like a listening socket, a
   * reading buffer keeps the process alive until it is closed.
   */
  start(cb: RecordCallback): Promise<void> {
    if (this.#running) throw new Error('RingBuffer is already being read');
    this.#running = this.#loop(cb);
    return this.#running;
  }

  async #loop(cb: RecordCallback): Promise<void> {
    const batch = this.#opts.batch ?? 65536;
    while (!this.#closed) {
      const n = this.poll(cb, batch);
      if (this.#closed) break;
      if (n >= batch) {
        // More may be waiting: let other work run, then continue without sleeping.
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      await this.#readable();
    }
  }

  #wake(): void {
    this.wakeups++;
    const n = this.#notify;
    this.#notify = undefined;
    n?.();
  }

  /** readable resolves when the kernel signals new records (or the buffer closes). */
  #readable(): Promise<void> {
    return new Promise((resolve) => {
      this.#notify = resolve;
      this.#watch.arm();
    });
  }

  /** Symbol.asyncIterator yields a copy of each record until close(). */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const queue: Uint8Array[] = [];
    while (!this.#closed) {
      this.poll((d) => queue.push(d.slice()));
      while (queue.length > 0) yield queue.shift()!;
      if (this.#closed) break;
      if (this.available === 0) await this.#readable();
    }
  }

  /** closeAsync ends a running start() loop, waits for it and releases everything. */
  async closeAsync(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stopped = this.#watch.close();
    this.#wake();
    await stopped;
    await this.#running?.catch(() => {});
    this.#release();
  }

  /** close releases at once (exit paths); a pending start() loop ends on its next turn. */
  close(): void {
    if (this.#closed && this.#consumer.unmapped) return;
    this.#closed = true;
    void this.#watch.close();
    this.#wake();
    this.#release();
  }

  #release(): void {
    untrack(this);
    this.#producer.unmap();
    this.#consumer.unmap();
  }
}
