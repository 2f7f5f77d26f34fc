// BpfMap: a kernel map as an owned object with typed keys and values, iteration and batch lookups.

import { BpfkitError } from '../errors/index.js';
import {
  bpfError,
  getFdById,
  mapCreate,
  mapDeleteElem,
  mapFreeze,
  mapGetNextKey,
  mapLookupAndDeleteElem,
  mapLookupBatch,
  mapLookupElem,
  mapUpdateBatch,
  mapUpdateElem,
  objGet,
  objPin,
} from '../sys/bpf.js';
import { MapFlag, MapType, UpdateFlag } from '../sys/bpf-cmd.js';
import { SysError } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { type MapInfo, mapInfo } from './info.js';
import { type Codec, codecs } from './map-codecs.js';
import {
  explainMapCreate,
  hasFdValues,
  isKeyless,
  isPerCpu,
  type MapTypeName,
  mapTypeName,
  mapTypeNumber,
  possibleCpus,
  sizeDefaults,
} from './map-types.js';
import { track, untrack } from './resources.js';

/** MapSpec describes a map to create. Sizes the type fixes (ringbuf, perf event array...) may be left out. */
export interface MapSpec<K, V> {
  type: MapTypeName | number;
  keySize?: number;
  valueSize?: number;
  maxEntries?: number;
  /** name is shown by bpftool; sanitised to 15 characters of [A-Za-z0-9_.]. */
  name?: string;
  flags?: number;
  key?: Codec<K>;
  value?: Codec<V>;
  /** inner is the template map for array_of_maps / hash_of_maps. */
  inner?: { readonly fd: number };
  numaNode?: number;
  mapExtra?: bigint;
  btf?: { fd: number; keyTypeId: number; valueTypeId: number };
}

/** UpdateMode is the MAP_UPDATE_ELEM flag: any (default), noexist (create only), exist (replace only). */
export type UpdateMode = 'any' | 'noexist' | 'exist';
const UPDATE_FLAGS: Record<UpdateMode, number> = {
  any: UpdateFlag.ANY,
  noexist: UpdateFlag.NOEXIST,
  exist: UpdateFlag.EXIST,
};

/** sanitizeName keeps what the kernel accepts in map and program names (BPF_OBJ_NAME_LEN − 1). */
export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}

/** BpfMap<K, V> is an open map; K and V are Buffers unless codecs were given. */
export class BpfMap<K = Buffer, V = Buffer> {
  readonly handle: FD;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  readonly #key: Codec<K>;
  readonly #value: Codec<V>;

  private constructor(
    handle: FD,
    desc: {
      type: number;
      keySize: number;
      valueSize: number;
      maxEntries: number;
      flags: number;
      name: string;
    },
    key: Codec<K>,
    value: Codec<V>,
  ) {
    this.handle = handle;
    this.type = desc.type;
    this.keySize = desc.keySize;
    this.valueSize = desc.valueSize;
    this.maxEntries = desc.maxEntries;
    this.flags = desc.flags;
    this.name = desc.name;
    this.#key = key;
    this.#value = value;
    track(this);
  }

  /** create makes a new map (MAP_CREATE); an unsupported size or type fails with a SysError and hint. */
  static create<K = Buffer, V = Buffer>(spec: MapSpec<K, V>): BpfMap<K, V> {
    const type = mapTypeNumber(spec.type);
    const sizes = sizeDefaults(type, {
      keySize: spec.keySize ?? spec.key?.size,
      valueSize: spec.valueSize ?? spec.value?.size,
      maxEntries: spec.maxEntries,
    });
    const name = sanitizeName(spec.name ?? '');
    // Caught here rather than at the first get/set, far from the mistake.
    for (const [what, codec, size] of [
      ['key', spec.key, sizes.keySize],
      ['value', spec.value, sizes.valueSize],
    ] as const) {
      if (codec?.size !== undefined && codec.size > size) {
        throw new BpfkitError(`the ${what} codec needs ${codec.size} bytes but ${what}Size is ${size}`, {
          hint: `drop ${what}Size to use the codec's size, or pick a codec of ${size} bytes`,
        });
      }
    }
    if ((type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS) && !spec.inner) {
      throw new BpfkitError(`map type ${mapTypeName(type)} needs an inner map template ('inner')`);
    }
    const flags = spec.flags ?? 0;
    let fd: FD;
    try {
      fd = BpfMap.#create(type, sizes, flags, name, spec);
    } catch (err) {
      const why =
        err instanceof SysError && err.code === 'EINVAL'
          ? explainMapCreate(type, { ...sizes, flags })
          : undefined;
      if (why) throw bpfError('create map', err instanceof SysError ? err.errno : 22, err, why);
      throw err;
    }
    return new BpfMap(
      fd,
      { type, ...sizes, flags, name },
      (spec.key ?? codecs.raw) as Codec<K>,
      (spec.value ?? codecs.raw) as Codec<V>,
    );
  }

