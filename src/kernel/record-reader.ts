// RecordReader: what RingBuffer and PerfBuffer have in common for their callers — poll, start, the
// reused-view variants and the async iterator — over a RecordSource and a PollLoop.

import type { PollLoop } from './poll-loop.js';
import type { RecordCallback, RecordSource, RecordViewCallback } from './record-view.js';

/**
 * RecordReader hands out a source's records to callers. Subclasses own the kernel side (maps, fds)
 * and the loop's watches; `copy` makes poll and start hand out copies.
 */
export abstract class RecordReader implements AsyncIterable<Uint8Array> {
  protected abstract readonly source: RecordSource;
  protected readonly loop: PollLoop;
  readonly #copy: boolean;
  readonly #what: string;
  /** received counts records handed to callbacks or iterators. */
  received = 0;

  constructor(loop: PollLoop, copy: boolean, what: string) {
    this.loop = loop;
    this.#copy = copy;
    this.#what = what;
  }

  /** wakeups counts epoll wake-ups; received / wakeups is the records drained per wake-up. */
  get wakeups(): number {
    return this.loop.wakeups;
  }

  /** ticks counts timer wake-ups (wakeup: 'timer'). */
  get ticks(): number {
    return this.loop.ticks;
  }

  /** poll drains what is there now, without waiting; it returns the number of records read. */
  poll(cb: RecordCallback, max?: number): number {
    if (this.loop.closed) return 0;
    const n = this.#copy ? this.source.drainCopy(cb, max) : this.source.drain(cb, max);
    this.received += n;
    return n;
  }

  /**
   * pollViews is poll handing out one reused RecordView (valid only during the call; `slice()` keeps
   * a record), so reading allocates nothing per record. `copy` does not apply.
   */
  pollViews(cb: RecordViewCallback, max?: number): number {
    if (this.loop.closed) return 0;
    const n = this.source.drainView(cb, max);
    this.received += n;
    return n;
  }

  /**
   * start calls `cb` for every record until close(); the promise settles when reading stops (it
   * rejects if `cb` throws). One wake-up drains all available records. Like a listening socket, a
   * reading buffer keeps the process alive until it is closed.
   */
  start(cb: RecordCallback): Promise<void> {
    return this.loop.start((max) => this.poll(cb, max), this.#what);
  }

  /** startViews is start with pollViews' reused RecordView. */
  startViews(cb: RecordViewCallback): Promise<void> {
    return this.loop.start((max) => this.pollViews(cb, max), this.#what);
  }

  /** Symbol.asyncIterator yields a copy of each record until close(). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.loop.iterate((cb) => {
      if (this.loop.closed) return 0;
      const n = this.source.drainCopy(cb);
      this.received += n;
      return n;
    });
  }
}
