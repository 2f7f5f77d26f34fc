// Flag and enum decoders that print syscall arguments the way strace does (O_RDONLY|O_CLOEXEC,
// PROT_READ|PROT_WRITE, AT_FDCWD, SIGCHLD); unknown bits are kept as a hex remainder.

import type { ArgKind } from './syscalls.js';

type Flag = readonly [value: number, name: string];

/** flags prints the named bits of v joined by `|`, then any unknown bits in hex; `zero` names 0. */
export function flags(v: bigint, table: readonly Flag[], zero = '0'): string {
  if (v === 0n) return zero;
  const out: string[] = [];
  let rest = v;
  for (const [bit, name] of table) {
    const b = BigInt(bit);
    if (b !== 0n && (rest & b) === b) {
      out.push(name);
      rest &= ~b;
    }
  }
  if (rest !== 0n) out.push(`0x${rest.toString(16)}`);
  return out.join('|');
}

/** enumName prints the name of v, or its decimal value when unknown. */
export function enumName(v: bigint, table: ReadonlyMap<number, string>): string {
  const n = Number(BigInt.asIntN(32, v));
  return table.get(n) ?? n.toString();
}

const O_ACCMODE = 3n;
const OPEN_ACC = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', '0x3'];
const OPEN_FLAGS: Flag[] = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o4010000, 'O_SYNC'],
  [0o10000, 'O_DSYNC'],
  [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
  // strace 6's order: O_DIRECTORY after O_PATH, and O_ASYNC by its other name, last.
  [0o20200000, 'O_TMPFILE'],
  [0o200000, 'O_DIRECTORY'],
  [0o20000, 'FASYNC'],
];
export const O_CREAT = 0o100n;
export const O_TMPFILE = 0o20200000n;

/** openFlags prints open(2) flags: the access mode first, then the other bits. */
export function openFlags(v: bigint): string {
  const acc = OPEN_ACC[Number(v & O_ACCMODE)] ?? '';
  const rest = flags(v & ~O_ACCMODE, OPEN_FLAGS, '');
  return rest === '' ? acc : `${acc}|${rest}`;
}

/** openNeedsMode says whether open's mode argument is meaningful (strace prints it only then). */
export const openNeedsMode = (v: bigint): boolean => (v & O_CREAT) !== 0n || (v & O_TMPFILE) === O_TMPFILE;

