// PerfBuffer: reads a BPF_MAP_TYPE_PERF_EVENT_ARRAY through one mmap'd perf ring per CPU, fed by
// bpf_perf_event_output; PERF_RECORD_SAMPLE carries the data, PERF_RECORD_LOST counts drops.

import { readFileSync } from 'node:fs';
import { BpfkitError, DecodeError } from '../errors/index.js';
import { mapUpdateElem } from '../sys/bpf.js';
import { MapType } from '../sys/bpf-cmd.js';
import type { FD } from '../sys/fd.js';
import { ioctl, PerfIoctl } from '../sys/ioctl.js';
import { Mapping, PROT_READ, PROT_WRITE, pageSize } from '../sys/mmap.js';
import { PerfType, perfEventOpen, RecordType, SampleType, SwEvent } from '../sys/perf-event.js';
import { PollLoop, type PollLoopOptions } from './poll-loop.js';
import { RecordReader } from './record-reader.js';
import {
  type RecordCallback,
  type RecordSource,
  RecordView,
  type RecordViewCallback,
} from './record-view.js';
import { track, untrack } from './resources.js';

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
export class PerfRing implements RecordSource {
  readonly #meta32: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #dataOffset: number;
  readonly #size: number;
  #scratch = new Uint8Array(256);
  #scratchView = new DataView(this.#scratch.buffer);
  // #record's answer, in fields rather than a fresh object per record.
  #recBytes: Uint8Array;
  #recView: DataView;
  #recAt = 0;
  readonly #rv: RecordView;
  lost = 0;

  constructor(buffer: ArrayBuffer, dataOffset: number, size: number) {
    if (size <= 0 || (size & (size - 1)) !== 0)
      throw new RangeError(`perf ring size ${size} is not a power of two`);
    this.#meta32 = new Int32Array(buffer, 0, dataOffset >> 2);
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
    this.#dataOffset = dataOffset;
    this.#size = size;
    this.#recBytes = this.#bytes;
    this.#recView = this.#view;
    this.#rv = new RecordView(this.#bytes);
  }

  /** drain hands each sample's raw data to `cb`, adds LOST records to `lost`, returns samples read. */
  drain(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    return this.#drain((bytes, at, len) => cb(bytes.subarray(at, at + len)), max);
  }

  /** drainCopy is drain handing out copies, which `cb` may keep. */
  drainCopy(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    return this.#drain((bytes, at, len) => cb(bytes.slice(at, at + len)), max);
  }

