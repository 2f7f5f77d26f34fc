// Fails a test file that leaves a bpfkit-owned fd, or any bpf/perf anon-inode fd, open at its end.

import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { openFds } from '../sys/fd.js';

function kernelObjectFds(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${name}`);
      if (/^anon_inode:(bpf|\[perf_event\]|\[eventpoll\])/.test(target)) out.push(`${name} -> ${target}`);
    } catch {
      // The fd of readdir itself disappears while we look.
    }
  }
  return out;
}

let before = new Set<string>();
beforeAll(() => {
  before = new Set(kernelObjectFds());
});

afterAll(() => {
  const leaked = [...openFds.values()];
  expect(leaked, 'bpfkit file descriptors left open by this test file').toEqual([]);
  const extra = kernelObjectFds().filter((f) => !before.has(f));
  expect(extra, 'kernel object fds left open by this test file').toEqual([]);
});
