// The single place bpfkit binds to native code: libc through koffi. Everything else calls these.

import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

/** SYS holds the syscall numbers bpfkit uses, per architecture. */
export const SYS = (() => {
  switch (process.arch) {
    case 'x64':
      return { bpf: 321, perf_event_open: 298 };
    case 'arm64':
      return { bpf: 280, perf_event_open: 241 };
    default:
      return undefined;
  }
})();

// syscall(2) is variadic, but on the supported ABIs integer arguments travel in the same registers
// either way; fixed prototypes avoid koffi's per-call variadic type parsing on hot paths.
export const rawSyscallPtr = libc.func('long syscall(long nr, long a1, void *a2, long a3)');
export const rawSyscall5 = libc.func('long syscall(long nr, void *a1, long a2, long a3, long a4, long a5)');

export const libcClose = libc.func('int close(int fd)');
export const libcIoctl = libc.func('int ioctl(int fd, unsigned long req, long arg)');
export const libcIoctlPtr = libc.func('int ioctl(int fd, unsigned long req, void *arg)');
const strerrorFn = libc.func('const char *strerror(int errnum)');

/** errno returns the calling thread's errno after a failed libc call. */
export function errno(): number {
  return koffi.errno();
}

/** strerror is libc's text for an errno ("No such file or directory"). */
export function strerror(code: number): string {
  return strerrorFn(code) as string;
}

export { koffi, libc };
