// syscalls: x86_64 system call number ↔ name, for raw_syscalls ids and sys_enter_* event names.

import { closest } from './closest.js';
import { BtfError } from './errors.js';
import { x86_64SyscallNames } from './syscalls-x86-64.js';

let byName: Map<string, number> | undefined;

/** syscallName returns the x86_64 name of syscall `nr` ('openat' for 257), or undefined. */
export function syscallName(nr: number): string | undefined {
  const name = x86_64SyscallNames[nr];
  return name === '' ? undefined : name;
}

/** syscallNumber returns the x86_64 number of a syscall name ('openat' → 257); throws with suggestions. */
export function syscallNumber(name: string): number {
  if (!byName) {
    byName = new Map();
    x86_64SyscallNames.forEach((n, nr) => {
      if (n !== '') byName!.set(n, nr);
    });
  }
  const nr = byName.get(name);
  if (nr !== undefined) return nr;
  throw new BtfError(`unknown x86_64 system call '${name}'`, closest(name, byName.keys()));
}