  /** drainView is drain handing out one reused RecordView: no allocation per sample. */
  drainView(cb: RecordViewCallback, max = Number.POSITIVE_INFINITY): number {
    const rv = this.#rv;
    return this.#drain((bytes, at, len) => {
      if (rv.bytes !== bytes) {
        rv.bytes = bytes;
        rv.view = bytes === this.#bytes ? this.#view : this.#scratchView;
      }
      rv.offset = at;
      rv.length = len;
      cb(rv);
    }, max);
  }

  #drain(deliver: (bytes: Uint8Array, at: number, len: number) => void, max: number): number {
    const head = readU64(this.#meta32, DATA_HEAD >> 2);
    let tail = readU64(this.#meta32, DATA_TAIL >> 2);
    let n = 0;
    try {
      while (tail < head && n < max) {
        this.#record(tail, head);
        const view = this.#recView;
        const at = this.#recAt;
        const type = view.getUint32(at, true);
        const size = view.getUint16(at + 6, true);
        if (type === RecordType.SAMPLE) {
          const rawSize = view.getUint32(at + 8, true);
          if (12 + rawSize > size)
            throw new DecodeError(`perf sample of ${rawSize} bytes overruns its record`, tail);
          deliver(this.#recBytes, at + 12, rawSize);
          n++;
        } else if (type === RecordType.LOST) {
          this.lost += Number(view.getBigUint64(at + 16, true));
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

  /** #record points #recBytes/#recView/#recAt at the record at `tail`, in place or in the scratch. */
  #record(tail: number, head: number): void {
    const mask = this.#size - 1;
    const start = tail & mask;
    // The header itself is 8-aligned and never wraps; its size field says whether the body does.
    const size = this.#view.getUint16(this.#dataOffset + start + 6, true);
    if (size < 8 || size % 8 !== 0 || tail + size > head)
      throw new DecodeError(`perf record of size ${size} is malformed`, tail);
    if (start + size <= this.#size) {
      this.#recBytes = this.#bytes;
      this.#recView = this.#view;
      this.#recAt = this.#dataOffset + start;
      return;
    }
    if (this.#scratch.length < size) {
      this.#scratch = new Uint8Array(size * 2);
      this.#scratchView = new DataView(this.#scratch.buffer);
    }
    const first = this.#size - start;
    this.#scratch.set(this.#bytes.subarray(this.#dataOffset + start, this.#dataOffset + this.#size), 0);
    this.#scratch.set(this.#bytes.subarray(this.#dataOffset, this.#dataOffset + size - first), first);
    this.#recBytes = this.#scratch;
    this.#recView = this.#scratchView;
    this.#recAt = 0;
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

/** PerfBufferOptions sizes the per-CPU rings and chooses how the reader wakes (see PollLoopOptions). */
export interface PerfBufferOptions extends PollLoopOptions {
  /** pagesPerCpu is the data pages per CPU ring (a power of two; default 64 = 256 KiB). */
  pagesPerCpu?: number;
  /** wakeupEvents wakes the reader after this many samples (default 1). */
  wakeupEvents?: number;
  /** copy hands callbacks a copy of each sample, which they may keep, instead of a view of the ring. */
  copy?: boolean;
}

/** PerfRings drains every CPU's ring in turn, sharing one budget of `max` records. */
class PerfRings implements RecordSource {
  constructor(readonly rings: readonly PerfRing[]) {}

  drain(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    let n = 0;
    for (const r of this.rings) n += r.drain(cb, max - n);
    return n;
  }

  drainCopy(cb: RecordCallback, max = Number.POSITIVE_INFINITY): number {
    let n = 0;
    for (const r of this.rings) n += r.drainCopy(cb, max - n);
    return n;
  }

  drainView(cb: RecordViewCallback, max = Number.POSITIVE_INFINITY): number {
    let n = 0;
    for (const r of this.rings) n += r.drainView(cb, max - n);
    return n;
  }
}

/**
 * PerfBuffer reads bpf_perf_event_output() records from every online CPU (Linux 4.4), with a callback
 * (`start`, `startViews`) or an async iterator. `lost` sums the kernel's PERF_RECORD_LOST counts.
 */
export class PerfBuffer extends RecordReader {
  protected readonly source: PerfRings;
  readonly #events: FD[] = [];
  readonly #maps: Mapping[] = [];
  readonly #rings: PerfRing[] = [];

  constructor(map: PerfBufferMap, options: PerfBufferOptions = {}) {
    super(new PollLoop(options), options.copy ?? false, 'PerfBuffer');
    const mapFd = typeof map.fd === 'number' ? map.fd : map.fd.value;
    const pages = options.pagesPerCpu ?? 64;
    if (pages <= 0 || (pages & (pages - 1)) !== 0)
      throw new RangeError(`pagesPerCpu ${pages} is not a power of two`);
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
        this.loop.watch(ev.value, `${what} cpu ${cpu}`);
      }
    } catch (err) {
      void this.loop.stop();
      this.#release();
      throw err;
    }
    this.source = new PerfRings(this.#rings);
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
    if (!this.loop.closed) for (const r of this.#rings) n += r.available;
    return n;
  }

  async closeAsync(): Promise<void> {
    if (this.loop.closed) return;
    await this.loop.stop();
    this.#release();
    untrack(this);
  }

  close(): void {
    if (this.loop.closed && this.#events.length === 0) return;
    void this.loop.stop();
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
