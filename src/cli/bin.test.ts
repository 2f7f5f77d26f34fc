// bin/bpfkit, the entry npm links: it runs the bundled CLI through a code cache, from any symlink.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';

const bin = join(repoRoot, 'bin', 'bpfkit');
const cache = join(repoRoot, 'dist', 'bpfkit.cjs.cache');

function run(argv0: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(argv0, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

describe('bin/bpfkit', () => {
  beforeAll(() => {
    // The bundle the published package ships, rebuilt from these sources.
    const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle-cli.mjs')], {
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
  }, 60_000);

  it('prints the version', () => {
    const r = run(bin, ['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0.1.0\n');
    expect(r.status).toBe(0);
  });

  it('does not make Node read NODE_EXTRA_CA_CERTS (bpfkit opens no TLS connections)', () => {
    // Node warns on stderr when it cannot load the named file; bin/bpfkit drops the variable first.
    const r = run(bin, ['--version'], { NODE_EXTRA_CA_CERTS: '/nonexistent/bpfkit-test.pem' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('writes the code cache when it is missing and reuses it after', () => {
    rmSync(cache, { force: true });
    expect(run(bin, ['--version']).status).toBe(0);
    expect(existsSync(cache)).toBe(true);
    const written = statSync(cache).mtimeMs;
    expect(run(bin, ['--version']).status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(written);
  });

  it('runs through a symlink, as npm installs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bin-'));
    try {
      symlinkSync(bin, join(dir, 'bpfkit'));
      expect(run(join(dir, 'bpfkit'), ['--version']).stdout).toBe('0.1.0\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a user mistake in one line with exit 1', () => {
    const r = run(bin, ['run', '-e', 'BEGIN { printf("%d\\n", pidd); }']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown builtin 'pidd'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  kernelIt('loads and runs a program', () => {
    const r = run(bin, ['run', '-e', 'BEGIN { printf("%d\\n", 6 * 7); exit(); }']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Attaching 1 probe\.\.\.\n42\n/);
    expect(r.status).toBe(0);
  });
});
