// Structs a syscall fills, printed as strace abbreviates them: stat, statx, timespec, rlimit and a
// pipe's two fds.

import { statxAttributes, statxMask } from './decoders.js';
import { quote } from './quote.js';
import type { ArgKind } from './syscalls.js';

// S_IFMT values (octal 0140000 … 0010000), written in hex.
const FILE_TYPES = new Map<number, string>([
  [0xc000, 'S_IFSOCK'],
  [0xa000, 'S_IFLNK'],
  [0x8000, 'S_IFREG'],
  [0x6000, 'S_IFBLK'],
  [0x4000, 'S_IFDIR'],
  [0x2000, 'S_IFCHR'],
  [0x1000, 'S_IFIFO'],
]);

/** statMode prints st_mode as strace does: `S_IFREG|0644`, `S_IFDIR|S_ISVTX|0777`. */
export function statMode(mode: number): string {
  const type = mode & 0o170000;
  const parts: string[] = [];
  if (type !== 0) parts.push(FILE_TYPES.get(type) ?? `0${type.toString(8)}`);
  if (mode & 0o4000) parts.push('S_ISUID');
  if (mode & 0o2000) parts.push('S_ISGID');
  if (mode & 0o1000) parts.push('S_ISVTX');
  parts.push(`0${(mode & 0o777).toString(8).padStart(3, '0')}`);
  return parts.join('|');
}

/** makedev prints a device number as strace does: `makedev(0x1, 0x3)`. */
function makedev(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `makedev(0x${major.toString(16)}, 0x${minor.toString(16)})`;
}

const RLIM64_INFINITY = 0xffffffffffffffffn;

/** rlim prints one limit as strace does: RLIM64_INFINITY, `8192*1024` for whole KiB, or the number. */
function rlim(v: bigint): string {
  if (v === RLIM64_INFINITY) return 'RLIM64_INFINITY';
  // strace writes whole KiB above 1024 as N*1024.
  if (v > 1024n && v % 1024n === 0n) return `${v / 1024n}*1024`;
  return v.toString();
}

/** formatStruct prints a struct of the given kind from the bytes the kernel copied, or undefined if short. */
export function formatStruct(kind: ArgKind, data: Uint8Array): string | undefined {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (kind) {
    case 'stat_out': {
      // x86_64 struct stat: st_mode at 24, st_rdev at 40, st_size at 48.
      if (data.length < 56) return undefined;
      const mode = v.getUint32(24, true);
      const type = mode & 0o170000;
      const second =
        type === 0o020000 || type === 0o060000
          ? `st_rdev=${makedev(v.getBigUint64(40, true))}`
          : `st_size=${v.getBigInt64(48, true)}`;
      return `{st_mode=${statMode(mode)}, ${second}, ...}`;
    }
    case 'statx_out': {
      // struct statx: stx_mask at 0, stx_attributes at 8, stx_mode (u16) at 28, stx_size at 40.
      if (data.length < 48) return undefined;
      const mask = statxMask(BigInt(v.getUint32(0, true)));
      const attrs = statxAttributes(v.getBigUint64(8, true));
      const mode = statMode(v.getUint16(28, true));
      return `{stx_mask=${mask}, stx_attributes=${attrs}, stx_mode=${mode}, stx_size=${v.getBigUint64(40, true)}, ...}`;
    }
    case 'timespec_out':
      if (data.length < 16) return undefined;
      return `{tv_sec=${v.getBigInt64(0, true)}, tv_nsec=${v.getBigInt64(8, true)}}`;
    case 'rlimit_out':
      if (data.length < 16) return undefined;
      return `{rlim_cur=${rlim(v.getBigUint64(0, true))}, rlim_max=${rlim(v.getBigUint64(8, true))}}`;
    case 'utsname_out':
      if (data.length < 130) return undefined;
      return `{sysname=${quote(data.subarray(0, 65), false, true)}, nodename=${quote(data.subarray(65, 130), false, true)}, ...}`;
    case 'fds_out':
      if (data.length < 8) return undefined;
      return `[${v.getInt32(0, true)}, ${v.getInt32(4, true)}]`;
    default:
      return undefined;
  }
}
