// mount(2), for the pseudo file systems bpfkit needs (tracefs, bpffs) when the system has not mounted them.

import { SysError } from './errno.js';
import { errno, libc } from './libc.js';

const mountFn = libc.func(
  'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)',
);

/** mount attaches a file system of `fstype` at `target`; throws SysError (EPERM without root). */
export function mount(source: string, target: string, fstype: string, flags = 0): void {
  const rc = mountFn(source, target, fstype, flags, null) as number;
  if (rc < 0) throw new SysError(`mount ${fstype} at ${target}`, errno());
}
