// The interpreter's address space: each region (context, stack, map value, ring buffer record) sits
// at its own fake 4 GiB-aligned base, so the high 32 bits of an address name the region and the low
// 32 bits are the offset, and every access is checked against that region's length.

import { VmError } from './errors.js';

/** Region is one mapped block of memory; its base address is `hi << 32`. */
export interface Region {
  readonly name: string;
  readonly hi: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly len: number;
  readonly writable: boolean;
}

// Region 0 starts at 1 << 32, so a NULL pointer (and any small integer) is never a valid address.
const FIRST_HI = 1;

/** Memory is the region table; region `hi` lives at index `hi - 1`. */
export class Memory {
  readonly regions: (Region | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly byBytes = new WeakMap<Uint8Array, Region>();

  /** map makes `bytes` addressable (sharing them, not copying) and returns the new region. */
  map(name: string, bytes: Uint8Array, writable = true): Region {
    const index = this.freeSlots.pop() ?? this.regions.length;
    const region: Region = {
      name,
      hi: index + FIRST_HI,
      bytes,
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      len: bytes.byteLength,
      writable,
    };
    this.regions[index] = region;
    this.byBytes.set(bytes, region);
    return region;
  }

  /** regionFor returns the region already mapping `bytes`, or maps it (map values keep their address). */
  regionFor(name: string, bytes: Uint8Array, writable = true): Region {
    return this.byBytes.get(bytes) ?? this.map(name, bytes, writable);
  }

  /** unmap forgets a region; later accesses through stale pointers fault. */
  unmap(region: Region): void {
    if (this.regions[region.hi - FIRST_HI] !== region) return;
    this.regions[region.hi - FIRST_HI] = undefined;
    this.byBytes.delete(region.bytes);
    this.freeSlots.push(region.hi - FIRST_HI);
  }

  /** unmapBytes unmaps the region of `bytes`, if any (a deleted map element). */
  unmapBytes(bytes: Uint8Array): void {
    const region = this.byBytes.get(bytes);
    if (region) this.unmap(region);
  }

  /** region returns the region whose base has high word `hi`. */
  region(hi: number): Region | undefined {
    return this.regions[hi - FIRST_HI];
  }

  /** regionAt returns the region containing a whole address, or undefined. */
  regionAt(address: bigint): Region | undefined {
    return this.region(Number(BigInt.asUintN(64, address) >> 32n));
  }

  /** slice resolves [address, address+len) to bytes of one region, or undefined if it is not mapped. */
  slice(address: bigint, len: number, write = false): Uint8Array | undefined {
    const a = BigInt.asUintN(64, address);
    const region = this.region(Number(a >> 32n));
    const offset = Number(a & 0xffffffffn);
    if (!region || len < 0 || offset + len > region.len || (write && !region.writable)) return undefined;
    return region.bytes.subarray(offset, offset + len);
  }

  /** checked is slice that faults with the instruction index instead of returning undefined. */
  checked(address: bigint, len: number, write: boolean, pc: number): Uint8Array {
    const bytes = this.slice(address, len, write);
    if (bytes === undefined) throw this.fault(address, len, write, pc);
    return bytes;
  }

  /** fault builds the out-of-bounds (or read-only) error for an access. */
  fault(address: bigint, len: number, write: boolean, pc: number): VmError {
    const a = BigInt.asUintN(64, address);
    const region = this.region(Number(a >> 32n));
    const what = write ? 'write' : 'read';
    if (region && write && !region.writable && Number(a & 0xffffffffn) + len <= region.len) {
      return new VmError('read-only', pc, `${what} of ${len} bytes to read-only ${region.name}`);
    }
    const where = region
      ? `${region.name} (offset ${Number(a & 0xffffffffn)}, size ${region.len})`
      : 'unmapped memory';
    return new VmError(
      'out-of-bounds',
      pc,
      `out-of-bounds ${what} of ${len} bytes at 0x${a.toString(16)} in ${where}`,
    );
  }
}

/** addressOf is the 64-bit address of `offset` bytes into a region. */
export const addressOf = (region: Region, offset = 0): bigint => (BigInt(region.hi) << 32n) + BigInt(offset);
