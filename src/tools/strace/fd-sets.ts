// select's and pselect6's fd sets and timeout, as strace prints them: `select(4, [3], NULL, NULL,
// {tv_sec=1, tv_usec=0}) = 1 (in [3], left {tv_sec=0, tv_usec=999998})`.

import type { SyscallRecord } from './record.js';
import { FD_SET_BYTES } from './syscalls.js';

/** FD_SETS_ROOM is one copy of the three sets and the timeout, as the kernel program lays them out. */
const FD_SETS_ROOM = 4 * FD_SET_BYTES;

/** fdSet lists the descriptors below nfds set in bytes: `[3 4]`. */
function fdSet(bytes: Uint8Array, nfds: number): string {
  const fds: number[] = [];
  const n = Math.min(nfds, bytes.length * 8);
  for (let fd = 0; fd < n; fd++) if (bytes[fd >> 3]! & (1 << (fd & 7))) fds.push(fd);
  return `[${fds.join(' ')}]`;
}

/** timeout prints select's struct timeval, or pselect6's struct timespec. */
function timeout(bytes: Uint8Array, name: string): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const unit = name === 'select' ? 'tv_usec' : 'tv_nsec';
  return `{tv_sec=${v.getBigInt64(0, true)}, ${unit}=${v.getBigInt64(8, true)}}`;
}

const nfdsOf = (rec: SyscallRecord): number => Math.max(rec.argLo(0) | 0, 0);

/**
 * selectArg prints argument i (1-3 a set, 4 the timeout) as the call read it; undefined when it is
 * NULL or was not copied, so that it prints as a pointer.
 */
export function selectArg(rec: SyscallRecord, i: number, name: string): string | undefined {
  const data = rec.data;
  if (i < 1 || i > 4 || rec.arg(i) === 0n || data.length < FD_SETS_ROOM) return undefined;
  const bytes = data.subarray((i - 1) * FD_SET_BYTES, i * FD_SET_BYTES);
  return i === 4 ? timeout(bytes, name) : fdSet(bytes, nfdsOf(rec));
}

/** selectNote is what strace adds after a positive result: `(in [3], out [4], left {…})`. */
export function selectNote(rec: SyscallRecord, name: string): string | undefined {
  const data = rec.data;
  if (rec.ret <= 0n || data.length < 2 * FD_SETS_ROOM) return undefined;
  const after = data.subarray(FD_SETS_ROOM);
  const parts: string[] = [];
  for (const [i, what] of [
    [1, 'in'],
    [2, 'out'],
    [3, 'except'],
  ] as const) {
    if (rec.arg(i) === 0n) continue;
    const set = fdSet(after.subarray((i - 1) * FD_SET_BYTES, i * FD_SET_BYTES), nfdsOf(rec));
    if (set !== '[]') parts.push(`${what} ${set}`);
  }
  if (rec.arg(4) !== 0n) parts.push(`left ${timeout(after.subarray(3 * FD_SET_BYTES), name)}`);
  return `(${parts.join(', ')})`;
}
