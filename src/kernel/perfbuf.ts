// PerfBuffer: reads a BPF_MAP_TYPE_PERF_EVENT_ARRAY through one mmap'd perf ring per CPU, fed by
// bpf_perf_event_output; PERF_RECORD_SAMPLE carries the data, PERF_RECORD_LOST counts drops.

import { readFileSync } from 'node:fs';
import { BpfkitError, DecodeError } from '../errors/index.js';
import { mapUpdateElem } from '../sys/bpf.js';
import { MapType } from '../sys/bpf-cmd.js';
import { sharedPoller, type Watch } from '../sys/epoll.js';
import type { FD } from '../sys/fd.js';
import { ioctl, PerfIoctl } from '../sys/ioctl.js';
import { Mapping, PROT_READ, PROT_WRITE, pageSize } from '../sys/mmap.js';
import { PerfType, perfEventOpen, RecordType, SampleType, SwEvent } from '../sys/perf-event.js';
import { track, untrack } from './resources.js';
import type { RecordCallback } from './ringbuf.js';

// struct perf_event_mmap_page: data_head at 1024, data_tail at 1032, data_offset 1040, data_size 1048.
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const TWO_32 = 2 ** 32;

/** parseCpuList turns "0-3,5" (sysfs cpu lists) into [0,1,2,3,5]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map((x) => Number.parseInt(x, 10));
    if (a === undefined || Number.isNaN(a)) continue;
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

/** onlineCpus lists the CPUs that are online now. */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}

/**
 * PerfRing decodes one CPU's perf ring: header page + 2^n data pages. Records that wrap around the end
 * are copied into a scratch buffer; all others are handed out in place.
 */
export class PerfRing {
  readonly #meta32: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #dataOffset: number;
  readonly #size: number;
  #scratch = new Uint8Array(256);
  lost = 0;

  constructor(buffer: ArrayBuffer, dataOffset: number, size: number) {
    if (size <= 0 || (size & (size - 1)) !== 0)
      throw new RangeError(`perf ring size ${size} is not a power of two`);
    this.#meta32 = new Int32Array(buffer, 0, dataOffset >> 2);
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
    this.#dataOffset = dataOffset;
    this.#size = size;
  }

