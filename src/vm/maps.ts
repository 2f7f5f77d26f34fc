// In-memory maps for the interpreter, with the kernel's semantics for the core map types: hash,
// array, their per-CPU and LRU variants (one CPU here), program arrays, perf event arrays, ring
// buffers, queues and stacks.

import { BpfkitError } from '../errors/index.js';

/** VmMapType numbers the supported map types as BPF_MAP_TYPE_* in include/uapi/linux/bpf.h. */
export const VmMapType = {
  Hash: 1,
  Array: 2,
  ProgArray: 3,
  PerfEventArray: 4,
  PerCPUHash: 5,
  PerCPUArray: 6,
  LRUHash: 9,
  Queue: 22,
  Stack: 23,
  RingBuf: 27,
} as const;
export type VmMapType = (typeof VmMapType)[keyof typeof VmMapType];

/** VmMapSpec describes a map as bpf(BPF_MAP_CREATE) would. */
export interface VmMapSpec {
  type: VmMapType;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name?: string;
}

// Update flags, as BPF_ANY / BPF_NOEXIST / BPF_EXIST.
const BPF_NOEXIST = 1n;
const BPF_EXIST = 2n;
const E2BIG = 7;
const ENOENT = 2;
const EEXIST = 17;
const EINVAL = 22;

// A key's bytes as a string, one char per byte: cheaper than hex for the small keys maps use.
function hexKey(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}

/** VmMap is one map: the helpers see element buffers, TypeScript sees keys and values as bytes. */
export class VmMap {
  readonly spec: VmMapSpec;
  readonly name: string;
  /** valueName names the memory regions of this map's values in fault messages. */
  readonly valueName: string;
  private readonly hash = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  private readonly array: Uint8Array[] = [];
  /** records holds ring buffer and perf event array output, or queue and stack values, oldest first. */
  readonly records: Uint8Array[] = [];
  /** programs holds a program array's entries, by index. */
  readonly programs = new Map<number, unknown>();

  constructor(spec: VmMapSpec) {
    if (spec.keySize < 0 || spec.valueSize < 0 || spec.maxEntries <= 0) {
      throw new BpfkitError(
        `invalid map spec: key ${spec.keySize}, value ${spec.valueSize}, entries ${spec.maxEntries}`,
      );
    }
    this.spec = spec;
    this.name = spec.name ?? `map_${spec.type}`;
    this.valueName = `${this.name} value`;
  }

  get isArray(): boolean {
    return this.spec.type === VmMapType.Array || this.spec.type === VmMapType.PerCPUArray;
  }

  get isHash(): boolean {
    const t = this.spec.type;
    return t === VmMapType.Hash || t === VmMapType.PerCPUHash || t === VmMapType.LRUHash;
  }

  private arrayIndex(key: Uint8Array): number | undefined {
    if (key.length < 4) return undefined;
    const index = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
    return index < this.spec.maxEntries ? index : undefined;
  }

  /** lookup returns the element's value buffer itself (writes through it update the map), or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    if (this.isArray) {
      const index = this.arrayIndex(key);
      if (index === undefined) return undefined;
      let value = this.array[index];
      if (!value) this.array[index] = value = new Uint8Array(this.spec.valueSize);
      return value;
    }
    if (!this.isHash) return undefined;
    const k = hexKey(key);
    const entry = this.hash.get(k);
    if (entry && this.spec.type === VmMapType.LRUHash) {
      // Most recently used moves to the end of the insertion order, which LRU eviction walks.
      this.hash.delete(k);
      this.hash.set(k, entry);
    }
    return entry?.value;
  }

  /** update stores a copy of `value`; it returns 0 or a negative errno as the helper does. */
  update(key: Uint8Array, value: Uint8Array, flags = 0n): number {
    if (flags > BPF_EXIST) return -EINVAL;
    if (this.isArray) {
      const index = this.arrayIndex(key);
      if (index === undefined) return -E2BIG;
      if (flags === BPF_NOEXIST) return -EEXIST;
      const slot = this.lookup(key)!;
      slot.set(value.subarray(0, this.spec.valueSize));
      return 0;
    }
    if (!this.isHash) return -EINVAL;
    const k = hexKey(key);
    const entry = this.hash.get(k);
    if (entry && flags === BPF_NOEXIST) return -EEXIST;
    if (!entry && flags === BPF_EXIST) return -ENOENT;
    if (entry) {
      // The element keeps its buffer, so pointers from an earlier lookup see the new value.
      entry.value.set(value.subarray(0, this.spec.valueSize));
      return 0;
    }
    if (this.hash.size >= this.spec.maxEntries) {
      if (this.spec.type !== VmMapType.LRUHash) return -E2BIG;
      const oldest = this.hash.keys().next().value;
      if (oldest !== undefined) this.hash.delete(oldest);
    }
    const copy = new Uint8Array(this.spec.valueSize);
    copy.set(value.subarray(0, this.spec.valueSize));
    this.hash.set(k, { key: key.slice(0, this.spec.keySize), value: copy });
    return 0;
  }

  /** delete removes an element and returns its old value buffer (so the vm can unmap it), or an errno. */
  delete(key: Uint8Array): Uint8Array | number {
    if (this.isArray) return -EINVAL;
    if (this.spec.type === VmMapType.ProgArray) {
      const index = this.arrayIndex(key);
      return index !== undefined && this.programs.delete(index) ? 0 : -ENOENT;
    }
    const k = hexKey(key);
    const entry = this.hash.get(k);
    if (!entry) return -ENOENT;
    this.hash.delete(k);
    return entry.value;
  }

  /** entries lists [key, value] copies, in iteration order. */
  entries(): [Uint8Array, Uint8Array][] {
    if (this.isArray) {
      const out: [Uint8Array, Uint8Array][] = [];
      for (let i = 0; i < this.spec.maxEntries; i++) {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, i, true);
        out.push([key, (this.array[i] ?? new Uint8Array(this.spec.valueSize)).slice()]);
      }
      return out;
    }
    return [...this.hash.values()].map((e) => [e.key.slice(), e.value.slice()]);
  }

  /** push adds a value to a queue or stack map (BPF_EXIST evicts the oldest when full). */
  push(value: Uint8Array, flags = 0n): number {
    if (this.spec.type !== VmMapType.Queue && this.spec.type !== VmMapType.Stack) return -EINVAL;
    if (this.records.length >= this.spec.maxEntries) {
      if (flags !== BPF_EXIST) return -E2BIG;
      this.records.shift();
    }
    this.records.push(value.slice(0, this.spec.valueSize));
    return 0;
  }

  /** pop removes (or with `peek`, only reads) the next value: oldest for a queue, newest for a stack. */
  pop(peek = false): Uint8Array | undefined {
    if (this.spec.type === VmMapType.Queue) return peek ? this.records[0] : this.records.shift();
    if (this.spec.type === VmMapType.Stack) return peek ? this.records.at(-1) : this.records.pop();
    return undefined;
  }

  /** drain returns and forgets the ring buffer or perf records written so far. */
  drain(): Uint8Array[] {
    return this.records.splice(0, this.records.length);
  }
}
