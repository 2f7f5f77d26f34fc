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
    if (bytes === undefined) throw this.fault(address, 0, len, write, pc);
    return bytes;
  }

  /**
   * fault builds the error for an access of `len` bytes at `base + off`, described relative to the
   * region `base` points into (so `r10 - 520` reads as offset -8 of the stack, not as another region).
   */
  fault(base: bigint, off: number, len: number, write: boolean, pc: number): VmError {
    const b = BigInt.asUintN(64, base);
    const region = this.region(Number(b >> 32n));
    const what = write ? 'write' : 'read';
    const offset = Number(b & 0xffffffffn) + off;
    if (region && write && !region.writable && offset >= 0 && offset + len <= region.len) {
      return new VmError('read-only', pc, `${what} of ${len} bytes to read-only ${region.name}`);
    }
    const at = BigInt.asUintN(64, b + BigInt(off));
    const where = region ? `in ${region.name} (offset ${offset}, size ${region.len})` : 'in unmapped memory';
    return new VmError(
      'out-of-bounds',
      pc,
      `out-of-bounds ${what} of ${len} bytes at 0x${at.toString(16)} ${where}`,
    );
  }
}

/** addressOf is the 64-bit address of `offset` bytes into a region. */
export const addressOf = (region: Region, offset = 0): bigint => (BigInt(region.hi) << 32n) + BigInt(offset);
