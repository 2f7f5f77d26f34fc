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
