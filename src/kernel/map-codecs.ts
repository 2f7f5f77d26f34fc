// Key and value codecs for maps: how a JavaScript value becomes the exact bytes the kernel stores.

import { BpfkitError } from '../errors/index.js';

/** Codec converts between a JavaScript value and a fixed-size little-endian byte image. */
export interface Codec<T> {
  /** size is the byte size the codec produces; undefined means "whatever the map says". */
  readonly size: number | undefined;
  encode(value: T, size: number): Buffer;
  decode(bytes: Buffer): T;
}

function fixed<T>(
  size: number,
  write: (b: Buffer, v: T) => void,
  read: (b: Buffer) => T,
  name: string,
): Codec<T> {
  return {
    size,
    encode(value, want) {
      if (want < size)
        throw new BpfkitError(`${name} codec needs ${size} bytes but the map field has ${want}`);
      const b = Buffer.alloc(want);
      write(b, value);
      return b;
    },
    decode: read,
  };
}

/** raw passes Buffers through, zero-padded or checked to the map's size. */
const raw: Codec<Uint8Array> = {
  size: undefined,
  encode(value, size) {
    if (value.byteLength > size) {
      throw new BpfkitError(`a ${value.byteLength}-byte buffer does not fit the map's ${size}-byte field`);
    }
    const b = Buffer.alloc(size);
    b.set(value);
    return b;
  },
  decode: (b) => b,
};

/** cstring is a NUL-padded string in a fixed char[size] field (e.g. a task comm). */
function cstring(size: number): Codec<string> {
  return {
    size,
    encode(value, want) {
      const b = Buffer.alloc(want);
      Buffer.from(value, 'utf8')
        .subarray(0, Math.max(0, want - 1))
        .copy(b);
      return b;
    },
    decode(b) {
      const end = b.indexOf(0);
      return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
    },
  };
}

/** stack decodes a stack_trace map value: instruction pointers up to the first zero slot. */
const stack: Codec<bigint[]> = {
  size: undefined,
  encode(value, size) {
    if (value.length * 8 > size)
      throw new BpfkitError(`${value.length} frames do not fit a ${size}-byte stack value`);
    const b = Buffer.alloc(size);
    value.forEach((ip, i) => {
      b.writeBigUInt64LE(BigInt.asUintN(64, ip), i * 8);
    });
    return b;
  },
  decode(b) {
    const out: bigint[] = [];
    for (let at = 0; at + 8 <= b.length; at += 8) {
      const ip = b.readBigUInt64LE(at);
      if (ip === 0n) break;
      out.push(ip);
    }
    return out;
  },
};

/** LpmKey is an lpm_trie key: a prefix length in bits and the address bytes (network order). */
export interface LpmKey {
  prefixLen: number;
  data: Uint8Array;
}

/** lpm encodes struct bpf_lpm_trie_key: a host-order u32 prefix length, then `dataSize` data bytes. */
function lpm(dataSize: number): Codec<LpmKey> {
  return {
    size: 4 + dataSize,
    encode(value, size) {
      if (value.data.byteLength > size - 4) {
        throw new BpfkitError(`lpm key data of ${value.data.byteLength} bytes does not fit ${size - 4}`);
      }
      if (value.prefixLen < 0 || value.prefixLen > (size - 4) * 8) {
        throw new BpfkitError(`prefix length ${value.prefixLen} is outside 0..${(size - 4) * 8}`);
      }
      const b = Buffer.alloc(size);
      b.writeUInt32LE(value.prefixLen, 0);
      b.set(value.data, 4);
      return b;
    },
    decode: (b) => ({ prefixLen: b.readUInt32LE(0), data: Buffer.from(b.subarray(4)) }),
  };
}

/** codecs are the ready-made codecs; pass them as `key` / `value` to Map.create. */
export const codecs = {
  raw,
  u8: fixed<number>(
    1,
    (b, v) => b.writeUInt8(v),
    (b) => b.readUInt8(0),
    'u8',
  ),
  u16: fixed<number>(
    2,
    (b, v) => b.writeUInt16LE(v),
    (b) => b.readUInt16LE(0),
    'u16',
  ),
  u32: fixed<number>(
    4,
    (b, v) => b.writeUInt32LE(v >>> 0),
    (b) => b.readUInt32LE(0),
    'u32',
  ),
  i32: fixed<number>(
    4,
    (b, v) => b.writeInt32LE(v | 0),
    (b) => b.readInt32LE(0),
    'i32',
  ),
  u64: fixed<bigint>(
    8,
    (b, v) => b.writeBigUInt64LE(BigInt.asUintN(64, v)),
    (b) => b.readBigUInt64LE(0),
    'u64',
  ),
  i64: fixed<bigint>(
    8,
    (b, v) => b.writeBigInt64LE(BigInt.asIntN(64, v)),
    (b) => b.readBigInt64LE(0),
    'i64',
  ),
  /** u64n is a u64 as a JavaScript number, for counters that stay below 2^53. */
  u64n: fixed<number>(
    8,
    (b, v) => b.writeBigUInt64LE(BigInt(Math.trunc(v))),
    (b) => Number(b.readBigUInt64LE(0)),
    'u64n',
  ),
  cstring,
  stack,
  lpm,
} as const;
