// ioctl(2) request numbers bpfkit uses on perf event fds, and a checked wrapper.

import { SysError } from './errno.js';
import { errno, libcIoctl } from './libc.js';

// _IO('$', n) and _IOW('$', n, u32): '$' is 0x24; direction write is 1 << 30, size in bits 16..29.
const io = (nr: number): number => (0x24 << 8) | nr;
const iow = (nr: number, size: number): number => ((1 << 30) | (size << 16) | (0x24 << 8) | nr) >>> 0;

/** PerfIoctl holds the PERF_EVENT_IOC_* requests from include/uapi/linux/perf_event.h. */
export const PerfIoctl = {
  ENABLE: io(0),
  DISABLE: io(1),
  REFRESH: io(2),
  RESET: io(3),
  SET_BPF: iow(8, 4),
} as const;

/** ioctl issues a request with an integer argument and throws SysError naming `op` on failure. */
export function ioctl(fd: number, request: number, arg: number, op: string): number {
  const rc = libcIoctl(fd, request, arg) as number;
  if (rc < 0) throw new SysError(op, errno());
  return rc;
}