const AT_FLAGS: Flag[] = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x200, 'AT_REMOVEDIR'],
  [0x400, 'AT_SYMLINK_FOLLOW'],
  [0x800, 'AT_NO_AUTOMOUNT'],
  [0x1000, 'AT_EMPTY_PATH'],
  [0x2000, 'AT_STATX_FORCE_SYNC'],
  [0x4000, 'AT_STATX_DONT_SYNC'],
];
const ACCESS: Flag[] = [
  [4, 'R_OK'],
  [2, 'W_OK'],
  [1, 'X_OK'],
];
const PROT: Flag[] = [
  [1, 'PROT_READ'],
  [2, 'PROT_WRITE'],
  [4, 'PROT_EXEC'],
  [0x1000000, 'PROT_GROWSDOWN'],
  [0x2000000, 'PROT_GROWSUP'],
];
const MAP_TYPE = ['0', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'];
const MAP_FLAGS: Flag[] = [
  [0x10, 'MAP_FIXED'],
  [0x20, 'MAP_ANONYMOUS'],
  [0x40, 'MAP_32BIT'],
  [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'],
  [0x1000, 'MAP_EXECUTABLE'],
  [0x2000, 'MAP_LOCKED'],
  [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'],
  [0x10000, 'MAP_NONBLOCK'],
  [0x20000, 'MAP_STACK'],
  [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];
const CLONE_FLAGS: Flag[] = [
  [0x100, 'CLONE_VM'],
  [0x200, 'CLONE_FS'],
  [0x400, 'CLONE_FILES'],
  [0x800, 'CLONE_SIGHAND'],
  [0x1000, 'CLONE_PIDFD'],
  [0x2000, 'CLONE_PTRACE'],
  [0x4000, 'CLONE_VFORK'],
  [0x8000, 'CLONE_PARENT'],
  [0x10000, 'CLONE_THREAD'],
  [0x20000, 'CLONE_NEWNS'],
  [0x40000, 'CLONE_SYSVSEM'],
  [0x80000, 'CLONE_SETTLS'],
  [0x100000, 'CLONE_PARENT_SETTID'],
  [0x200000, 'CLONE_CHILD_CLEARTID'],
  [0x400000, 'CLONE_DETACHED'],
  [0x800000, 'CLONE_UNTRACED'],
  [0x1000000, 'CLONE_CHILD_SETTID'],
  [0x2000000, 'CLONE_NEWCGROUP'],
  [0x4000000, 'CLONE_NEWUTS'],
  [0x8000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
  [0x80000000, 'CLONE_IO'],
];
// pipe2 and dup3 print these in open(2)'s order, O_NONBLOCK first (strace 6).
const CLOEXEC_FLAGS: Flag[] = [
  [0o4000, 'O_NONBLOCK'],
  [0o2000000, 'O_CLOEXEC'],
];
// The same two bits under the names strace gives them for each call (it prints CLOEXEC first).
const SOCK_FLAGS: Flag[] = [
  [0o2000000, 'SOCK_CLOEXEC'],
  [0o4000, 'SOCK_NONBLOCK'],
];
const EPOLL_FLAGS: Flag[] = [[0o2000000, 'EPOLL_CLOEXEC']];
const EFD_FLAGS: Flag[] = [
  [0o2000000, 'EFD_CLOEXEC'],
  [0o4000, 'EFD_NONBLOCK'],
  [1, 'EFD_SEMAPHORE'],
];
const GETRANDOM: Flag[] = [
  [1, 'GRND_NONBLOCK'],
  [2, 'GRND_RANDOM'],
  [4, 'GRND_INSECURE'],
];
const WAIT_OPTIONS: Flag[] = [
  [1, 'WNOHANG'],
  [2, 'WUNTRACED'],
  [4, 'WEXITED'],
  [8, 'WCONTINUED'],
  [0x1000000, 'WNOWAIT'],
  [0x20000000, '__WNOTHREAD'],
  [0x40000000, '__WALL'],
  [0x80000000, '__WCLONE'],
];
const STATX_MASK: Flag[] = [
  [0xfff, 'STATX_ALL'],
  [0x7ff, 'STATX_BASIC_STATS'],
  [0x1, 'STATX_TYPE'],
  [0x2, 'STATX_MODE'],
  [0x4, 'STATX_NLINK'],
  [0x8, 'STATX_UID'],
  [0x10, 'STATX_GID'],
  [0x20, 'STATX_ATIME'],
  [0x40, 'STATX_MTIME'],
  [0x80, 'STATX_CTIME'],
  [0x100, 'STATX_INO'],
  [0x200, 'STATX_SIZE'],
  [0x400, 'STATX_BLOCKS'],
  [0x800, 'STATX_BTIME'],
  [0x1000, 'STATX_MNT_ID'],
  [0x2000, 'STATX_DIOALIGN'],
  [0x4000, 'STATX_MNT_ID_UNIQUE'],
  [0x8000, 'STATX_SUBVOL'],
  [0x10000, 'STATX_WRITE_ATOMIC'],
  [0x20000, 'STATX_DIO_READ_ALIGN'],
];
/** STATX_ATTRS are stx_attributes bits (include/uapi/linux/stat.h). */
const STATX_ATTRS: Flag[] = [
  [0x4, 'STATX_ATTR_COMPRESSED'],
  [0x10, 'STATX_ATTR_IMMUTABLE'],
  [0x20, 'STATX_ATTR_APPEND'],
  [0x40, 'STATX_ATTR_NODUMP'],
  [0x800, 'STATX_ATTR_ENCRYPTED'],
  [0x1000, 'STATX_ATTR_AUTOMOUNT'],
  [0x2000, 'STATX_ATTR_MOUNT_ROOT'],
  [0x100000, 'STATX_ATTR_VERITY'],
  [0x200000, 'STATX_ATTR_DAX'],
  [0x400000, 'STATX_ATTR_WRITE_ATOMIC'],
];
const AT_STATX_SYNC_TYPE = 0x6000n;
const STATX_SYNC = [
  'AT_STATX_SYNC_AS_STAT',
  'AT_STATX_FORCE_SYNC',
  'AT_STATX_DONT_SYNC',
  'AT_STATX_SYNC_TYPE',
];

/** statxFlags prints statx's flags as strace does: the sync type first, even when it is 0. */
function statxFlags(v: bigint): string {
  const sync = STATX_SYNC[Number((v & AT_STATX_SYNC_TYPE) >> 13n)]!;
  const rest = flags(v & 0xffffffffn & ~AT_STATX_SYNC_TYPE, AT_FLAGS, '');
  return rest === '' ? sync : `${sync}|${rest}`;
}

// strace's order for epoll event bits.
const EPOLL_EVENTS: Flag[] = [
  [0x1, 'EPOLLIN'],
  [0x2, 'EPOLLPRI'],
  [0x4, 'EPOLLOUT'],
  [0x40, 'EPOLLRDNORM'],
  [0x80, 'EPOLLRDBAND'],
  [0x100, 'EPOLLWRNORM'],
  [0x200, 'EPOLLWRBAND'],
  [0x400, 'EPOLLMSG'],
  [0x8, 'EPOLLERR'],
  [0x10, 'EPOLLHUP'],
  [0x2000, 'EPOLLRDHUP'],
  [0x10000000, 'EPOLLEXCLUSIVE'],
  [0x20000000, 'EPOLLWAKEUP'],
  [0x40000000, 'EPOLLONESHOT'],
  [0x80000000, 'EPOLLET'],
];
/** epollEvents prints an epoll event mask: EPOLLIN|EPOLLET. */
/** msgFlags prints MSG_* flags as strace does: MSG_NOSIGNAL|MSG_DONTWAIT, or 0. */
export const msgFlags = (v: bigint): string => flags(v & 0xffffffffn, MSG_FLAGS);
export const epollEvents = (v: bigint): string => flags(v & 0xffffffffn, EPOLL_EVENTS);

const POLL_EVENTS: Flag[] = [
  [0x1, 'POLLIN'],
  [0x2, 'POLLPRI'],
  [0x4, 'POLLOUT'],
  [0x40, 'POLLRDNORM'],
  [0x100, 'POLLWRNORM'],
  [0x80, 'POLLRDBAND'],
  [0x200, 'POLLWRBAND'],
  [0x8, 'POLLERR'],
  [0x10, 'POLLHUP'],
  [0x20, 'POLLNVAL'],
  [0x400, 'POLLMSG'],
  [0x2000, 'POLLRDHUP'],
];
/** pollEvents prints a poll event mask: POLLIN|POLLOUT. */
export const pollEvents = (v: number): string => flags(BigInt(v), POLL_EVENTS);

/** statxMask prints a STATX_* mask (the statx argument and stx_mask). */
export const statxMask = (v: bigint): string => flags(v & 0xffffffffn, STATX_MASK);
/** statxAttributes prints stx_attributes. */
export const statxAttributes = (v: bigint): string => flags(v, STATX_ATTRS);

const table = (entries: Record<number, string>): ReadonlyMap<number, string> =>
  new Map(Object.entries(entries).map(([k, v]) => [Number(k), v]));

/** SIGNALS names x86_64 signal numbers. */
export const SIGNALS = table({
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  16: 'SIGSTKFLT',
  17: 'SIGCHLD',
  18: 'SIGCONT',
  19: 'SIGSTOP',
  20: 'SIGTSTP',
  21: 'SIGTTIN',
  22: 'SIGTTOU',
  23: 'SIGURG',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  26: 'SIGVTALRM',
  27: 'SIGPROF',
  28: 'SIGWINCH',
  29: 'SIGIO',
  30: 'SIGPWR',
  31: 'SIGSYS',
});
/** signalName prints a signal number as strace does: SIGINT, SIGRTMIN, SIGRT_1, or the number. */
export function signalName(v: bigint): string {
  const n = Number(BigInt.asIntN(32, v));
  if (n === 32) return 'SIGRTMIN';
  if (n > 32 && n <= 64) return `SIGRT_${n - 32}`;
  return SIGNALS.get(n) ?? String(n);
}

const WHENCE = table({ 0: 'SEEK_SET', 1: 'SEEK_CUR', 2: 'SEEK_END', 3: 'SEEK_DATA', 4: 'SEEK_HOLE' });
const SIGMASK_HOW = table({ 0: 'SIG_BLOCK', 1: 'SIG_UNBLOCK', 2: 'SIG_SETMASK' });
const FCNTL_CMD = table({
  0: 'F_DUPFD',
  1: 'F_GETFD',
  2: 'F_SETFD',
  3: 'F_GETFL',
  4: 'F_SETFL',
  5: 'F_GETLK',
  6: 'F_SETLK',
  7: 'F_SETLKW',
  8: 'F_SETOWN',
  9: 'F_GETOWN',
  1024: 'F_SETLEASE',
  1025: 'F_GETLEASE',
  1030: 'F_DUPFD_CLOEXEC',
  1031: 'F_SETPIPE_SZ',
  1032: 'F_GETPIPE_SZ',
  1033: 'F_ADD_SEALS',
  1034: 'F_GET_SEALS',
});
const IOCTL_REQ = table({
  21505: 'TCGETS',
  // strace names the OSS sequencer requests that share these numbers too.
  21506: 'SNDCTL_TMR_START or TCSETS',
  21507: 'SNDCTL_TMR_STOP or TCSETSW',
  21508: 'SNDCTL_TMR_CONTINUE or TCSETSF',
  21519: 'TIOCGPGRP',
  21520: 'TIOCSPGRP',
  21523: 'TIOCGWINSZ',
  21524: 'TIOCSWINSZ',
  21531: 'FIONREAD',
  21537: 'FIONBIO',
  21584: 'FIONCLEX',
  21585: 'FIOCLEX',
  21586: 'FIOASYNC',
});
const SOCKET_DOMAIN = table({
  0: 'AF_UNSPEC',
  1: 'AF_UNIX',
  2: 'AF_INET',
  10: 'AF_INET6',
  16: 'AF_NETLINK',
  17: 'AF_PACKET',
  38: 'AF_ALG',
  40: 'AF_VSOCK',
});
const SOCKET_TYPE = table({
  1: 'SOCK_STREAM',
  2: 'SOCK_DGRAM',
  3: 'SOCK_RAW',
  4: 'SOCK_RDM',
  5: 'SOCK_SEQPACKET',
});
const CLOCK_ID = table({
  0: 'CLOCK_REALTIME',
  1: 'CLOCK_MONOTONIC',
  2: 'CLOCK_PROCESS_CPUTIME_ID',
  3: 'CLOCK_THREAD_CPUTIME_ID',
  4: 'CLOCK_MONOTONIC_RAW',
  5: 'CLOCK_REALTIME_COARSE',
  6: 'CLOCK_MONOTONIC_COARSE',
  7: 'CLOCK_BOOTTIME',
  8: 'CLOCK_REALTIME_ALARM',
  9: 'CLOCK_BOOTTIME_ALARM',
  11: 'CLOCK_TAI',
});
const FUTEX_CMD = table({
  0: 'FUTEX_WAIT',
  1: 'FUTEX_WAKE',
  2: 'FUTEX_FD',
  3: 'FUTEX_REQUEUE',
  4: 'FUTEX_CMP_REQUEUE',
  5: 'FUTEX_WAKE_OP',
  6: 'FUTEX_LOCK_PI',
  7: 'FUTEX_UNLOCK_PI',
  8: 'FUTEX_TRYLOCK_PI',
  9: 'FUTEX_WAIT_BITSET',
  10: 'FUTEX_WAKE_BITSET',
  11: 'FUTEX_WAIT_REQUEUE_PI',
  12: 'FUTEX_CMP_REQUEUE_PI',
  13: 'FUTEX_LOCK_PI2',
});
const ARCH_PRCTL = table({
  4097: 'ARCH_SET_GS',
  4098: 'ARCH_SET_FS',
  4099: 'ARCH_GET_FS',
  4100: 'ARCH_GET_GS',
  4113: 'ARCH_GET_CPUID',
  4114: 'ARCH_SET_CPUID',
  12289: 'ARCH_CET_STATUS',
  20481: 'ARCH_SHSTK_ENABLE',
  20485: 'ARCH_SHSTK_STATUS',
});
const FADVISE = table({
  0: 'POSIX_FADV_NORMAL',
  1: 'POSIX_FADV_RANDOM',
  2: 'POSIX_FADV_SEQUENTIAL',
  3: 'POSIX_FADV_WILLNEED',
  4: 'POSIX_FADV_DONTNEED',
  5: 'POSIX_FADV_NOREUSE',
});
const MADVISE = table({
  0: 'MADV_NORMAL',
  1: 'MADV_RANDOM',
  2: 'MADV_SEQUENTIAL',
  3: 'MADV_WILLNEED',
  4: 'MADV_DONTNEED',
  8: 'MADV_FREE',
  9: 'MADV_REMOVE',
  10: 'MADV_DONTFORK',
  11: 'MADV_DOFORK',
  12: 'MADV_MERGEABLE',
  13: 'MADV_UNMERGEABLE',
  14: 'MADV_HUGEPAGE',
  15: 'MADV_NOHUGEPAGE',
  16: 'MADV_DONTDUMP',
  17: 'MADV_DODUMP',
  18: 'MADV_WIPEONFORK',
  19: 'MADV_KEEPONFORK',
  20: 'MADV_COLD',
  21: 'MADV_PAGEOUT',
  22: 'MADV_POPULATE_READ',
  23: 'MADV_POPULATE_WRITE',
});
const RLIMIT = table({
  0: 'RLIMIT_CPU',
  1: 'RLIMIT_FSIZE',
  2: 'RLIMIT_DATA',
  3: 'RLIMIT_STACK',
  4: 'RLIMIT_CORE',
  5: 'RLIMIT_RSS',
  6: 'RLIMIT_NPROC',
  7: 'RLIMIT_NOFILE',
  8: 'RLIMIT_MEMLOCK',
  9: 'RLIMIT_AS',
  10: 'RLIMIT_LOCKS',
  11: 'RLIMIT_SIGPENDING',
  12: 'RLIMIT_MSGQUEUE',
  13: 'RLIMIT_NICE',
  14: 'RLIMIT_RTPRIO',
  15: 'RLIMIT_RTTIME',
});
const SOCKOPT_LEVEL = table({ 0: 'SOL_IP', 1: 'SOL_SOCKET', 6: 'SOL_TCP', 17: 'SOL_UDP', 41: 'SOL_IPV6' });
/** SOCKOPT_NAMES are the option names strace prints for each level (include/uapi/asm-generic/socket.h, linux/tcp.h, linux/in.h). */
const SOCKOPT_NAMES: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map([
  [
    1,
    table({
      1: 'SO_DEBUG',
      2: 'SO_REUSEADDR',
      3: 'SO_TYPE',
      4: 'SO_ERROR',
      5: 'SO_DONTROUTE',
      6: 'SO_BROADCAST',
      7: 'SO_SNDBUF',
      8: 'SO_RCVBUF',
      9: 'SO_KEEPALIVE',
      10: 'SO_OOBINLINE',
      11: 'SO_NO_CHECK',
      12: 'SO_PRIORITY',
      13: 'SO_LINGER',
      14: 'SO_BSDCOMPAT',
      15: 'SO_REUSEPORT',
      16: 'SO_PASSCRED',
      17: 'SO_PEERCRED',
      18: 'SO_RCVLOWAT',
      19: 'SO_SNDLOWAT',
      20: 'SO_RCVTIMEO_OLD',
      21: 'SO_SNDTIMEO_OLD',
      25: 'SO_BINDTODEVICE',
      26: 'SO_ATTACH_FILTER',
      29: 'SO_TIMESTAMP_OLD',
      30: 'SO_ACCEPTCONN',
      31: 'SO_PEERSEC',
      32: 'SO_SNDBUFFORCE',
      33: 'SO_RCVBUFFORCE',
      34: 'SO_PASSSEC',
      36: 'SO_MARK',
      38: 'SO_PROTOCOL',
      39: 'SO_DOMAIN',
      46: 'SO_BUSY_POLL',
      47: 'SO_MAX_PACING_RATE',
      48: 'SO_BPF_EXTENSIONS',
      49: 'SO_INCOMING_CPU',
      50: 'SO_ATTACH_BPF',
      59: 'SO_PEERGROUPS',
      60: 'SO_ZEROCOPY',
      66: 'SO_RCVTIMEO_NEW',
      67: 'SO_SNDTIMEO_NEW',
    }),
  ],
  [
    6,
    table({
      1: 'TCP_NODELAY',
      2: 'TCP_MAXSEG',
      3: 'TCP_CORK',
      4: 'TCP_KEEPIDLE',
      5: 'TCP_KEEPINTVL',
      6: 'TCP_KEEPCNT',
      7: 'TCP_SYNCNT',
      8: 'TCP_LINGER2',
      9: 'TCP_DEFER_ACCEPT',
      10: 'TCP_WINDOW_CLAMP',
      11: 'TCP_INFO',
      12: 'TCP_QUICKACK',
      13: 'TCP_CONGESTION',
      18: 'TCP_USER_TIMEOUT',
      23: 'TCP_FASTOPEN',
      30: 'TCP_FASTOPEN_CONNECT',
      31: 'TCP_ULP',
      34: 'TCP_INQ',
      37: 'TCP_TX_DELAY',
    }),
  ],
  [
    0,
    table({
      1: 'IP_TOS',
      2: 'IP_TTL',
      3: 'IP_HDRINCL',
      4: 'IP_OPTIONS',
      8: 'IP_RECVOPTS',
      10: 'IP_MTU_DISCOVER',
      11: 'IP_RECVERR',
      14: 'IP_MTU',
      15: 'IP_FREEBIND',
      19: 'IP_TRANSPARENT',
      32: 'IP_MULTICAST_IF',
      33: 'IP_MULTICAST_TTL',
      34: 'IP_MULTICAST_LOOP',
      35: 'IP_ADD_MEMBERSHIP',
      36: 'IP_DROP_MEMBERSHIP',
    }),
  ],
  [
    41,
    table({
      16: 'IPV6_UNICAST_HOPS',
      25: 'IPV6_RECVERR',
      26: 'IPV6_V6ONLY',
      67: 'IPV6_TCLASS',
    }),
  ],
]);

/** sockoptName prints setsockopt/getsockopt's option name, which depends on the level. */
export function sockoptName(level: bigint, name: bigint): string {
  const names = SOCKOPT_NAMES.get(Number(BigInt.asIntN(32, level)));
  return names ? enumName(name, names) : int(name);
}

/** socketProtocol prints socket(2)'s protocol as strace does: IPPROTO_* for inet sockets, else a number. */
export function socketProtocol(domain: bigint, protocol: bigint): string {
  const d = Number(BigInt.asIntN(32, domain));
  if (d !== 2 && d !== 10) return int(protocol);
  return enumName(protocol, IPPROTO);
}
const IPPROTO = table({
  0: 'IPPROTO_IP',
  1: 'IPPROTO_ICMP',
  6: 'IPPROTO_TCP',
  17: 'IPPROTO_UDP',
  58: 'IPPROTO_ICMPV6',
  132: 'IPPROTO_SCTP',
  136: 'IPPROTO_UDPLITE',
  255: 'IPPROTO_RAW',
  262: 'IPPROTO_MPTCP',
});

const MSG_FLAGS: Flag[] = [
  [0x1, 'MSG_OOB'],
  [0x2, 'MSG_PEEK'],
  [0x4, 'MSG_DONTROUTE'],
  [0x8, 'MSG_CTRUNC'],
  [0x10, 'MSG_PROBE'],
  [0x20, 'MSG_TRUNC'],
  [0x40, 'MSG_DONTWAIT'],
  [0x80, 'MSG_EOR'],
  [0x100, 'MSG_WAITALL'],
  [0x200, 'MSG_FIN'],
  [0x400, 'MSG_SYN'],
  [0x800, 'MSG_CONFIRM'],
  [0x1000, 'MSG_RST'],
  [0x2000, 'MSG_ERRQUEUE'],
  [0x4000, 'MSG_NOSIGNAL'],
  [0x8000, 'MSG_MORE'],
  [0x10000, 'MSG_WAITFORONE'],
  [0x40000, 'MSG_BATCH'],
  [0x4000000, 'MSG_ZEROCOPY'],
  [0x20000000, 'MSG_FASTOPEN'],
  [0x40000000, 'MSG_CMSG_CLOEXEC'],
];

const EPOLL_OP = table({ 1: 'EPOLL_CTL_ADD', 2: 'EPOLL_CTL_DEL', 3: 'EPOLL_CTL_MOD' });
const SHUTDOWN = table({ 0: 'SHUT_RD', 1: 'SHUT_WR', 2: 'SHUT_RDWR' });
const PRCTL = table({
  1: 'PR_SET_PDEATHSIG',
  2: 'PR_GET_PDEATHSIG',
  3: 'PR_GET_DUMPABLE',
  4: 'PR_SET_DUMPABLE',
  8: 'PR_SET_KEEPCAPS',
  15: 'PR_SET_NAME',
  16: 'PR_GET_NAME',
  22: 'PR_SET_SECCOMP',
  36: 'PR_SET_CHILD_SUBREAPER',
  38: 'PR_SET_NO_NEW_PRIVS',
  39: 'PR_GET_NO_NEW_PRIVS',
  1499557217: 'PR_SET_PTRACER',
  1398164801: 'PR_SET_VMA',
});

const AT_FDCWD = -100;

// C's %#lx, which strace uses, prints zero as a bare 0.
export const hex = (v: bigint): string => (v === 0n ? '0' : `0x${BigInt.asUintN(64, v).toString(16)}`);
const int = (v: bigint): string => BigInt.asIntN(32, v).toString();

/** ptr prints a pointer as strace does: NULL or 0x… */
export const ptr = (v: bigint): string => (v === 0n ? 'NULL' : hex(v));

/** octalMode prints a file mode with a leading 0, as in `0644`. */
export const octalMode = (v: bigint): string => `0${(v & 0o7777777n).toString(8)}`.replace(/^00+/, '0');

function socketType(v: bigint): string {
  const base = enumName(v & 0xfn, SOCKET_TYPE);
  const extra = flags(
    v & ~0xfn,
    [
      [0o2000000, 'SOCK_CLOEXEC'],
      [0o4000, 'SOCK_NONBLOCK'],
    ],
    '',
  );
  return extra === '' ? base : `${base}|${extra}`;
}

function futexOp(v: bigint): string {
  const n = Number(v & 0xffffffffn);
  let name = FUTEX_CMD.get(n & 0x7f) ?? String(n & 0x7f);
  if (n & 128) name += '_PRIVATE';
  if (n & 256) name += '|FUTEX_CLOCK_REALTIME';
  const rest = n & ~0x1ff;
  return rest ? `${name}|0x${rest.toString(16)}` : name;
}

function mmapFlags(v: bigint): string {
  const type = MAP_TYPE[Number(v & 3n)] ?? '0';
  const rest = flags(v & ~3n & ~0xfn, MAP_FLAGS, '');
  // Bits 2-3 are undefined map types; keep them visible.
  const odd = v & 0xcn ? `|0x${(v & 0xcn).toString(16)}` : '';
  return rest === '' ? `${type}${odd}` : `${type}|${rest}${odd}`;
}

/** cloneArgs prints clone3's struct clone_args as strace does, with the fields its flags make used. */
export function cloneArgs(data: Uint8Array): string | undefined {
  if (data.length < 64) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, 64);
  const at = (i: number): bigint => v.getBigUint64(8 * i, true);
  const f = at(0);
  const parts = [`flags=${flags(f, CLONE_FLAGS)}`];
  if (f & 0x1000n) parts.push(`pidfd=${hex(at(1))}`);
  if (f & (0x1000000n | 0x200000n)) parts.push(`child_tid=${hex(at(2))}`);
  if (f & 0x100000n) parts.push(`parent_tid=${hex(at(3))}`);
  parts.push(
    `exit_signal=${at(4) === 0n ? '0' : signalName(at(4))}`,
    `stack=${hex(at(5))}`,
    `stack_size=${hex(at(6))}`,
  );
  if (f & 0x80000n) parts.push(`tls=${hex(at(7))}`);
  return `{${parts.join(', ')}}`;
}

/** cloneArgsFilled is what strace shows clone3 wrote back: ` => {parent_tid=[N]}` (it is the new tid). */
export function cloneArgsFilled(data: Uint8Array, ret: bigint): string {
  if (data.length < 8 || ret <= 0n) return '';
  const f = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
  return f & 0x100000n ? ` => {parent_tid=[${ret}]}` : '';
}

function cloneFlags(v: bigint): string {
  const sig = Number(v & 0xffn);
  const rest = flags(v & ~0xffn, CLONE_FLAGS, '');
  const sigName = sig === 0 ? '' : (SIGNALS.get(sig) ?? String(sig));
  return [rest, sigName].filter((s) => s !== '').join('|') || '0';
}

/** decodeScalar prints an argument that needs no user memory. */
export function decodeScalar(kind: ArgKind, v: bigint): string {
  switch (kind) {
    case 'int':
      return int(v);
    case 'off':
      return BigInt.asIntN(64, v).toString();
    case 'uint':
      return BigInt.asUintN(64, v).toString();
    case 'hex':
      return hex(v);
    case 'ptr':
    case 'path':
    case 'buf_in':
    case 'buf_out':
    case 'stat_out':
    case 'timespec_out':
    case 'fds_out':
    case 'rlimit_out':
    case 'rlimit_in':
    case 'statx_out':
    case 'dirents_out':
    case 'random_out':
    case 'timespec_in':
    case 'sigset_in':
    case 'sigset_out':
    case 'sigaction_in':
    case 'sigaction_out':
    case 'sockaddr_in':
    case 'msghdr_in':
    case 'msghdr_out':
      return ptr(v);
    case 'path2':
    case 'path_out':
    case 'wstatus_out':
    case 'sigreturn_frame':
    case 'sockopt_in':
    case 'utsname_out':
    case 'clone_args_in':
    case 'ioctl_arg':
    case 'link_out':
    case 'pollfds_inout':
    case 'epoll_event_in':
    case 'sockaddr_out':
    case 'socklen_inout':
    case 'sockopt_out':
      return ptr(v);
    case 'rename_flags':
      return flags(v, [
        [1, 'RENAME_NOREPLACE'],
        [2, 'RENAME_EXCHANGE'],
        [4, 'RENAME_WHITEOUT'],
      ]);
    case 'xattr_flags':
      return flags(v, [
        [1, 'XATTR_CREATE'],
        [2, 'XATTR_REPLACE'],
      ]);
    case 'msg_flags':
      return flags(v & 0xffffffffn, MSG_FLAGS);
    case 'clock_flags':
      return flags(v, [[1, 'TIMER_ABSTIME']]);
    case 'fd':
      return int(v);
    case 'dirfd':
      return Number(BigInt.asIntN(32, v)) === AT_FDCWD ? 'AT_FDCWD' : int(v);
    case 'open_flags':
      return openFlags(v);
    case 'mode':
      return octalMode(v);
    case 'at_flags':
      return flags(v, AT_FLAGS);
    case 'access_mode':
      return flags(v, ACCESS, 'F_OK');
    case 'prot':
      return flags(v, PROT, 'PROT_NONE');
    case 'mmap_flags':
      return mmapFlags(v);
    case 'whence':
      return enumName(v, WHENCE);
    case 'signal':
      return signalName(v);
    case 'sigmask_how':
      return enumName(v, SIGMASK_HOW);
    case 'fcntl_cmd':
      return enumName(v, FCNTL_CMD);
    case 'ioctl_req':
      return IOCTL_REQ.get(Number(v & 0xffffffffn)) ?? hex(v & 0xffffffffn);
    case 'socket_domain':
      return enumName(v, SOCKET_DOMAIN);
    case 'socket_type':
      return socketType(v);
    case 'clock_id':
      return enumName(v, CLOCK_ID);
    case 'futex_op':
      return futexOp(v);
    case 'arch_prctl_code':
      return enumName(v, ARCH_PRCTL);
    case 'madvise_advice':
      return enumName(v, MADVISE);
    case 'fadvise_advice':
      return enumName(v, FADVISE);
    case 'clone_flags':
      return cloneFlags(v);
    case 'getrandom_flags':
      return flags(v, GETRANDOM);
    case 'rlimit_resource':
      return enumName(v, RLIMIT);
    case 'wait_options':
      return flags(v & 0xffffffffn, WAIT_OPTIONS);
    case 'epoll_op':
      return enumName(v, EPOLL_OP);
    case 'shutdown_how':
      return enumName(v, SHUTDOWN);
    case 'cloexec_flags':
      return flags(v, CLOEXEC_FLAGS);
    case 'sock_flags':
      return flags(v, SOCK_FLAGS);
    case 'epoll_flags':
      return flags(v, EPOLL_FLAGS);
    case 'efd_flags':
      return flags(v, EFD_FLAGS);
    case 'sockopt_level':
      return enumName(v, SOCKOPT_LEVEL);
    case 'statx_mask':
      return statxMask(v);
    case 'statx_flags':
      return statxFlags(v);
    case 'prctl_option':
      return enumName(v, PRCTL);
  }
}
