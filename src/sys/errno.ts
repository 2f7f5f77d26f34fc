// errno values and names; SysError turns a failed syscall into a sentence a user can act on.

import { constants } from 'node:os';
import { BpfkitError } from '../errors/index.js';
import { strerror } from './libc.js';

/** Errno maps names to numbers (EPERM → 1), from Node's table for this platform. */
export const Errno = constants.errno as Readonly<Record<string, number>>;

const names = new Map<number, string>();
for (const [name, value] of Object.entries(Errno)) if (!names.has(value)) names.set(value, name);
// On Linux ENOTSUP and EOPNOTSUPP are both 95; the kernel's own name is EOPNOTSUPP.
names.set(Errno.EOPNOTSUPP ?? 95, 'EOPNOTSUPP');
// ENOTSUPP (524) is kernel-internal but leaks out of bpf(2) for unsupported features.
names.set(524, 'ENOTSUPP');

/** errnoName returns `ENOENT` for 2, or `E<n>` when unknown. */
export function errnoName(code: number): string {
  return names.get(code) ?? `E${code}`;
}

/** errnoText returns libc's description, e.g. "No such file or directory". */
export function errnoText(code: number): string {
  if (code === 524) return 'Operation not supported';
  return strerror(code);
}

const GENERIC_HINTS: Record<string, string> = {
  EPERM: 'needs root or CAP_BPF (and CAP_PERFMON for tracing)',
  EACCES: 'permission denied: needs root, or the verifier refused the program',
  E2BIG: 'a size or count is larger than the kernel allows',
  ENOSPC: 'the map is full, or the log buffer is too small',
  ENOMEM: 'the kernel could not allocate memory; check RLIMIT_MEMLOCK and the map sizes',
  EINVAL: 'the kernel rejected an argument',
  ENOENT: 'no such element, object or file',
  EBADF: 'the file descriptor is closed or of the wrong kind',
  EEXIST: 'the element or object already exists',
  ENOTSUPP: 'this kernel does not support the requested feature',
  EOPNOTSUPP: 'this kernel does not support the requested operation',
  EBUSY: 'the hook is already in use',
  ESRCH: 'no process has that pid',
};

/** SysError is a failed system call: `op` says what bpfkit was doing, errno why it failed. */
export class SysError extends BpfkitError {
  readonly op: string;
  readonly errno: number;
  readonly code: string;

  constructor(op: string, errno: number, options: { hint?: string; cause?: unknown } = {}) {
    const code = errnoName(errno);
    const hint = options.hint ?? GENERIC_HINTS[code];
    const opts: { hint?: string; cause?: unknown } = {};
    if (hint !== undefined) opts.hint = hint;
    if (options.cause !== undefined) opts.cause = options.cause;
    super(`${op}: ${errnoText(errno)} (${code})`, opts);
    this.op = op;
    this.errno = errno;
    this.code = code;
  }
}

/** isErrno says whether err is a SysError with the given errno name. */
export function isErrno(err: unknown, name: string): err is SysError {
  return err instanceof SysError && err.code === name;
}
