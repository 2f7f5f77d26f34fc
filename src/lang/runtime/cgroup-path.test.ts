import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupPaths, cgroupRoots } from './cgroup-path.js';

const base = mkdtempSync(join(tmpdir(), 'bpfkit-cgpath-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('cgroupRoots', () => {
  it('puts cgroup2 first as unified, then v1 hierarchies by name', () => {
    const mounts = [
      'cgroup /sys/fs/cgroup/pids cgroup rw 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
      'proc /proc proc rw 0 0',
      'cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0',
    ].join('\n');
    expect(cgroupRoots(mounts).map((r) => `${r.name}=${r.dir}`)).toEqual([
      'unified=/sys/fs/cgroup/unified',
      'cpu=/sys/fs/cgroup/cpu',
      'pids=/sys/fs/cgroup/pids',
    ]);
  });
});

describe('CgroupPaths', () => {
  const v2 = join(base, 'v2');
  const v1 = join(base, 'memory');
  mkdirSync(join(v2, 'a', 'b'), { recursive: true });
  mkdirSync(v1, { recursive: true });
  const paths = new CgroupPaths(() => `x ${v2} cgroup2 rw 0 0\nx ${v1} cgroup rw 0 0\n`);
  const id = (p: string) => statSync(p, { bigint: true }).ino;

  it('finds a directory by inode in each hierarchy, empty where absent', () => {
    expect(paths.text(id(join(v2, 'a', 'b')))).toBe('unified:/a/b,memory:');
    expect(paths.text(id(v2))).toBe('unified:/,memory:');
  });
  it('filters hierarchies by a glob', () => {
    expect(paths.text(id(join(v2, 'a')), 'unif*')).toBe('unified:/a');
    expect(paths.text(id(join(v2, 'a')), 'mem?ry')).toBe('memory:');
  });
  it('drops a cached path that names another directory now', () => {
    const c = join(v2, 'c');
    mkdirSync(c);
    const cid = id(c);
    expect(paths.text(cid, 'unified')).toBe('unified:/c');
    rmSync(c, { recursive: true });
    expect(paths.text(cid, 'unified')).toBe('unified:');
  });
});
