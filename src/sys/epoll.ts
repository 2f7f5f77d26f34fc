// sharedPoller: wakes the Node event loop when kernel fds (ring buffers, perf rings) become readable,
// by running epoll_wait on a libuv worker thread; the JS thread never blocks and never busy-polls.

import { SysError } from './errno.js';
import { errno, libc, libcClose } from './libc.js';

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

const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const EPOLLONESHOT = 1 << 30;

/** Watch is one fd registered with the shared poller. */
export interface Watch {
  /** arm asks for one readiness callback; call it after draining, before waiting again. */
  arm(): void;
  /**
   * close stops watching (the fd itself stays open). The last watch's close resolves once the
   * worker thread has left epoll_wait and the poller's own descriptors are closed.
   */
  close(): Promise<void>;
}

/**
 * SharedPoller runs a single epoll_wait loop on one libuv worker thread for every reader in the
 * process, so any number of ring buffers occupy one thread of the pool. Fds are one-shot: a reader
 * re-arms after draining, so an undrained fd never makes the loop spin. With no watches left, the
 * loop stops and its epoll and eventfd descriptors are closed.
 */
class SharedPoller {
  #epoll = -1;
  #wake = -1;
  readonly #handlers = new Map<number, () => void>();
  readonly #events = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  #running = false;
  #stopped: (() => void)[] = [];

  watch(fd: number, onReady: () => void, what: string): Watch {
    this.#open(what);
    if (this.#handlers.has(fd)) throw new Error(`fd ${fd} is already watched`);
    this.#ctl(EPOLL_CTL_ADD, fd, 0, what);
    this.#handlers.set(fd, onReady);
    let closed = false;
    return {
      arm: () => {
        if (closed) return;
        this.#ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT, what);
        this.#start();
      },
      close: () => {
        if (closed) return Promise.resolve();
        closed = true;
        this.#handlers.delete(fd);
        epollCtl(this.#epoll, EPOLL_CTL_DEL, fd, null);
        if (this.#handlers.size > 0) return Promise.resolve();
        if (!this.#running) {
          this.#shutdown();
          return Promise.resolve();
        }
        const one = Buffer.alloc(8);
        one.writeBigUInt64LE(1n);
        writeFn(this.#wake, one, 8);
        return new Promise<void>((r) => this.#stopped.push(r));
      },
    };
  }

  #open(what: string): void {
    if (this.#epoll >= 0) return;
    const ep = epollCreate1(EPOLL_CLOEXEC) as number;
    if (ep < 0) throw new SysError(`epoll_create1 for ${what}`, errno());
    const ev = eventfdFn(0, EFD_CLOEXEC | EFD_NONBLOCK) as number;
    if (ev < 0) {
      const e = errno();
      libcClose(ep);
      throw new SysError(`eventfd for ${what}`, e);
    }
    this.#epoll = ep;
    this.#wake = ev;
    this.#ctl(EPOLL_CTL_ADD, ev, EPOLLIN, 'shared poller wake-up');
  }

  #shutdown(): void {
    if (this.#handlers.size > 0 || this.#epoll < 0) return;
    libcClose(this.#wake);
    libcClose(this.#epoll);
    this.#wake = -1;
    this.#epoll = -1;
  }

  #ctl(op: number, fd: number, events: number, what: string): void {
    const ev = Buffer.alloc(EVENT_SIZE);
    ev.writeUInt32LE(events >>> 0, 0);
    ev.writeInt32LE(fd, EVENT_SIZE === 12 ? 4 : 8);
    if ((epollCtl(this.#epoll, op, fd, ev) as number) < 0) throw new SysError(`epoll_ctl ${what}`, errno());
  }

  #start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#wait();
  }

  #wait(): void {
    if (this.#handlers.size === 0) {
      this.#running = false;
      this.#shutdown();
      for (const r of this.#stopped.splice(0)) r();
      return;
    }
    // A watch closed while others remain: its wake-up has been consumed, it is detached.
    for (const r of this.#stopped.splice(0)) r();
    epollWait.async(this.#epoll, this.#events, MAX_EVENTS, WAIT_TIMEOUT_MS, (err: unknown, n: number) => {
      if (!err && n > 0) {
        const off = EVENT_SIZE === 12 ? 4 : 8;
        for (let i = 0; i < n; i++) {
          const fd = this.#events.readInt32LE(i * EVENT_SIZE + off);
          if (fd === this.#wake) {
            readFn(fd, Buffer.alloc(8), 8);
            continue;
          }
          try {
            this.#handlers.get(fd)?.();
          } catch (e) {
            // A reader's error belongs to that reader; the loop keeps serving the others.
            queueMicrotask(() => {
              throw e;
            });
          }
        }
      }
      this.#wait();
    });
  }
}

/** sharedPoller is the process-wide poller readers use to wait for their fds. */
export const sharedPoller = new SharedPoller();
