// cgroup_path(): a cgroup id printed as its path in every mounted cgroup hierarchy, as bpftrace
// does — `unified:/a/b` for cgroup v2, then each v1 hierarchy by its mount directory's name.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { globToRegExp } from '../probes.js';

/** CgroupRoot is one mounted hierarchy: its name in the output and its mount point. */
export interface CgroupRoot {
  name: string;
  dir: string;
}

/** cgroupRoots lists cgroup2 mounts (named `unified`) first, then cgroup v1 mounts sorted by name. */
export function cgroupRoots(mounts: string): CgroupRoot[] {
  const v1: CgroupRoot[] = [];
  const v2: CgroupRoot[] = [];
  for (const line of mounts.split('\n')) {
    const [, dir, type] = line.split(' ');
    if (dir === undefined) continue;
    // /proc/mounts escapes spaces in paths as \040.
    const path = dir.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (type === 'cgroup2') v2.push({ name: 'unified', dir: path });
    else if (type === 'cgroup') v1.push({ name: basename(path), dir: path });
  }
  v1.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...v2, ...v1];
}

const ino = (path: string): bigint | undefined => {
  try {
    return statSync(path, { bigint: true }).ino;
  } catch {
    return undefined;
  }
};

/** CgroupPaths resolves ids to paths, caching each hit and checking it still names that id. */
export class CgroupPaths {
  private readonly cache = new Map<string, string>();
  private roots: CgroupRoot[] | undefined;

  constructor(private readonly mounts: () => string = () => readFileSync('/proc/mounts', 'utf8')) {}

  /** text is what bpftrace prints: `name:path` per hierarchy (path empty if absent), comma-joined. */
  text(id: bigint, filter?: string): string {
    this.roots ??= cgroupRoots(this.mounts());
    const match = filter === undefined ? undefined : globToRegExp(filter);
    return this.roots
      .filter((r) => !match || match.test(r.name))
      .map((r) => `${r.name}:${this.pathIn(id, r.dir)}`)
      .join(',');
  }

  private pathIn(id: bigint, root: string): string {
    const key = `${id}\0${root}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && ino(join(root, hit)) === id) return hit;
    const found = ino(root) === id ? '/' : find(root, '', id);
    if (found !== undefined) this.cache.set(key, found);
    return found ?? '';
  }
}

// A cgroup's id is its kernfs inode number; only directories are cgroups.
function find(root: string, rel: string, id: bigint): string | undefined {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return undefined;
  }
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => `${rel}/${e.name}`);
  for (const d of dirs) if (ino(join(root, d)) === id) return d;
  for (const d of dirs) {
    const f = find(root, d, id);
    if (f !== undefined) return f;
  }
  return undefined;
}
