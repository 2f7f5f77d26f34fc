// PollLoop: the waiting half of RingBuffer and PerfBuffer — when to drain (epoll readiness, or a timer
// for producers that skip wake-ups), batching, the async iterator, and a prompt stop.

import { sharedPoller, type Watch } from '../sys/epoll.js';

/**
 * WakeupMode says what makes a reader drain. 'epoll' (the default) waits for the kernel's wake-up,
 * which a ring buffer producer sends per record whenever the reader has caught up, i.e. almost always
 * with a fast reader: each costs the traced task an irq_work. 'timer' drains every `intervalMs` and is
 * meant for producers that pass BPF_RB_NO_WAKEUP; a wake-up the producer still sends (for instance
 * BPF_RB_FORCE_WAKEUP when the ring fills up) drains at once, without waiting for the timer.
 */
export type WakeupMode = 'epoll' | 'timer';

/** PollLoopOptions are the reader options the loop itself uses. */
export interface PollLoopOptions {
  /** batch caps the records handed out per turn before yielding to the event loop. */
  batch?: number;
  /** wakeup selects what makes the reader drain (default 'epoll'). */
  wakeup?: WakeupMode;
  /** intervalMs is the timer period in 'timer' mode (default 10). */
  intervalMs?: number;
}

/** DEFAULT_INTERVAL_MS is short enough for interactive output and long enough to batch thousands. */
export const DEFAULT_INTERVAL_MS = 10;
const DEFAULT_BATCH = 65536;

/**
 * PollLoop drives a reader's drain function until stop(). It owns the epoll watches of the reader's
 * fds (one-shot, re-armed after each drain) and, in timer mode, one timeout at a time.
 */
export class PollLoop {
  readonly #watches: Watch[] = [];
  readonly #batch: number;
  readonly #interval: number | undefined;
  #notify: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #listen: () => boolean;
  #running: Promise<void> | undefined;
  #closed = false;
  /** wakeups counts epoll wake-ups. */
  wakeups = 0;
  /** ticks counts timer wake-ups (timer mode only). */
  ticks = 0;

  /**
   * `listen`, in timer mode, says whether to wait for readiness as well as the timer (default: yes).
   * A ring buffer's readiness is level-triggered: armed while records are pending it fires at once,
   * which would turn the timer into a busy loop, so a ring listens only when empty or filling up.
   */
  constructor(options: PollLoopOptions = {}, listen: () => boolean = () => true) {
    this.#listen = listen;
    this.#batch = options.batch ?? DEFAULT_BATCH;
    if (!(this.#batch > 0)) throw new RangeError(`batch ${this.#batch} is not a positive number`);
    if (options.wakeup === 'timer') {
      const ms = options.intervalMs ?? DEFAULT_INTERVAL_MS;
      if (!(ms > 0) || !Number.isFinite(ms))
        throw new RangeError(`intervalMs ${ms} is not a positive number`);
      this.#interval = ms;
    } else if (options.wakeup !== undefined && options.wakeup !== 'epoll') {
      throw new RangeError(`wakeup must be 'epoll' or 'timer', not ${String(options.wakeup)}`);
    }
  }

  /** closed is true once stop() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** watch adds an fd whose readiness wakes the loop; the fd itself stays the caller's. */
  watch(fd: number, what: string): void {
    this.#watches.push(sharedPoller.watch(fd, () => this.#wake('wakeups'), what));
  }

  /**
   * start calls `drain(max)` until stop(); drain returns how many records it handed out. The promise
   * settles when reading stops and rejects if drain throws.
   */
  start(drain: (max: number) => number, what: string): Promise<void> {
    if (this.#running) throw new Error(`${what} is already being read`);
    this.#running = this.#loop(drain);
    return this.#running;
  }

  async #loop(drain: (max: number) => number): Promise<void> {
    const batch = this.#batch;
    while (!this.#closed) {
      const n = drain(batch);
      if (this.#closed) break;
      if (n >= batch) {
        // More may be waiting: let other work run, then continue without sleeping.
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      await this.readable();
    }
  }

  /**
   * iterate yields the records `pollCopies` hands out (copies the caller may keep) until stop().
   * It waits only when a poll found nothing.
   */
  async *iterate(pollCopies: (cb: (d: Uint8Array) => void) => number): AsyncGenerator<Uint8Array> {
    let queue: Uint8Array[] = [];
    const push = (d: Uint8Array) => queue.push(d);
    while (!this.#closed) {
      const n = pollCopies(push);
      const got = queue;
      queue = [];
      for (const d of got) yield d;
      if (this.#closed) break;
      if (n === 0) await this.readable();
    }
  }

  /** readable resolves on the next wake-up: readiness, the timer (timer mode) or stop(). */
  readable(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#notify = resolve;
      if (this.#interval === undefined || this.#listen()) for (const w of this.#watches) w.arm();
      if (this.#interval !== undefined && this.#timer === undefined)
        this.#timer = setTimeout(() => this.#wake('ticks'), this.#interval);
    });
  }

  #wake(counter?: 'wakeups' | 'ticks'): void {
    if (counter) this[counter]++;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const n = this.#notify;
    this.#notify = undefined;
    n?.();
  }

  /**
   * stop ends the loop: no more drains start, a pending wait returns at once. The promise resolves
   * once the watches are closed and a running start() has ended.
   */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stopped = Promise.all(this.#watches.map((w) => w.close()));
    this.#wake();
    await stopped;
    await this.#running?.catch(() => {});
  }
}
