// Test helpers for kernel-backed tests: skip with a stated reason, or fail under BPFKIT_REQUIRE_KERNEL=1.

import { it } from 'vitest';

export const requireKernel = process.env.BPFKIT_REQUIRE_KERNEL === '1';

/** isRoot says whether the tests run with the privileges BPF needs. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * kernelIt runs a test that needs root and the bpf(2) syscall. Without them it is skipped with the
 * reason, unless BPFKIT_REQUIRE_KERNEL=1, where the missing privilege is a failure.
 */
export function kernelIt(name: string, fn: () => unknown, timeout?: number): void {
  if (isRoot || requireKernel) {
    it(
      name,
      async () => {
        if (!isRoot) throw new Error('BPFKIT_REQUIRE_KERNEL=1 but the tests do not run as root');
        await fn();
      },
      timeout,
    );
  } else {
    it.skip(`${name} (skipped: needs root for bpf(2))`, () => {});
  }
}

/**
 * featureIt runs a test only when `available` (a feature probe) is true; otherwise it is skipped with
 * `reason`. Missing kernel features are a legitimate skip even under BPFKIT_REQUIRE_KERNEL=1.
 */
export function featureIt(
  name: string,
  available: boolean,
  reason: string,
  fn: () => unknown,
  timeout?: number,
): void {
  if (available) kernelIt(name, fn, timeout);
  else it.skip(`${name} (skipped: ${reason})`, () => {});
}
