// Poller: wakes the Node event loop when kernel fds (ring buffers, perf rings) become readable, by
// running epoll_wait on a libuv worker thread; the JS thread never blocks and never busy-polls.

import { SysError } from './errno.js';
import { FD } from './fd.js';
import { errno, libc } from './libc.js';

const epollCreate1 = libc.func('int epoll_create1(int flags)');
const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)');
const epollWait = libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
const eventfdFn = libc.func('int eventfd(unsigned int initval, int flags)');
const writeFn = libc.func('long write(int fd, void *buf, size_t count)');
const readFn = libc.func('long read(int fd, void *buf, size_t count)');

const EPOLL_CLOEXEC = 0o2000000;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
// struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16 bytes).
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const MAX_EVENTS = 64;
// A safety net only: close() wakes the worker at once through the eventfd.
const WAIT_TIMEOUT_MS = 1000;

/** Poller watches fds for readability; `wait()` resolves when any is readable or the poller closes. */
export class Poller {
  readonly #epoll: FD;
  readonly #wake: FD;
  readonly #events = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  #waiting: Promise<number> | undefined;
  #closing = false;

  constructor(what: string) {
    const ep = epollCreate1(EPOLL_CLOEXEC) as number;
    if (ep < 0) throw new SysError(`epoll_create1 for ${what}`, errno());
    this.#epoll = new FD(ep, `epoll for ${what}`);
    const ev = eventfdFn(0, EFD_CLOEXEC | EFD_NONBLOCK) as number;
    if (ev < 0) {
      const e = errno();
      this.#epoll.close();
      throw new SysError(`eventfd for ${what}`, e);
    }
    this.#wake = new FD(ev, `eventfd for ${what}`);
    try {
      this.add(ev);
    } catch (err) {
      this.#wake.close();
      this.#epoll.close();
      throw err;
    }
  }

  /** add watches `fd` for EPOLLIN. */
  add(fd: number): void {
    const ev = Buffer.alloc(EVENT_SIZE);
    ev.writeUInt32LE(EPOLLIN, 0);
    ev.writeUInt32LE(fd, EVENT_SIZE === 12 ? 4 : 8);
    if ((epollCtl(this.#epoll.value, EPOLL_CTL_ADD, fd, ev) as number) < 0) {
      throw new SysError('epoll_ctl add', errno());
    }
  }

  get closed(): boolean {
    return this.#closing;
  }

  /**
   * wait resolves with the number of ready fds (0 on timeout or close) once one is readable. Only
   * one wait may be pending at a time.
   */
  wait(timeoutMs = WAIT_TIMEOUT_MS): Promise<number> {
    if (this.#closing) return Promise.resolve(0);
    if (this.#waiting) throw new Error('Poller.wait is already pending');
    const p = new Promise<number>((resolve) => {
      epollWait.async(this.#epoll.value, this.#events, MAX_EVENTS, timeoutMs, (err: unknown, n: number) => {
        this.#waiting = undefined;
        // EINTR and friends: report "nothing ready"; the caller drains and waits again.
        resolve(err || n < 0 ? 0 : n);
      });
    });
    this.#waiting = p;
    return p;
  }

  /** wake makes a pending wait() return now. */
  wake(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    writeFn(this.#wake.value, one, 8);
  }

  /** close wakes any waiter, lets the worker thread leave epoll_wait, then closes the fds. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#waiting) {
      this.wake();
      await this.#waiting;
    }
    this.#wake.close();
    this.#epoll.close();
  }

  /** closeSync closes at once; only for exit paths, where no worker outlives the process anyway. */
  closeSync(): void {
    this.#closing = true;
    if (this.#waiting) {
      // Closing an epoll fd another thread waits on is safe in Linux; the wait just times out.
      this.wake();
    }
    this.#wake.close();
    this.#epoll.close();
  }

  /** drainWake clears the eventfd counter (non-blocking). */
  drainWake(): void {
    const b = Buffer.alloc(8);
    readFn(this.#wake.value, b, 8);
  }
}