  static #create<K, V>(
    type: number,
    sizes: { keySize: number; valueSize: number; maxEntries: number },
    flags: number,
    name: string,
    spec: MapSpec<K, V>,
  ): FD {
    return mapCreate({
      mapType: type,
      ...sizes,
      flags,
      name,
      ...(spec.inner ? { innerMapFd: spec.inner.fd } : {}),
      ...(spec.numaNode !== undefined ? { numaNode: spec.numaNode, flags: flags | MapFlag.NUMA_NODE } : {}),
      ...(spec.mapExtra !== undefined ? { mapExtra: spec.mapExtra } : {}),
      ...(spec.btf
        ? { btfFd: spec.btf.fd, btfKeyTypeId: spec.btf.keyTypeId, btfValueTypeId: spec.btf.valueTypeId }
        : {}),
    });
  }

  /** fromFd wraps an already open map fd (taking ownership), reading its shape from the kernel. */
  static fromFd<K = Buffer, V = Buffer>(
    fd: FD,
    codec: { key?: Codec<K>; value?: Codec<V> } = {},
  ): BpfMap<K, V> {
    let info: MapInfo;
    try {
      info = mapInfo(fd.value);
    } catch (err) {
      fd.close();
      throw err;
    }
    return new BpfMap(
      fd,
      info,
      (codec.key ?? codecs.raw) as Codec<K>,
      (codec.value ?? codecs.raw) as Codec<V>,
    );
  }

  /** fromPin opens a map pinned in bpffs. */
  static fromPin<K = Buffer, V = Buffer>(
    path: string,
    codec: { key?: Codec<K>; value?: Codec<V> } = {},
  ): BpfMap<K, V> {
    return BpfMap.fromFd(objGet(path, `bpf map ${path}`), codec);
  }

  /** fromId opens a map by its kernel id; undefined if no such map exists. */
  static fromId<K = Buffer, V = Buffer>(
    id: number,
    codec: { key?: Codec<K>; value?: Codec<V> } = {},
  ): BpfMap<K, V> | undefined {
    const fd = getFdById('map', id);
    return fd ? BpfMap.fromFd(fd, codec) : undefined;
  }

  /** fd is the raw descriptor, for LD_IMM64 relocations and attach calls. */
  get fd(): number {
    return this.handle.value;
  }

  get closed(): boolean {
    return this.handle.closed;
  }

  get typeName(): string {
    return mapTypeName(this.type);
  }

  get perCpu(): boolean {
    return isPerCpu(this.type);
  }

  /** valueStride is the per-CPU slot size: values are padded to 8 bytes for per-CPU maps. */
  get valueStride(): number {
    return this.perCpu ? (this.valueSize + 7) & ~7 : this.valueSize;
  }

  /** get returns the value for key, or undefined when it is absent. Per-CPU maps use getPerCpu. */
  get(key: K): V | undefined {
    this.#notPerCpu('get');
    const value = Buffer.alloc(this.valueSize);
    if (!mapLookupElem(this.fd, this.#encodeKey(key), value)) return undefined;
    return this.#value.decode(value);
  }

  /** has says whether key is present. */
  has(key: K): boolean {
    const value = Buffer.alloc(this.#valueBytes());
    return mapLookupElem(this.fd, this.#encodeKey(key), value);
  }

  /** getPerCpu returns one value per possible CPU, or undefined when key is absent. */
  getPerCpu(key: K): V[] | undefined {
    const value = Buffer.alloc(this.#valueBytes());
    if (!mapLookupElem(this.fd, this.#encodeKey(key), value)) return undefined;
    return this.#decodeValues(value);
  }

  /** set stores key → value; on per-CPU maps every CPU gets the same value. */
  set(key: K, value: V, mode: UpdateMode = 'any'): void {
    mapUpdateElem(this.fd, this.#encodeKey(key), this.#encodeValue(value), UPDATE_FLAGS[mode]);
  }

  /** setPerCpu stores one value per possible CPU. */
  setPerCpu(key: K, values: readonly V[], mode: UpdateMode = 'any'): void {
    if (!this.perCpu) throw new BpfkitError(`setPerCpu needs a per-CPU map; ${this.typeName} is not one`);
    const n = possibleCpus();
    if (values.length !== n)
      throw new BpfkitError(`setPerCpu needs ${n} values (one per possible CPU), got ${values.length}`);
    const stride = this.valueStride;
    const buf = Buffer.alloc(stride * n);
    values.forEach((v, cpu) => {
      this.#value.encode(v, this.valueSize).copy(buf, cpu * stride);
    });
    mapUpdateElem(this.fd, this.#encodeKey(key), buf, UPDATE_FLAGS[mode]);
  }

  /** setFd stores a program, map or perf event fd (prog_array, map-in-map, perf_event_array). */
  setFd(key: K, target: number | { readonly fd: number }): void {
    if (!hasFdValues(this.type))
      throw new BpfkitError(`map type ${this.typeName} does not hold file descriptors`);
    const v = Buffer.alloc(4);
    v.writeUInt32LE(typeof target === 'number' ? target : target.fd);
    mapUpdateElem(this.fd, this.#encodeKey(key), v, 0);
  }

  /** innerMap opens the map stored at key of an array_of_maps / hash_of_maps (caller closes it). */
  innerMap(key: K): BpfMap | undefined {
    if (this.type !== MapType.ARRAY_OF_MAPS && this.type !== MapType.HASH_OF_MAPS) {
      throw new BpfkitError(`innerMap needs a map-in-map; ${this.typeName} is not one`);
    }
    const v = Buffer.alloc(4);
    if (!mapLookupElem(this.fd, this.#encodeKey(key), v)) return undefined;
    return BpfMap.fromId(v.readUInt32LE(0));
  }

  /** delete removes key; it returns whether it was present. */
  delete(key: K): boolean {
    return mapDeleteElem(this.fd, this.#encodeKey(key));
  }

  /** pop removes and returns the next value of a queue or stack map (or a key's value on hash maps). */
  pop(key?: K): V | undefined {
    const value = Buffer.alloc(this.valueSize);
    const k = key === undefined ? undefined : this.#encodeKey(key);
    if (!mapLookupAndDeleteElem(this.fd, k, value)) return undefined;
    return this.#value.decode(value);
  }

  /** push appends to a queue or stack map. */
  push(value: V): void {
    mapUpdateElem(this.fd, undefined, this.#value.encode(value, this.valueSize), 0);
  }

  /**
   * keys iterates with MAP_GET_NEXT_KEY. If the current key is deleted meanwhile the kernel restarts
   * from the first key for hash maps, so concurrent deletion may repeat keys; use batches for snapshots.
   */
  *keys(): Generator<K> {
    if (isKeyless(this.type)) throw new BpfkitError(`map type ${this.typeName} has no keys to iterate`);
    let cur: Buffer | undefined;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if (!mapGetNextKey(this.fd, cur, next)) return;
      yield this.#key.decode(next);
      cur = next;
    }
  }

  /** entries iterates keys with their current values (entries deleted meanwhile are skipped). */
  *entries(): Generator<[K, V]> {
    this.#notPerCpu('entries');
    let cur: Buffer | undefined;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if (!mapGetNextKey(this.fd, cur, next)) return;
      const value = Buffer.alloc(this.valueSize);
      if (mapLookupElem(this.fd, next, value)) yield [this.#key.decode(next), this.#value.decode(value)];
      cur = next;
    }
  }

  /** entriesPerCpu iterates keys with their per-CPU values. */
  *entriesPerCpu(): Generator<[K, V[]]> {
    let cur: Buffer | undefined;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if (!mapGetNextKey(this.fd, cur, next)) return;
      const value = Buffer.alloc(this.#valueBytes());
      if (mapLookupElem(this.fd, next, value)) yield [this.#key.decode(next), this.#decodeValues(value)];
      cur = next;
    }
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }

  /**
   * lookupBatch reads the whole map with MAP_LOOKUP_BATCH (5.6), `batchSize` elements per call.
   * Per-CPU maps yield arrays of values; use lookupBatchPerCpu for their types.
   */
  lookupBatch(batchSize = 256): Array<[K, V]> {
    this.#notPerCpu('lookupBatch');
    return this.#batch(batchSize, false).map(([k, v]) => [k, this.#value.decode(v)]);
  }

  /** lookupBatchPerCpu is lookupBatch for per-CPU maps. */
  lookupBatchPerCpu(batchSize = 256): Array<[K, V[]]> {
    return this.#batch(batchSize, false).map(([k, v]) => [k, this.#decodeValues(v)]);
  }

  /** lookupAndDeleteBatch drains the map atomically per batch (MAP_LOOKUP_AND_DELETE_BATCH). */
  lookupAndDeleteBatch(batchSize = 256): Array<[K, V]> {
    this.#notPerCpu('lookupAndDeleteBatch');
    return this.#batch(batchSize, true).map(([k, v]) => [k, this.#value.decode(v)]);
  }

  /** setBatch writes many entries in one MAP_UPDATE_BATCH call (5.6); per-CPU values repeat per CPU. */
  setBatch(entries: Iterable<readonly [K, V]>, mode: UpdateMode = 'any'): void {
    const list = [...entries];
    if (list.length === 0) return;
    const vBytes = this.#valueBytes();
    const keys = Buffer.alloc(this.keySize * list.length);
    const values = Buffer.alloc(vBytes * list.length);
    list.forEach(([k, v], i) => {
      this.#encodeKey(k)?.copy(keys, i * this.keySize);
      this.#encodeValue(v).copy(values, i * vBytes);
    });
    mapUpdateBatch(this.fd, keys, values, list.length, { elemFlags: UPDATE_FLAGS[mode] });
  }

  /** deleteBatch removes many keys in one MAP_DELETE_BATCH call; every key must exist. */
  deleteBatch(keys: Iterable<K>): void {
    const list = [...keys];
    if (list.length === 0) return;
    const buf = Buffer.alloc(this.keySize * list.length);
    list.forEach((k, i) => {
      this.#encodeKey(k)?.copy(buf, i * this.keySize);
    });
    mapUpdateBatch(this.fd, buf, undefined, list.length);
  }

  /** freeze makes the map read-only from user space; programs may still write it (5.2). */
  freeze(): void {
    mapFreeze(this.fd);
  }

  /** pin makes the map outlive this process at a bpffs path. */
  pin(path: string): void {
    objPin(this.fd, path);
  }

  /** info asks the kernel for this map's id, type, sizes and name. */
  info(): MapInfo {
    return mapInfo(this.fd);
  }

  /** close releases the map; the kernel frees it once no program or pin holds it. Idempotent. */
  close(): void {
    untrack(this);
    this.handle.close();
  }

  #batch(batchSize: number, andDelete: boolean): Array<[K, Buffer]> {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError('batchSize must be a positive integer');
    const vBytes = this.#valueBytes();
    const out: Array<[K, Buffer]> = [];
    // Hash maps use a 4-byte bucket cursor, arrays the key itself; keySize bytes covers both.
    const cursorSize = Math.max(this.keySize, 8);
    let inBatch: Buffer | undefined;
    for (;;) {
      const keys = Buffer.alloc(this.keySize * batchSize);
      const values = Buffer.alloc(vBytes * batchSize);
      const outBatch = Buffer.alloc(cursorSize);
      let r: { count: number; done: boolean };
      try {
        r = mapLookupBatch(this.fd, inBatch, outBatch, keys, values, batchSize, { andDelete });
      } catch (err) {
        // ENOSPC: one hash bucket holds more elements than the batch; retry with a larger batch.
        if (err instanceof SysError && err.code === 'ENOSPC' && batchSize < 1 << 20) {
          batchSize *= 4;
          continue;
        }
        throw err;
      }
      for (let i = 0; i < r.count; i++) {
        const k = keys.subarray(i * this.keySize, (i + 1) * this.keySize);
        out.push([
          this.#key.decode(Buffer.from(k)),
          Buffer.from(values.subarray(i * vBytes, (i + 1) * vBytes)),
        ]);
      }
      if (r.done) return out;
      inBatch = outBatch;
    }
  }

  #notPerCpu(method: string): void {
    if (this.perCpu) {
      const alt =
        method === 'get' ? 'getPerCpu' : method === 'entries' ? 'entriesPerCpu' : 'lookupBatchPerCpu';
      throw new BpfkitError(
        `${method} is not available on per-CPU map ${this.name || this.typeName}; use ${alt}`,
      );
    }
  }

  #valueBytes(): number {
    return this.perCpu ? this.valueStride * possibleCpus() : this.valueSize;
  }

  #decodeValues(buf: Buffer): V[] {
    const out: V[] = [];
    const stride = this.valueStride;
    for (let at = 0; at + stride <= buf.length; at += stride) {
      out.push(this.#value.decode(Buffer.from(buf.subarray(at, at + this.valueSize))));
    }
    return out;
  }

  #encodeKey(key: K): Buffer | undefined {
    if (this.keySize === 0) return undefined;
    return this.#key.encode(key, this.keySize);
  }

  #encodeValue(value: V): Buffer {
    const one = this.#value.encode(value, this.valueSize);
    if (!this.perCpu) return one;
    const n = possibleCpus();
    const buf = Buffer.alloc(this.valueStride * n);
    for (let cpu = 0; cpu < n; cpu++) one.copy(buf, cpu * this.valueStride);
    return buf;
  }
}
