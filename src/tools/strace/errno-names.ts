// errno names and texts as strace prints them, including the kernel-internal restart codes that a
// traced process never sees but a tracer does.

import { errnoName, errnoText } from '../../sys/errno.js';

// Where libc has two names for one value, strace prints the first of these.
const PREFERRED: Record<number, string> = { 11: 'EAGAIN', 35: 'EDEADLK', 95: 'EOPNOTSUPP' };

// include/linux/errno.h: seen by tracers when a syscall is interrupted by a signal.
const KERNEL_ONLY: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  515: ['ENOIOCTLCMD', 'No ioctl command'],
  516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
  517: ['EPROBE_DEFER', 'Driver requests probe retry'],
  518: ['EOPENSTALE', 'Open found a stale dentry'],
  524: ['ENOTSUPP', 'Operation not supported'],
};

const cache = new Map<number, string>();

/** isRestart says whether errno is one of the ERESTART* codes strace prints as `= ?`. */
export const isRestart = (code: number): boolean => code >= 512 && code <= 516;

/** errnoSuffix returns `ENOENT (No such file or directory)` for 2. */
export function errnoSuffix(code: number): string {
  let s = cache.get(code);
  if (s === undefined) {
    const k = KERNEL_ONLY[code];
    s = k ? `${k[0]} (${k[1]})` : `${PREFERRED[code] ?? errnoName(code)} (${errnoText(code)})`;
    cache.set(code, s);
  }
  return s;
}
