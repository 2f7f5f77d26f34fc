// Link: an attached program. Whatever keeps it attached — a bpf_link fd, perf event fds — is owned
// here and released by one idempotent close(), at the latest when the process exits.

import { BpfkitError } from '../errors/index.js';
import { objGet, objPin } from '../sys/bpf.js';
import type { FD } from '../sys/fd.js';
import { track, untrack } from './resources.js';

/** ProgramLike is what attaching needs of a program: its fd (a Program, or `{ fd }`). */
export interface ProgramLike {
  readonly fd: number;
  readonly name?: string;
}

/** Link holds an attachment; closing it detaches the program. */
export class Link {
  /** kind is the attach type: "tracepoint", "raw_tracepoint", "uprobe", "perf_event", ... */
  readonly kind: string;
  /** target says what is attached to: "syscalls:sys_enter_openat", "/usr/lib/libc.so.6:malloc". */
  readonly target: string;
  readonly #fds: FD[];
  #closed = false;

  /** The first fd is the one that is pinned: the bpf_link when there is one. */
  constructor(kind: string, target: string, fds: FD[]) {
    this.kind = kind;
    this.target = target;
    this.#fds = fds;
    track(this);
  }

  /** fromPin opens a link pinned in bpffs; closing it leaves the pin (and the attachment) in place. */
  static fromPin(path: string): Link {
    return new Link('pinned', path, [objGet(path, `pinned link ${path}`)]);
  }

  /** fd is the bpf_link (or the perf event, on kernels without perf links). */
  get fd(): number {
    const f = this.#fds[0];
    if (!f || this.#closed) throw new BpfkitError(`${this.kind} link ${this.target} is closed`);
    return f.value;
  }

  /** fds lists every descriptor this link holds (one per CPU for sampling links). */
  get fds(): readonly number[] {
    return this.#closed ? [] : this.#fds.map((f) => f.value);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** pin keeps the link (and so the attachment) alive in bpffs after the process exits (Linux 5.7). */
  pin(path: string): void {
    objPin(this.fd, path);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    untrack(this);
    // Links first: the bpf_link detaches before the perf event it points at goes away.
    for (const f of this.#fds) f.close();
  }

  /** closeAsync detaches like close(), off the main thread (see detachAll). */
  async closeAsync(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    untrack(this);
    for (const f of this.#fds) await f.closeAsync();
  }
}

/**
 * detachAll closes many links at once. Each tracepoint detach waits for RCU grace periods in the
 * kernel; one after another, a wildcard over 350 syscalls takes half a minute to detach, side by
 * side on the thread pool a fraction of that.
 */
export async function detachAll(links: readonly Link[]): Promise<void> {
  await Promise.all(links.map((l) => l.closeAsync()));
}

/** closeOnError runs `fn`; if it throws, every fd in `fds` is closed so nothing stays attached. */
export function closeOnError<T>(fds: FD[], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    for (const f of fds.reverse()) f.close();
    throw err;
  }
}
