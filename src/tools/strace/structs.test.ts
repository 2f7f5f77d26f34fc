import { describe, expect, it } from 'vitest';
import { formatResumed, formatSyscall, formatUnfinished } from './format.js';
import { encodeRecord, SyscallRecord } from './record.js';
import { formatStruct, statMode } from './structs.js';

const AT_FDCWD = BigInt.asUintN(64, -100n);
const rec = (f: Parameters<typeof encodeRecord>[0]) => new SyscallRecord(encodeRecord(f));

function stat(mode: number, size: bigint, rdev = 0n): Uint8Array {
  const b = new Uint8Array(144);
  const v = new DataView(b.buffer);
  v.setUint32(24, mode, true);
  v.setBigUint64(40, rdev, true);
  v.setBigInt64(48, size, true);
  return b;
}

describe('strace structs', () => {
  it('prints st_mode with the file type, special bits and permissions', () => {
    expect(statMode(0o100644)).toBe('S_IFREG|0644');
    expect(statMode(0o41777)).toBe('S_IFDIR|S_ISVTX|0777');
    expect(statMode(0o104755)).toBe('S_IFREG|S_ISUID|0755');
    expect(statMode(0o10600)).toBe('S_IFIFO|0600');
  });

  it('prints a stat with st_size, or st_rdev for devices, as strace abbreviates it', () => {
    expect(formatStruct('stat_out', stat(0o100644, 34731n))).toBe(
      '{st_mode=S_IFREG|0644, st_size=34731, ...}',
    );
    expect(formatStruct('stat_out', stat(0o20666, 0n, 0x103n))).toBe(
      '{st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}',
    );
    expect(formatStruct('stat_out', new Uint8Array(10))).toBeUndefined();
  });

  it('prints fstat and newfstatat lines, with the path before the struct', () => {
    expect(
      formatSyscall(rec({ tgid: 1, nr: 5, ret: 0n, args: [3n, 0x1000n], data: stat(0o100644, 13n) })),
    ).toBe('fstat(3, {st_mode=S_IFREG|0644, st_size=13, ...}) = 0');
    const path = new TextEncoder().encode('/etc/hostname\0');
    const data = new Uint8Array(path.length + 144);
    data.set(path);
    data.set(stat(0o100644, 9n), path.length);
    expect(formatSyscall(rec({ tgid: 1, nr: 262, ret: 0n, args: [AT_FDCWD, 0x10n, 0x20n, 0n], data }))).toBe(
      'newfstatat(AT_FDCWD, "/etc/hostname", {st_mode=S_IFREG|0644, st_size=9, ...}, 0) = 0',
    );
    // A failed call filled nothing: the pointer is shown.
    const failed = formatSyscall(
      rec({ tgid: 1, nr: 262, ret: -2n, args: [AT_FDCWD, 0x10n, 0x20n, 0n], data: '/nope\0' }),
    );
    expect(failed).toMatch(/^newfstatat\(AT_FDCWD, "\/nope", 0x20, 0\) += -1 ENOENT/);
  });

  it('prints timespecs and pipe fds', () => {
    const ts = new Uint8Array(16);
    new DataView(ts.buffer).setBigInt64(0, 12n, true);
    new DataView(ts.buffer).setBigInt64(8, 345n, true);
    expect(formatSyscall(rec({ tgid: 1, nr: 228, ret: 0n, args: [2n, 0x10n], data: ts }))).toBe(
      'clock_gettime(CLOCK_PROCESS_CPUTIME_ID, {tv_sec=12, tv_nsec=345}) = 0',
    );
    const fds = new Uint8Array(8);
    new DataView(fds.buffer).setInt32(0, 3, true);
    new DataView(fds.buffer).setInt32(4, 4, true);
    expect(formatSyscall(rec({ tgid: 1, nr: 293, ret: 0n, args: [0x10n, 0o2000000n], data: fds }))).toBe(
      'pipe2([3, 4], O_CLOEXEC)                = 0',
    );
  });

  it('prints fadvise64 advice and rseq length as strace does', () => {
    expect(formatSyscall(rec({ tgid: 1, nr: 221, ret: 0n, args: [3n, 0n, 0n, 2n] }))).toBe(
      `${'fadvise64(3, 0, 0, POSIX_FADV_SEQUENTIAL) '.padEnd(40)}= 0`,
    );
    expect(formatSyscall(rec({ tgid: 1, nr: 334, ret: 0n, args: [0x1000n, 32n, 0n, 0x53053053n] }))).toBe(
      'rseq(0x1000, 0x20, 0, 0x53053053)       = 0',
    );
  });

  it('prints prlimit64 old limits as strace does', () => {
    // The old limit follows the room of the new one, copied at entry.
    const lim = new Uint8Array(32);
    new DataView(lim.buffer).setBigUint64(16, 8192n * 1024n, true);
    new DataView(lim.buffer).setBigUint64(24, 0xffffffffffffffffn, true);
    expect(formatSyscall(rec({ tgid: 1, nr: 302, ret: 0n, args: [0n, 3n, 0n, 0x10n], data: lim }))).toBe(
      'prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0',
    );
    expect(
      formatStruct(
        'rlimit_out',
        new Uint8Array(16).fill(0).map((_, i) => (i === 0 ? 0x20 : i === 8 ? 0x4e : i === 9 ? 0x20 : 0)),
      ),
    ).toBe('{rlim_cur=32, rlim_max=8270}');
  });

  it('prints statx as strace abbreviates it, led by its sync type', () => {
    const path = new TextEncoder().encode('/etc\0');
    const data = new Uint8Array(path.length + 48);
    data.set(path);
    const v = new DataView(data.buffer, path.length);
    v.setUint32(0, 0x1fff, true);
    v.setUint16(28, 0o40755, true);
    v.setBigUint64(40, 4096n, true);
    const args = [AT_FDCWD, 0x10n, 0x900n, 0xfffn, 0x20n];
    expect(formatSyscall(rec({ tgid: 1, nr: 332, ret: 0n, args, data }))).toBe(
      'statx(AT_FDCWD, "/etc", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT, STATX_ALL, {stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFDIR|0755, stx_size=4096, ...}) = 0',
    );
    v.setBigUint64(8, 0x2000n, true);
    expect(formatStruct('statx_out', data.subarray(path.length))).toContain(
      'stx_attributes=STATX_ATTR_MOUNT_ROOT,',
    );
    const failed = rec({
      tgid: 1,
      nr: 332,
      ret: -2n,
      args: [AT_FDCWD, 0x10n, 0x2000n, 0x2n, 0x20n],
      data: '/x\0',
    });
    expect(formatSyscall(failed)).toMatch(
      /^statx\(AT_FDCWD, "\/x", AT_STATX_FORCE_SYNC, STATX_MODE, 0x20\) += -1 ENOENT/,
    );
  });

  it('prints getdents64 with its entry count, and getrandom in hex', () => {
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, 17, true);
    expect(
      formatSyscall(rec({ tgid: 1, nr: 217, ret: 528n, args: [3n, 0x5610n, 32768n], data: count })),
    ).toBe('getdents64(3, 0x5610 /* 17 entries */, 32768) = 528');
    // No count (more dirents than the kernel program walks): the pointer alone.
    expect(formatSyscall(rec({ tgid: 1, nr: 217, ret: 99999n, args: [3n, 0x5610n, 1n << 20n] }))).toMatch(
      /^getdents64\(3, 0x5610, 1048576\) += 99999$/,
    );
    const bytes = Uint8Array.from([0x12, 0x34, 0x00, 0x6e, 0xff, 0x0a, 0x22, 0x5c]);
    expect(formatSyscall(rec({ tgid: 1, nr: 318, ret: 8n, args: [0x10n, 8n, 1n], data: bytes }))).toBe(
      'getrandom("\\x12\\x34\\x00\\x6e\\xff\\x0a\\x22\\x5c", 8, GRND_NONBLOCK) = 8',
    );
    expect(
      formatSyscall(rec({ tgid: 1, nr: 318, ret: 40n, args: [0x10n, 40n, 0n], data: new Uint8Array(32) })),
    ).toBe(`getrandom("${'\\x00'.repeat(32)}"..., 40, 0) = 40`);
    expect(formatSyscall(rec({ tgid: 1, nr: 318, ret: 0n, args: [0x10n, 0n, 0n] }))).toBe(
      'getrandom("", 0, 0)                     = 0',
    );
  });

  it('prints a path of PATH_MAX bytes whole, then the struct after it', () => {
    const long = `/${'d'.repeat(4094)}`;
    const path = new TextEncoder().encode(`${long}\0`);
    const data = new Uint8Array(path.length + 144);
    data.set(path);
    data.set(stat(0o40755, 4096n), path.length);
    expect(formatSyscall(rec({ tgid: 1, nr: 262, ret: 0n, args: [AT_FDCWD, 0x10n, 0x20n, 0n], data }))).toBe(
      `newfstatat(AT_FDCWD, "${long}", {st_mode=S_IFDIR|0755, st_size=4096, ...}, 0) = 0`,
    );
    expect(
      formatSyscall(rec({ tgid: 1, nr: 257, ret: 3n, args: [AT_FDCWD, 0x10n, 0n], data: path }), {
        strSize: 8,
      }),
    ).toBe(`openat(AT_FDCWD, "${long}", O_RDONLY) = 3`);
  });

  it('prints a call split by other threads as strace does: unfinished at entry, resumed at exit', () => {
    const entry = rec({ tgid: 1, tid: 2, nr: 0, ret: 0n, args: [3n, 0x10n, 10n] });
    expect(formatUnfinished(entry, { pidPrefix: true, leader: '     0.000262 ' })).toBe(
      '[pid     2]      0.000262 read(3,  <unfinished ...>',
    );
    const exit = rec({ tgid: 1, tid: 2, nr: 0, ret: 2n, args: [3n, 0x10n, 10n], data: 'hi' });
    expect(formatResumed(exit, { pidPrefix: true })).toBe('[pid     2] <... read resumed>"hi", 10) = 2');
    expect(formatResumed(exit)).toBe('<... read resumed>"hi", 10)             = 2');
    // A call without arguments the kernel fills prints them all at entry.
    const open = rec({ tgid: 1, nr: 257, ret: 0n, args: [AT_FDCWD, 0x10n, 0n], data: '/x\0' });
    expect(formatUnfinished(open)).toBe('openat(AT_FDCWD, "/x", O_RDONLY <unfinished ...>');
    const openExit = rec({ tgid: 1, nr: 257, ret: 3n, args: [AT_FDCWD, 0x10n, 0n], data: '/x\0' });
    expect(formatResumed(openExit)).toBe('<... openat resumed>)                   = 3');
    expect(formatUnfinished(rec({ tgid: 1, nr: 400, ret: 0n, args: [1n] }))).toBe(
      'syscall_0x190(0x1, 0, 0, 0, 0, 0 <unfinished ...>',
    );
  });

  it('prints C ints from the low 32 bits of their register, and offsets from all 64', () => {
    // glibc passes wait4's pid_t -1 zero-extended; strace prints -1.
    expect(formatSyscall(rec({ tgid: 1, nr: 61, ret: 5n, args: [0xffffffffn, 0x10n, 0n, 0n] }))).toMatch(
      /^wait4\(-1, 0x10, 0, NULL\) += 5$/,
    );
    expect(formatSyscall(rec({ tgid: 1, nr: 8, ret: 1n << 40n, args: [3n, 1n << 40n, 0n] }))).toMatch(
      /^lseek\(3, 1099511627776, SEEK_SET\) += 1099511627776$/,
    );
    expect(formatSyscall(rec({ tgid: 1, nr: 8, ret: 0n, args: [3n, -5n, 1n] }))).toMatch(
      /^lseek\(3, -5, SEEK_CUR\) += 0$/,
    );
  });

  it('never throws on short or random struct bytes', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const data = new Uint8Array(rnd() % 4400).map(() => rnd() & 0xff);
      const nr = [4, 5, 6, 22, 228, 262, 293, 302, 332, 217, 78, 318][i % 12]!;
      const args = [BigInt(rnd()), BigInt(rnd()), BigInt(rnd()), 0n, BigInt(rnd())];
      expect(typeof formatSyscall(rec({ tgid: 1, nr, ret: BigInt((rnd() % 3) - 1), args, data }))).toBe(
        'string',
      );
    }
  });
});
