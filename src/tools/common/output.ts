// Output for tools: lines are written with writeSync so they reach a pipe or a file as they happen,
// batched per wake-up to keep the syscall count low.

import { writeSync } from 'node:fs';

/** Output buffers lines for one file descriptor and writes them on flush(). */
export class Output {
  readonly fd: number;
  readonly #onClosed: (() => void) | undefined;
  // One growing string: V8 appends to it cheaply and flattens it once, when it is written.
  #pending = '';
  #closed = false;

  /** onClosed runs once when the reader of `fd` goes away (EPIPE); later lines are dropped. */
  constructor(fd = 1, onClosed?: () => void) {
    this.fd = fd;
    this.#onClosed = onClosed;
  }

  /** line queues one line (without its newline); large batches flush on their own. */
  line(text: string): void {
    if (this.#closed) return;
    this.#pending += `${text}\n`;
    if (this.#pending.length >= 1 << 16) this.flush();
  }

  /** json queues one object as a JSON line; bigints become numbers when exact, else strings. */
  json(obj: Record<string, unknown>): void {
    this.line(JSON.stringify(obj, jsonReplacer));
  }

  /** flush writes everything queued; a full non-blocking pipe is retried rather than dropped. */
  flush(): void {
    if (this.#pending === '') return;
    const buf = Buffer.from(this.#pending);
    this.#pending = '';
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        // The reader went away (`| head`): stop writing and let the owner end the run, as SIGPIPE
        // would end a C tool.
        if (code === 'EPIPE') {
          this.#closed = true;
          this.#onClosed?.();
          return;
        }
        throw err;
      }
    }
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}
