import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';
import {
  editDistance,
  ensureTracefs,
  nearest,
  TracepointNotFoundError,
  tracepointId,
} from './tracefs-mount.js';

describe('tracefs', () => {
  kernelIt('mounts tracefs when needed and reads a tracepoint id', () => {
    const root = ensureTracefs();
    expect(root).toMatch(/tracing$/);
    expect(tracepointId('syscalls', 'sys_enter_openat')).toBeGreaterThan(0);
  });

  kernelIt('refuses names that are not tracepoint names', () => {
    expect(() => tracepointId('syscalls/..', 'sys_enter_openat')).toThrow(/is not a tracepoint name/);
    expect(() => tracepointId('syscalls', '')).toThrow(TracepointNotFoundError);
  });

  kernelIt('names the closest tracepoints for a misspelt one', () => {
    let err: unknown;
    try {
      tracepointId('syscalls', 'sys_enter_opnat');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TracepointNotFoundError);
    expect((err as TracepointNotFoundError).message).toContain('syscalls:sys_enter_opnat');
    expect((err as TracepointNotFoundError).hint).toContain('syscalls:sys_enter_openat');
  });
});

describe('tracefs not mounted', () => {
  kernelIt('is mounted at /sys/kernel/tracing on first use (in a private mount namespace)', () => {
    const file = join(tmpdir(), `bpfkit-tracefs-mount-${process.pid}.ts`);
    writeFileSync(
      file,
      `import { readFileSync } from 'node:fs';
import { tracepointId } from ${JSON.stringify(join(repoRoot, 'src/kernel/tracefs-mount.ts'))};
const before = readFileSync('/proc/self/mountinfo', 'utf8').includes(' - tracefs ');
const id = tracepointId('syscalls', 'sys_enter_openat');
const after = readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/kernel/tracing rw');
process.stdout.write(JSON.stringify({ before, id, after }));`,
    );
    try {
      // The namespace is private, so unmounting there leaves the machine's tracefs alone.
      const r = spawnSync(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `umount /sys/kernel/tracing 2>/dev/null; exec "${process.execPath}" --import tsx "${file}"`,
        ],
        { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { before: boolean; id: number; after: boolean };
      expect(out.before).toBe(false);
      expect(out.id).toBe(tracepointId('syscalls', 'sys_enter_openat'));
      expect(out.after).toBe(true);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('tracefs without root', () => {
  kernelIt('a mounted tracefs nobody may read says it needs root, and does not try to mount', () => {
    ensureTracefs(); // mounted, as on a booted system
    const file = join(tmpdir(), `bpfkit-tracefs-nobody-${process.pid}.ts`);
    writeFileSync(
      file,
      `import { tracepointId } from ${JSON.stringify(join(repoRoot, 'src/kernel/tracefs-mount.ts'))};
try { tracepointId('syscalls', 'sys_enter_openat'); process.stdout.write('no error'); }
catch (e) { process.stdout.write(e.userMessage()); }`,
    );
    chmodSync(file, 0o644);
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, HOME: '/tmp' },
      });
      expect(r.stdout).toMatch(
        /^cannot read tracefs at \/sys\/kernel\/tracing: permission denied \(needs root or CAP_BPF/,
      );
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('nearest', () => {
  it('ranks candidates by edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearest('sched:sched_procss_exec', ['sched:sched_process_exec', 'net:foo', 'x:y'], 2)).toEqual([
      'sched:sched_process_exec',
    ]);
  });
});
