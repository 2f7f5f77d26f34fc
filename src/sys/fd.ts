// FD: an owned kernel file descriptor with an idempotent close, so no map, program or link outlives
// the object that holds it.

import { close as closeOnPool } from 'node:fs';
import { libcClose } from './libc.js';

/** openFds records where each live FD was opened; tests read it to find leaks. */
export const openFds = new Map<number, string>();
const trackStacks = process.env.BPFKIT_TRACK_FDS === '1';

// A backstop for objects dropped without close(): the fd is released when the wrapper is collected.
const finalizer = new FinalizationRegistry<number>((fd) => {
  openFds.delete(fd);
  libcClose(fd);
});

/** FD owns one file descriptor; `close()` may be called any number of times. */
export class FD {
  #fd: number;
  readonly what: string;

  constructor(fd: number, what: string) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`invalid file descriptor ${fd} for ${what}`);
    this.#fd = fd;
    this.what = what;
    openFds.set(fd, trackStacks ? `${what}\n${new Error().stack ?? ''}` : what);
    finalizer.register(this, fd, this);
  }

  /** value is the raw descriptor; it throws once closed, so a stale fd is never reused. */
  get value(): number {
    if (this.#fd < 0) throw new Error(`${this.what}: file descriptor used after close`);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  close(): void {
    const fd = this.#release();
    if (fd >= 0) libcClose(fd);
  }

  /**
   * closeAsync closes on libuv's thread pool. Closing a tracepoint's perf event waits for RCU grace
   * periods (tens of ms); closes running side by side overlap those waits.
   */
  closeAsync(): Promise<void> {
    const fd = this.#release();
    if (fd < 0) return Promise.resolve();
    return new Promise((resolve) => closeOnPool(fd, () => resolve()));
  }

  #release(): number {
    const fd = this.#fd;
    if (fd < 0) return fd;
    this.#fd = -1;
    finalizer.unregister(this);
    openFds.delete(fd);
    return fd;
  }
}
