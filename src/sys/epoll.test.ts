import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPoller } from './epoll.js';

/** fifo makes a named pipe opened read-write and non-blocking: readable once something is written. */
function fifo(i: number): { fd: number; path: string } {
  const path = `/tmp/bpfkit-epoll-${process.pid}-${i}`;
  rmSync(path, { force: true });
  execFileSync('mkfifo', [path]);
  return { fd: openSync(path, constants.O_RDWR | constants.O_NONBLOCK), path };
}

describe('sharedPoller', () => {
  it('calls back once per arm when an fd becomes readable', async () => {
    const f = fifo(0);
    let calls = 0;
    let signal: () => void = () => {};
    const watch = sharedPoller.watch(
      f.fd,
      () => {
        calls++;
        signal();
      },
      'test fifo',
    );
    try {
      const first = new Promise<void>((r) => (signal = r));
      watch.arm();
      writeSync(f.fd, 'x');
      await first;
      expect(calls).toBe(1);
      // Still readable (nothing drained) but not re-armed: re-arming reports it at once.
      const second = new Promise<void>((r) => (signal = r));
      watch.arm();
      await second;
      expect(calls).toBe(2);
    } finally {
      await watch.close();
      closeSync(f.fd);
      rmSync(f.path);
    }
  });

  it('serves many fds from its single epoll loop', async () => {
    const fifos = Array.from({ length: 12 }, (_, i) => fifo(i + 1));
    const ready = new Set<number>();
    let done: () => void = () => {};
    const all = new Promise<void>((r) => (done = r));
    const watches = fifos.map((f, i) =>
      sharedPoller.watch(
        f.fd,
        () => {
          ready.add(i);
          if (ready.size === fifos.length) done();
        },
        `fifo ${i}`,
      ),
    );
    try {
      for (const w of watches) w.arm();
      for (const f of fifos) writeSync(f.fd, 'x');
      await all;
      expect(ready.size).toBe(12);
    } finally {
      await Promise.all(watches.map((w) => w.close()));
      for (const f of fifos) {
        closeSync(f.fd);
        rmSync(f.path);
      }
    }
  });

  it('waits off the JavaScript thread: a timer runs while the watch waits, and its write wakes it', async () => {
    const f = fifo(100);
    const order: string[] = [];
    let woke: () => void = () => {};
    const watch = sharedPoller.watch(
      f.fd,
      () => {
        order.push('readable');
        woke();
      },
      'test fifo',
    );
    try {
      const readable = new Promise<void>((r) => (woke = r));
      watch.arm();
      // Were epoll_wait blocking this thread, the timer could not run and nothing would ever write.
      setTimeout(() => {
        order.push('timer');
        writeSync(f.fd, 'x');
      }, 10);
      await readable;
      expect(order).toEqual(['timer', 'readable']);
    } finally {
      await watch.close();
      closeSync(f.fd);
      rmSync(f.path);
    }
  });
});
