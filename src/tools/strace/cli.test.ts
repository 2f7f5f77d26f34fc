// `bpfkit strace` as a strace user types it: -e given twice, and -f -o FILE's pid column.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { cliEntry, repoRoot, runCli } from '../../testing/cli.js';
import { kernelIt } from '../../testing/kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-strace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bpfkit strace command line', () => {
  kernelIt('takes -e trace= and -e status= together', async () => {
    const out = join(dir, 'failed.txt');
    const missing = join(dir, 'missing');
    const r = await runCli([
      'strace',
      '-e',
      'trace=openat',
      '-e',
      'status=failed',
      '-o',
      out,
      '--',
      'cat',
      missing,
    ]);
    expect(r.code, r.stderr).toBe(1);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toContain(
      `openat(AT_FDCWD, "${missing}", O_RDONLY) = -1 ENOENT (No such file or directory)`,
    );
    expect(lines.every((l) => l.startsWith('openat(') || l.startsWith('+++'))).toBe(true);
    expect(lines.every((l) => !l.includes(') = 3'))).toBe(true);
  });

  kernelIt('takes the command without --, its options after its name being its own', async () => {
    const out = join(dir, 'positional.txt');
    const missing = join(dir, 'missing-too');
    // -n is cat's (number lines); were it read as bpfkit's, the command line would be refused.
    const r = await runCli(['strace', '-e', 'trace=openat', '-o', out, 'cat', '-n', missing]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`cat: ${missing}: No such file or directory`);
    expect(readFileSync(out, 'utf8')).toContain(`openat(AT_FDCWD, "${missing}", O_RDONLY) = -1 ENOENT`);
  });

  kernelIt('puts the pid in front of every line with -f -o FILE', async () => {
    const out = join(dir, 'follow.txt');
    const r = await runCli([
      'strace',
      '-f',
      '-e',
      'trace=execve',
      '-o',
      out,
      '--',
      'sh',
      '-c',
      '/bin/true; true',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d+ +execve\("\/(usr\/)?bin\/sh", \["sh", "-c", "\/bin\/true; true"\], /);
    expect(lines.some((l) => /^\d+ +execve\("\/bin\/true", \["\/bin\/true"\], /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\d+ +\+\+\+ exited with 0 \+\+\+$/);
  });

  kernelIt('passes the descriptors it inherited on to the command, as strace does', async () => {
    const out = join(dir, 'fds.txt');
    const cli = [process.execPath, ...cliEntry()].map((a) => `'${a}'`).join(' ');
    // bash opens fd 7 and stays bpfkit's parent (the `; true` keeps it from exec'ing node).
    const script = `exec 7</dev/null; ${cli} strace -e trace=readlink -o '${out}' -- readlink /proc/self/fd/7; true`;
    const r = spawnSync('bash', ['-c', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stdout, r.stderr).toBe('/dev/null\n');
    expect(readFileSync(out, 'utf8')).toContain('readlink("/proc/self/fd/7", "/dev/null", ');
  });
});
