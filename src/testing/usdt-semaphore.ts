// usdt-semaphore: the gcc build of src/lang/testdata/usdt/semaphore.c that the kernel's and the language's usdt tests share.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '../lang/testdata/usdt/semaphore.c');

/** hasGcc is whether gcc is installed to build the workload; without it the tests skip. */
export const hasGcc = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * useSemaphoreWorkload builds semaphore.c (as bksema, its comm) into a temporary directory before
 * the calling file's tests and removes it after them; the returned function is the binary's path.
 */
export function useSemaphoreWorkload(): () => string {
  let dir = '';
  let bin = '';
  beforeAll(() => {
    if (!hasGcc) return;
    dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-sema-'));
    bin = join(dir, 'bksema');
    execFileSync('gcc', ['-O1', '-o', bin, SOURCE]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => bin;
}
