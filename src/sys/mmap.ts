// Mapping: an owned mmap(2) region (ring buffers, perf rings) with an ArrayBuffer view over the native
// memory, so readers decode records in place instead of copying them.

import { SysError } from './errno.js';
import { errno, koffi, libc } from './libc.js';

const mmapFn = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
const munmapFn = libc.func('int munmap(void *addr, size_t len)');
const sysconfFn = libc.func('long sysconf(int name)');

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;

const MAP_FAILED = 0xffffffffffffffffn;

/** pageSize is the kernel page size (sysconf(_SC_PAGESIZE)). */
export const pageSize: number = Number(sysconfFn(30));

/** liveMappings counts mappings not yet unmapped; tests use it to find leaks. */
export let liveMappings = 0;

const finalizer = new FinalizationRegistry<{ addr: bigint; length: number }>((m) => {
  liveMappings--;
  munmapFn(m.addr, m.length);
});

/** Mapping owns `length` bytes mapped from an fd; `unmap()` may be called any number of times. */
export class Mapping {
  #addr: bigint;
  readonly length: number;
  /** buffer views the mapped bytes; it must not be touched after unmap(). */
  readonly buffer: ArrayBuffer;

  private constructor(addr: bigint, length: number) {
    this.#addr = addr;
    this.length = length;
    this.buffer = koffi.view(addr, length);
    liveMappings++;
    finalizer.register(this, { addr, length }, this);
  }

  /** map calls mmap(NULL, length, prot, MAP_SHARED, fd, offset); `what` names it in errors. */
  static map(fd: number, length: number, prot: number, offset: number, what: string): Mapping {
    const addr = BigInt(mmapFn(null, length, prot, MAP_SHARED, fd, offset) as bigint | number);
    if (addr === MAP_FAILED || addr === -1n) throw new SysError(`mmap ${what}`, errno());
    return new Mapping(addr, length);
  }

  get unmapped(): boolean {
    return this.#addr === 0n;
  }

  unmap(): void {
    const addr = this.#addr;
    if (addr === 0n) return;
    this.#addr = 0n;
    finalizer.unregister(this);
    liveMappings--;
    munmapFn(addr, this.length);
  }
}
