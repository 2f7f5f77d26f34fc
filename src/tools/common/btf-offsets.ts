// memberOffsets: struct member offsets from the running kernel's BTF, remembered in /run (a tmpfs,
// so a new boot or kernel starts afresh) because parsing vmlinux BTF costs ~25 MB and ~60 ms that
// a tool needing two offsets should not pay on every start.

import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadVmlinux, VMLINUX_BTF_PATH } from '../../btf/btf.js';

const CACHE_DIR = '/run/bpfkit';
const CACHE_FILE = join(CACHE_DIR, 'btf-offsets.json');

interface CacheFile {
  key: string;
  offsets: Record<string, number>;
}

/** kernelKey identifies the running kernel's BTF: release, build and BTF size. */
function kernelKey(): string {
  const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const version = readFileSync('/proc/sys/kernel/version', 'utf8').trim();
  return `${release} ${version} ${statSync(VMLINUX_BTF_PATH).size}`;
}

function readCache(key: string): Record<string, number> {
  try {
    const c = JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as CacheFile;
    return c.key === key ? c.offsets : {};
  } catch {
    return {};
  }
}

/** memberOffsets returns the byte offset of each `struct.member` path (e.g. 'tcp_sock.bytes_acked'). */
export function memberOffsets(paths: readonly string[]): Record<string, number> {
  const key = kernelKey();
  const cached = readCache(key);
  if (paths.every((p) => cached[p] !== undefined)) return cached;
  const btf = loadVmlinux();
  const offsets = { ...cached };
  for (const p of paths) offsets[p] = btf.offsetOf(p).offset;
  try {
    mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
    const tmp = `${CACHE_FILE}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ key, offsets } satisfies CacheFile), { mode: 0o644 });
    renameSync(tmp, CACHE_FILE);
  } catch {
    // Without a writable /run the offsets are simply computed again next time.
  }
  return offsets;
}