  /** drain hands each sample's raw data to `cb`, adds LOST records to `lost`, returns samples read. */
  drain(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    const head = readU64(this.#meta32, DATA_HEAD >> 2);
    let tail = readU64(this.#meta32, DATA_TAIL >> 2);
    let n = 0;
    try {
      while (tail < head && n < max) {
        const rec = this.#record(tail, head);
        const type = rec.view.getUint32(rec.at, true);
        const size = rec.view.getUint16(rec.at + 6, true);
        if (type === RecordType.SAMPLE) {
          const rawSize = rec.view.getUint32(rec.at + 8, true);
          if (12 + rawSize > size)
            throw new DecodeError(`perf sample of ${rawSize} bytes overruns its record`, tail);
          cb(rec.bytes.subarray(rec.at + 12, rec.at + 12 + rawSize));
          n++;
        } else if (type === RecordType.LOST) {
          this.lost += Number(rec.view.getBigUint64(rec.at + 16, true));
        }
        tail += size;
        // The kernel reads data_tail to know what it may overwrite.
        writeU64(this.#meta32, DATA_TAIL >> 2, tail);
      }
    } finally {
      writeU64(this.#meta32, DATA_TAIL >> 2, tail);
    }
    return n;
  }

  get available(): number {
    return readU64(this.#meta32, DATA_HEAD >> 2) - readU64(this.#meta32, DATA_TAIL >> 2);
  }

  #record(tail: number, head: number): { bytes: Uint8Array; view: DataView; at: number } {
    const mask = this.#size - 1;
    const start = tail & mask;
    // The header itself is 8-aligned and never wraps; its size field says whether the body does.
    const size = this.#view.getUint16(this.#dataOffset + start + 6, true);
    if (size < 8 || size % 8 !== 0 || tail + size > head)
      throw new DecodeError(`perf record of size ${size} is malformed`, tail);
    if (start + size <= this.#size)
      return { bytes: this.#bytes, view: this.#view, at: this.#dataOffset + start };
    if (this.#scratch.length < size) this.#scratch = new Uint8Array(size * 2);
    const first = this.#size - start;
    this.#scratch.set(this.#bytes.subarray(this.#dataOffset + start, this.#dataOffset + this.#size), 0);
    this.#scratch.set(this.#bytes.subarray(this.#dataOffset, this.#dataOffset + size - first), first);
    return { bytes: this.#scratch, view: new DataView(this.#scratch.buffer), at: 0 };
  }
}

function readU64(a: Int32Array, i: number): number {
  for (;;) {
    const hi = Atomics.load(a, i + 1);
    const lo = Atomics.load(a, i) >>> 0;
    if (Atomics.load(a, i + 1) === hi) return (hi >>> 0) * TWO_32 + lo;
  }
}

function writeU64(a: Int32Array, i: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  if (Atomics.load(a, i + 1) !== hi) Atomics.store(a, i + 1, hi);
  Atomics.store(a, i, (v % TWO_32) | 0);
}

/** PerfBufferMap is what a PerfBuffer needs of its map: a perf event array's fd. */
export interface PerfBufferMap {
  readonly fd: number | { readonly value: number };
  readonly name?: string;
  readonly type?: number;
  readonly typeName?: string;
}

/** PerfBufferOptions sizes the per-CPU rings. */
export interface PerfBufferOptions {
  /** pagesPerCpu is the data pages per CPU ring (a power of two; default 64 = 256 KiB). */
  pagesPerCpu?: number;
  /** wakeupEvents wakes the reader after this many samples (default 1). */
  wakeupEvents?: number;
  batch?: number;
  /** copy hands callbacks a copy of each sample, which they may keep, instead of a view of the ring. */
  copy?: boolean;
}

/**
 * PerfBuffer reads bpf_perf_event_output() records from every online CPU (Linux 4.4), with a callback
 * (`start`) or an async iterator. `lost` sums the kernel's PERF_RECORD_LOST counts.
 */
export class PerfBuffer implements AsyncIterable<Uint8Array> {
  readonly #events: FD[] = [];
  readonly #maps: Mapping[] = [];
  readonly #rings: PerfRing[] = [];
  readonly #watches: Watch[] = [];
  #notify: (() => void) | undefined;
  readonly #batch: number;
  readonly #copy: boolean;
  #running: Promise<void> | undefined;
  #closed = false;
  received = 0;
  /** wakeups counts epoll wake-ups; received / wakeups is the samples drained per wake-up. */
  wakeups = 0;

  constructor(map: PerfBufferMap, options: PerfBufferOptions = {}) {
    const mapFd = typeof map.fd === 'number' ? map.fd : map.fd.value;
    const pages = options.pagesPerCpu ?? 64;
    if (pages <= 0 || (pages & (pages - 1)) !== 0)
      throw new RangeError(`pagesPerCpu ${pages} is not a power of two`);
    this.#batch = options.batch ?? 65536;
    this.#copy = options.copy ?? false;
    const what = `perf buffer ${map.name || mapFd}`;
    if (map.type !== undefined && map.type !== MapType.PERF_EVENT_ARRAY) {
      throw new BpfkitError(
        `map ${map.name || mapFd} has type ${map.typeName ?? map.type}, not perf_event_array`,
        { hint: "create it with { type: 'perf_event_array' }" },
      );
    }
    try {
      for (const cpu of onlineCpus()) {
        const ev = perfEventOpen(
          {
            type: PerfType.SOFTWARE,
            config: SwEvent.BPF_OUTPUT,
            sampleType: SampleType.RAW,
            samplePeriod: 1,
            wakeupEvents: options.wakeupEvents ?? 1,
          },
          -1,
          cpu,
          `${what} cpu ${cpu}`,
        );
        this.#events.push(ev);
        const m = Mapping.map(
          ev.value,
          (1 + pages) * pageSize,
          PROT_READ | PROT_WRITE,
          0,
          `${what} cpu ${cpu}`,
        );
        this.#maps.push(m);
        this.#rings.push(new PerfRing(m.buffer, pageSize, pages * pageSize));
        const key = Buffer.alloc(4);
        key.writeUInt32LE(cpu);
        const value = Buffer.alloc(4);
        value.writeUInt32LE(ev.value);
        mapUpdateElem(mapFd, key, value);
        ioctl(ev.value, PerfIoctl.ENABLE, 0, `enable ${what} cpu ${cpu}`);
        this.#watches.push(sharedPoller.watch(ev.value, () => this.#wake(), `${what} cpu ${cpu}`));
      }
    } catch (err) {
      for (const w of this.#watches) void w.close();
      this.#release();
      throw err;
    }
    track(this);
  }

  /** lost is the number of samples the kernel dropped because a ring was full. */
  get lost(): number {
    let n = 0;
    for (const r of this.#rings) n += r.lost;
    return n;
  }

  get available(): number {
    let n = 0;
    if (!this.#closed) for (const r of this.#rings) n += r.available;
    return n;
  }

  /** poll drains every CPU's ring now, without waiting. */
  poll(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    if (this.#closed) return 0;
    let n = 0;
    const each: RecordCallback = this.#copy ? (d) => cb(d.slice()) : cb;
    for (const r of this.#rings) n += r.drain(each, max - n);
    this.received += n;
    return n;
  }

  /** start calls `cb` with each sample's data (valid only during the call) until close(). */
  start(cb: RecordCallback): Promise<void> {
    if (this.#running) throw new Error('PerfBuffer is already being read');
    this.#running = this.#loop(cb);
    return this.#running;
  }

  async #loop(cb: RecordCallback): Promise<void> {
    while (!this.#closed) {
      const n = this.poll(cb, this.#batch);
      if (this.#closed) break;
      if (n >= this.#batch) {
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

  #readable(): Promise<void> {
    return new Promise((resolve) => {
      this.#notify = resolve;
      for (const w of this.#watches) w.arm();
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const queue: Uint8Array[] = [];
    while (!this.#closed) {
      this.poll((d) => queue.push(d.slice()));
      while (queue.length > 0) yield queue.shift()!;
      if (this.#closed) break;
      if (this.available === 0) await this.#readable();
    }
  }

  async closeAsync(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stopped = Promise.all(this.#watches.map((w) => w.close()));
    this.#wake();
    await stopped;
    await this.#running?.catch(() => {});
    this.#release();
    untrack(this);
  }

  close(): void {
    if (this.#closed && this.#events.length === 0) return;
    this.#closed = true;
    for (const w of this.#watches) void w.close();
    this.#wake();
    this.#release();
    untrack(this);
  }

  #release(): void {
    for (const m of this.#maps) m.unmap();
    for (const e of this.#events) e.close();
    this.#maps.length = 0;
    this.#events.length = 0;
  }
}
