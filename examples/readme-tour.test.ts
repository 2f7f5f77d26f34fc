import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelIt } from '../src/testing/kernel.js';
import { countOpenat } from './readme-tour.js';
import { runExample } from './run-example.js';

const here = dirname(fileURLToPath(import.meta.url));

/** tourInReadme is the README's ```ts block under "A short tour of the library". */
function tourInReadme(): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const section = readme.split('## A short tour of the library')[1] ?? '';
  return /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
}

/** tourInExample is the code between the tour markers of readme-tour.ts. */
function tourInExample(): string {
  const src = readFileSync(join(here, 'readme-tour.ts'), 'utf8');
  return /\/\/ tour:start\n([\s\S]*?)\/\/ tour:end/.exec(src)?.[1] ?? '';
}

const squash = (s: string) => s.replace(/\s+/g, '');

describe('examples/readme-tour', () => {
  it('is the code README.md shows, with package imports in place of source paths', () => {
    const readme = tourInReadme().replace(/'bpfkit\/(\w+)'/g, "'../src/$1/index.js'");
    expect(readme).toContain('countOpenat');
    expect(squash(readme)).toBe(squash(tourInExample()));
  });

  kernelIt('counts the openat calls the test makes while attached, and holds no program after', async () => {
    const n = await countOpenat(async () => {
      for (let i = 0; i < 200; i++) closeSync(openSync('/etc/hostname', 'r'));
    });
    expect(n).toBeGreaterThanOrEqual(200);
    const progFds = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-prog';
      } catch {
        return false;
      }
    });
    expect(progFds).toEqual([]);
  });

  kernelIt('runs from the command line', async () => {
    const r = await runExample('readme-tour.ts', []);
    expect(r.code).toBe(0);
    const n = Number(/100 times: (\d+)/.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThanOrEqual(100);
  });
});
