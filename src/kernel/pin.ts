// Pinning in bpffs: making sure a bpffs is mounted, and removing pins.

import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { NotSupportedError } from '../errors/index.js';
import { mount } from '../sys/mount.js';

/** BPF_FS_MAGIC is statfs(2)'s f_type of a bpffs mount. */
const BPF_FS_MAGIC = 0xcafe4a11;

/** DEFAULT_BPFFS is where systems mount bpffs. */
export const DEFAULT_BPFFS = '/sys/fs/bpf';

/** isBpffs says whether path lies on a bpffs mount. */
export function isBpffs(path: string): boolean {
  try {
    return Number(statfsSync(path).type) === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/** ensureBpffs mounts bpffs at dir (default /sys/fs/bpf) unless it already is one, and returns dir. */
export function ensureBpffs(dir = DEFAULT_BPFFS): string {
  if (isBpffs(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  try {
    mount('bpf', dir, 'bpf');
  } catch {
    throw new NotSupportedError(
      'bpffs',
      `cannot mount bpffs at ${dir}`,
      'run as root, or mount -t bpf bpf /sys/fs/bpf',
    );
  }
  return dir;
}

/** unpin removes a pin (or an empty pin directory); the object lives on while something else holds it. */
export function unpin(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
