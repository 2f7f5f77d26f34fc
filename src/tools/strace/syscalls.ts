// The x86_64 syscalls strace decodes by name, with an argument signature for each; any other syscall
// is printed with its number of arguments as plain numbers.

/**
 * ArgKind says how one syscall argument is printed. Kinds starting with `str`/`buf`/`path` are
 * user memory the kernel program copies into the record (at most one per syscall, see `capture`).
 */
export type ArgKind =
  | 'int' // signed decimal, 32 bits (C int, pid_t, uid_t: the register's upper half is not part of it)
  | 'off' // signed decimal, 64 bits (off_t, loff_t)
  | 'uint' // unsigned decimal
  | 'hex' // 0x… pointer-sized value
  | 'ptr' // pointer: NULL or 0x…
  | 'fd'
  | 'dirfd' // AT_FDCWD or an fd
  | 'path' // NUL-terminated user string, printed whole
  | 'wstatus_out' // the int wait4 fills when it returns a pid: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]
  | 'sigreturn_frame' // rt_sigreturn's frame, read for the mask it restores: {mask=[]}
  | 'sockaddr_out' // a socket address the call fills (getsockname, accept), its length pointer next
  | 'socklen_inout' // the length pointer after it: [16], or [128 => 16] when the call changed it
  | 'sockopt_out' // the value getsockopt fills: [0]
  | 'pollfds_inout' // poll's struct pollfd array: [{fd=3, events=POLLIN}], revents noted after the result
  | 'link_out' // the target readlink wrote, after the path: its length is the return value
  | 'clone_args_in' // struct clone_args clone3 reads: {flags=CLONE_VM|…, child_tid=…, exit_signal=0, stack=…, …}
  | 'ioctl_arg' // ioctl's argument: the int it points to for FIONBIO/FIOASYNC ([1]), else the pointer
  | 'utsname_out' // struct utsname uname fills: {sysname="Linux", nodename="…", ...}
  | 'epoll_event_in' // struct epoll_event epoll_ctl reads: {events=EPOLLIN, data={u32=5, u64=5}}
  | 'sockopt_in' // the value setsockopt reads, its length in lenArg: [1]
  | 'path_out' // a path the call fills (getcwd), copied at exit, printed whole
  | 'path2' // a second string (rename's new path, getxattr's name), after the first one's NUL
  | 'buf_in' // user buffer read by the kernel (write): length in lenArg, copied at entry
  | 'buf_out' // user buffer filled by the kernel (read): length is the return value, copied at exit
  | 'stat_out' // struct stat filled on success, copied at exit: {st_mode=S_IFREG|0644, st_size=N, ...}
  | 'timespec_out' // struct timespec filled on success (clock_gettime): {tv_sec=N, tv_nsec=N}
  | 'fds_out' // int[2] filled on success (pipe, pipe2): [3, 4]
  | 'rlimit_out' // struct rlimit filled on success (prlimit64's old limit): {rlim_cur=…, rlim_max=…}
  | 'rlimit_in' // struct rlimit the call reads (setrlimit, prlimit64's new limit)
  | 'statx_out' // struct statx filled on success: {stx_mask=…, stx_attributes=…, stx_mode=…, stx_size=N, ...}
  | 'timespec_in' // struct timespec the call reads (nanosleep): {tv_sec=0, tv_nsec=100000000}
  | 'sigset_in' // kernel sigset_t the call reads: [INT TERM], ~[RTMIN RT_1]
  | 'sigset_out' // the old sigset rt_sigprocmask fills, after the one it reads
  | 'sigaction_in' // struct sigaction rt_sigaction reads: {sa_handler=…, sa_mask=[], sa_flags=…}
  | 'sigaction_out' // the old action rt_sigaction fills, after the one it reads
  | 'sockaddr_in' // socket address the call reads (connect, bind), its length in lenArg
  | 'msghdr_in' // struct msghdr sendmsg reads, with its first iovec's bytes up to -s, copied at entry
  | 'msghdr_out' // struct msghdr recvmsg fills, with the bytes its first iovec received, copied at exit
  | 'dirents_out' // linux_dirent(64)s filled by getdents: the pointer and `/* N entries */`, counted in the kernel
  | 'random_out' // a buf_out strace always prints in \x hex (getrandom)
  | 'statx_flags' // statx's AT_* flags, led by its sync type: AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW
  | 'open_flags'
  | 'mode' // octal, 0644
  | 'at_flags'
  | 'access_mode'
  | 'prot'
  | 'mmap_flags'
  | 'whence'
  | 'signal'
  | 'sigmask_how'
  | 'fcntl_cmd'
  | 'ioctl_req'
  | 'socket_domain'
  | 'socket_type'
  | 'clock_id'
  | 'futex_op'
  | 'arch_prctl_code'
  | 'madvise_advice'
  | 'fadvise_advice'
  | 'clone_flags'
  | 'getrandom_flags'
  | 'rlimit_resource'
  | 'wait_options'
  | 'epoll_op'
  | 'shutdown_how'
  | 'cloexec_flags' // O_CLOEXEC|O_NONBLOCK style flags of pipe2, dup3
  | 'sock_flags' // SOCK_CLOEXEC|SOCK_NONBLOCK (accept4)
  | 'epoll_flags' // EPOLL_CLOEXEC (epoll_create1)
  | 'efd_flags' // EFD_CLOEXEC|EFD_NONBLOCK|EFD_SEMAPHORE (eventfd2)
  | 'sockopt_level' // SOL_SOCKET, SOL_TCP…; the option name after it depends on it
  | 'statx_mask'
  | 'prctl_option'
  | 'msg_flags' // MSG_NOSIGNAL|MSG_DONTWAIT (send/recv)
  | 'rename_flags' // RENAME_NOREPLACE|RENAME_EXCHANGE|RENAME_WHITEOUT
  | 'xattr_flags' // XATTR_CREATE|XATTR_REPLACE
  | 'clock_flags'; // TIMER_ABSTIME

/** RetKind says how the return value is printed when it is not an error. */
export type RetKind = 'int' | 'hex' | 'none';

/** SyscallSig is the printing signature of one syscall. */
export interface SyscallSig {
  nr: number;
  name: string;
  args: readonly ArgKind[];
  ret: RetKind;
  /** lenArg is, for buf_in/buf_out arguments, the index of the length argument. */
  lenArg?: number;
}

type Row = [nr: number, name: string, args: ArgKind[], ret?: RetKind, lenArg?: number];

// Ordered by syscall number (arch/x86/entry/syscalls/syscall_64.tbl).
const ROWS: Row[] = [
  [0, 'read', ['fd', 'buf_out', 'uint'], 'int', 2],
  [1, 'write', ['fd', 'buf_in', 'uint'], 'int', 2],
  [2, 'open', ['path', 'open_flags', 'mode']],
  [3, 'close', ['fd']],
  [4, 'stat', ['path', 'stat_out']],
  [5, 'fstat', ['fd', 'stat_out']],
  [6, 'lstat', ['path', 'stat_out']],
  [7, 'poll', ['pollfds_inout', 'uint', 'int'], 'int', 1],
  [8, 'lseek', ['fd', 'off', 'whence']],
  [9, 'mmap', ['ptr', 'uint', 'prot', 'mmap_flags', 'fd', 'hex'], 'hex'],
  [10, 'mprotect', ['ptr', 'uint', 'prot']],
  [11, 'munmap', ['ptr', 'uint']],
  [12, 'brk', ['ptr'], 'hex'],
  [13, 'rt_sigaction', ['signal', 'sigaction_in', 'sigaction_out', 'uint']],
  [14, 'rt_sigprocmask', ['sigmask_how', 'sigset_in', 'sigset_out', 'uint']],
  [15, 'rt_sigreturn', ['sigreturn_frame']],
  [16, 'ioctl', ['fd', 'ioctl_req', 'ioctl_arg']],
  [17, 'pread64', ['fd', 'buf_out', 'uint', 'off'], 'int', 2],
  [18, 'pwrite64', ['fd', 'buf_in', 'uint', 'off'], 'int', 2],
  [19, 'readv', ['fd', 'ptr', 'int']],
  [20, 'writev', ['fd', 'ptr', 'int']],
  [21, 'access', ['path', 'access_mode']],
  [22, 'pipe', ['fds_out']],
  [23, 'select', ['int', 'ptr', 'ptr', 'ptr', 'ptr']],
  [24, 'sched_yield', []],
  [25, 'mremap', ['ptr', 'uint', 'uint', 'hex', 'ptr'], 'hex'],
  [28, 'madvise', ['ptr', 'uint', 'madvise_advice']],
  [32, 'dup', ['fd']],
  [33, 'dup2', ['fd', 'fd']],
  [35, 'nanosleep', ['timespec_in', 'ptr']],
  [39, 'getpid', []],
  [41, 'socket', ['socket_domain', 'socket_type', 'int']],
  [42, 'connect', ['fd', 'sockaddr_in', 'uint'], 'int', 2],
  [43, 'accept', ['fd', 'sockaddr_out', 'socklen_inout']],
  [44, 'sendto', ['fd', 'buf_in', 'uint', 'msg_flags', 'ptr', 'uint'], 'int', 2],
  [45, 'recvfrom', ['fd', 'buf_out', 'uint', 'msg_flags', 'ptr', 'ptr'], 'int', 2],
  [46, 'sendmsg', ['fd', 'msghdr_in', 'msg_flags']],
  [47, 'recvmsg', ['fd', 'msghdr_out', 'msg_flags']],
  [48, 'shutdown', ['fd', 'shutdown_how']],
  [49, 'bind', ['fd', 'sockaddr_in', 'uint'], 'int', 2],
  [50, 'listen', ['fd', 'int']],
  [51, 'getsockname', ['fd', 'sockaddr_out', 'socklen_inout']],
  [52, 'getpeername', ['fd', 'sockaddr_out', 'socklen_inout']],
  [53, 'socketpair', ['socket_domain', 'socket_type', 'int', 'ptr']],
  [54, 'setsockopt', ['fd', 'sockopt_level', 'int', 'sockopt_in', 'uint'], 'int', 4],
  [55, 'getsockopt', ['fd', 'sockopt_level', 'int', 'sockopt_out', 'socklen_inout']],
  [56, 'clone', ['clone_flags', 'ptr', 'ptr', 'ptr', 'hex']],
  [57, 'fork', []],
  [58, 'vfork', []],
  [59, 'execve', ['path', 'ptr', 'ptr']],
  [60, 'exit', ['int'], 'none'],
  [61, 'wait4', ['int', 'wstatus_out', 'wait_options', 'ptr']],
  [62, 'kill', ['int', 'signal']],
  [63, 'uname', ['utsname_out']],
  [72, 'fcntl', ['fd', 'fcntl_cmd', 'hex']],
  [73, 'flock', ['fd', 'int']],
  [74, 'fsync', ['fd']],
  [75, 'fdatasync', ['fd']],
  [76, 'truncate', ['path', 'off']],
  [77, 'ftruncate', ['fd', 'off']],
  [78, 'getdents', ['fd', 'dirents_out', 'uint']],
  [79, 'getcwd', ['path_out', 'uint']],
  [80, 'chdir', ['path']],
  [81, 'fchdir', ['fd']],
  [82, 'rename', ['path', 'path2']],
  [83, 'mkdir', ['path', 'mode']],
  [84, 'rmdir', ['path']],
  [85, 'creat', ['path', 'mode']],
  [86, 'link', ['path', 'path2']],
  [87, 'unlink', ['path']],
  [88, 'symlink', ['path', 'path2']],
  [89, 'readlink', ['path', 'link_out', 'uint']],
  [90, 'chmod', ['path', 'mode']],
  [91, 'fchmod', ['fd', 'mode']],
  [92, 'chown', ['path', 'int', 'int']],
  [93, 'fchown', ['fd', 'int', 'int']],
  [95, 'umask', ['mode'], 'int'],
  [96, 'gettimeofday', ['ptr', 'ptr']],
  [97, 'getrlimit', ['rlimit_resource', 'rlimit_out']],
  [98, 'getrusage', ['int', 'ptr']],
  [99, 'sysinfo', ['ptr']],
  [102, 'getuid', []],
  [104, 'getgid', []],
  [105, 'setuid', ['int']],
  [106, 'setgid', ['int']],
  [107, 'geteuid', []],
  [108, 'getegid', []],
  [109, 'setpgid', ['int', 'int']],
  [110, 'getppid', []],
  [111, 'getpgrp', []],
  [112, 'setsid', []],
  [131, 'sigaltstack', ['ptr', 'ptr']],
  [137, 'statfs', ['path', 'ptr']],
  [138, 'fstatfs', ['fd', 'ptr']],
  [157, 'prctl', ['prctl_option', 'hex', 'hex', 'hex', 'hex']],
  [158, 'arch_prctl', ['arch_prctl_code', 'hex']],
  [160, 'setrlimit', ['rlimit_resource', 'rlimit_in']],
  [186, 'gettid', []],
  [188, 'setxattr', ['path', 'path2', 'ptr', 'uint', 'xattr_flags']],
  [189, 'lsetxattr', ['path', 'path2', 'ptr', 'uint', 'xattr_flags']],
  [190, 'fsetxattr', ['fd', 'path', 'ptr', 'uint', 'xattr_flags']],
  [191, 'getxattr', ['path', 'path2', 'ptr', 'uint']],
  [192, 'lgetxattr', ['path', 'path2', 'ptr', 'uint']],
  [193, 'fgetxattr', ['fd', 'path', 'ptr', 'uint']],
  [194, 'listxattr', ['path', 'ptr', 'uint']],
  [195, 'llistxattr', ['path', 'ptr', 'uint']],
  [196, 'flistxattr', ['fd', 'ptr', 'uint']],
  [197, 'removexattr', ['path', 'path2']],
  [198, 'lremovexattr', ['path', 'path2']],
  [199, 'fremovexattr', ['fd', 'path']],
  [202, 'futex', ['ptr', 'futex_op', 'int', 'ptr', 'ptr', 'int']],
  [217, 'getdents64', ['fd', 'dirents_out', 'uint']],
  [218, 'set_tid_address', ['ptr']],
  [221, 'fadvise64', ['fd', 'off', 'uint', 'fadvise_advice']],
  [228, 'clock_gettime', ['clock_id', 'timespec_out']],
  [230, 'clock_nanosleep', ['clock_id', 'clock_flags', 'timespec_in', 'ptr']],
  [231, 'exit_group', ['int'], 'none'],
  [232, 'epoll_wait', ['fd', 'ptr', 'int', 'int']],
  [233, 'epoll_ctl', ['fd', 'epoll_op', 'fd', 'epoll_event_in']],
  [257, 'openat', ['dirfd', 'path', 'open_flags', 'mode']],
  [258, 'mkdirat', ['dirfd', 'path', 'mode']],
  [260, 'fchownat', ['dirfd', 'path', 'int', 'int', 'at_flags']],
  [262, 'newfstatat', ['dirfd', 'path', 'stat_out', 'at_flags']],
  [263, 'unlinkat', ['dirfd', 'path', 'at_flags']],
  [264, 'renameat', ['dirfd', 'path', 'dirfd', 'path2']],
  [265, 'linkat', ['dirfd', 'path', 'dirfd', 'path2', 'at_flags']],
  [266, 'symlinkat', ['path', 'dirfd', 'path2']],
  [267, 'readlinkat', ['dirfd', 'path', 'link_out', 'uint']],
  [268, 'fchmodat', ['dirfd', 'path', 'mode']],
  [269, 'faccessat', ['dirfd', 'path', 'access_mode']],
  [270, 'pselect6', ['int', 'ptr', 'ptr', 'ptr', 'ptr', 'ptr']],
  [271, 'ppoll', ['ptr', 'uint', 'ptr', 'ptr', 'uint']],
  [273, 'set_robust_list', ['ptr', 'uint']],
  [281, 'epoll_pwait', ['fd', 'ptr', 'int', 'int', 'ptr', 'uint']],
  [288, 'accept4', ['fd', 'sockaddr_out', 'socklen_inout', 'sock_flags']],
  [290, 'eventfd2', ['uint', 'efd_flags']],
  [291, 'epoll_create1', ['epoll_flags']],
  [292, 'dup3', ['fd', 'fd', 'cloexec_flags']],
  [293, 'pipe2', ['fds_out', 'cloexec_flags']],
  [302, 'prlimit64', ['int', 'rlimit_resource', 'rlimit_in', 'rlimit_out']],
  [316, 'renameat2', ['dirfd', 'path', 'dirfd', 'path2', 'rename_flags']],
  [318, 'getrandom', ['random_out', 'uint', 'getrandom_flags'], 'int', 1],
  [322, 'execveat', ['dirfd', 'path', 'ptr', 'ptr', 'at_flags']],
  [332, 'statx', ['dirfd', 'path', 'statx_flags', 'statx_mask', 'statx_out']],
  [334, 'rseq', ['ptr', 'hex', 'int', 'hex']],
  [435, 'clone3', ['clone_args_in', 'uint']],
  [437, 'openat2', ['dirfd', 'path', 'ptr', 'uint']],
  [439, 'faccessat2', ['dirfd', 'path', 'access_mode', 'at_flags']],
];

/** SYSCALLS indexes the decoded syscalls by number. */
export const SYSCALLS: ReadonlyMap<number, SyscallSig> = new Map(
  ROWS.map(([nr, name, args, ret, lenArg]): [number, SyscallSig] => {
    const sig: SyscallSig = { nr, name, args, ret: ret ?? 'int' };
    if (lenArg !== undefined) sig.lenArg = lenArg;
    return [nr, sig];
  }),
);

const byName = new Map<string, SyscallSig>([...SYSCALLS.values()].map((s) => [s.name, s]));

/** syscallByName finds a decoded syscall by its name. */
export function syscallByName(name: string): SyscallSig | undefined {
  return byName.get(name);
}

/** CaptureKind is what the kernel program copies for a syscall: nothing, a path, or a data buffer. */
export const Capture = {
  None: 0,
  PathAtEntry: 1,
  BufAtEntry: 2,
  BufAtExit: 3,
  /** StructAtExit copies a fixed-size struct (size in the lenArg byte) when the call returns 0. */
  StructAtExit: 4,
  /** PathThenStruct is PathAtEntry plus a StructAtExit placed right after the path's NUL (newfstatat). */
  PathThenStruct: 5,
  /** DirentsAtExit walks the dirents the call returned and sends their count as a u32 (getdents64). */
  DirentsAtExit: 6,
  /**
   * StructAtEntry copies a fixed-size struct the call reads (size in the lenArg byte) at entry; a
   * nonzero high nibble names an argument whose struct of the same size the call fills, copied after
   * it when the call returns 0 (rt_sigaction's act then oldact).
   */
  StructAtEntry: 7,
  /** AddrAtEntry copies a socket address the call reads, its length in the lenArg byte's argument. */
  AddrAtEntry: 8,
  /** PathAtExit copies the path a successful call filled (getcwd). */
  PathAtExit: 10,
  /** StructOnPositive is StructAtExit for a call that returns a positive value when it fills it (wait4). */
  StructOnPositive: 11,
  /** SigreturnMask copies the signal mask rt_sigreturn restores, from the signal frame on the stack. */
  SigreturnMask: 12,
  /**
   * AddrOut is for a buffer with an in/out length pointer (getsockname, accept, getsockopt): the
   * length offered at entry, then the length used and the bytes filled at exit. The buffer is the
   * arg byte's argument, the length pointer the lenArg byte's.
   */
  AddrOut: 13,
  /** PathThenBuf is a path at entry (its argument in the high nibble) and, after its NUL, the bytes a successful call wrote to the arg byte's buffer (readlink). */
  PathThenBuf: 14,
  /** PollFds copies poll's array (length in the lenArg byte's argument) at entry, and again after it at exit. */
  PollFds: 15,
  /** TwoStrings copies the strings of the arg and lenArg bytes' arguments, the second after the first's NUL. */
  TwoStrings: 9,
  /**
   * FdSets copies select's three fd sets and its timeout at entry, and again after them when the
   * call succeeded (FD_SET_BYTES each). Kinds from 0x100 on are the widened ones: the low nibble
   * with CAPTURE_EXT_BIT in the spec (see specValue).
   */
  FdSets: 0x100,
  /**
   * MsgHdr copies a struct msghdr (MSGHDR_SIZE), its first iovec after it, then that iovec's bytes
   * (at most -s; at exit at most the return value): at entry, or at exit when the lenArg byte is 1.
   */
  MsgHdr: 0x101,
} as const;

/** MSGHDR_SIZE is struct user_msghdr's size on x86_64; its first iovec (16 bytes) follows it. */
export const MSGHDR_SIZE = 56;
/** MSGHDR_ROOM is the msghdr and the first iovec: the iovec's bytes start here. */
export const MSGHDR_ROOM = MSGHDR_SIZE + 16;
/** MSGHDR_NAMELEN_OFFERED is where recvmsg's copy keeps the msg_namelen offered at entry (padding). */
export const MSGHDR_NAMELEN_OFFERED = 52;

/** FD_SET_BYTES is how much of each fd set (and the timeout) is copied: descriptors below 128. */
export const FD_SET_BYTES = 16;

/** STRING_ROOM is each string's room, with its NUL, when a record holds two (rename's paths). */
export const STRING_ROOM = 256;

/** POLL_FDS_MAX is the most struct pollfd entries copied; strace's `...` stands for the rest. */
export const POLL_FDS_MAX = 8;

/** SOCKADDR_MAX is the most of a socket address copied: struct sockaddr_storage's 128 bytes. */
export const SOCKADDR_MAX = 128;

/** STRUCT_IN_SIZE is the bytes copied at entry for each struct a call reads. */
export const STRUCT_IN_SIZE: Readonly<Partial<Record<ArgKind, number>>> = {
  timespec_in: 16,
  sigset_in: 8,
  sigaction_in: 32,
  // struct clone_args up to tls: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls.
  clone_args_in: 64,
  // The int an int-taking ioctl reads (FIONBIO), or the flags of the struct termios TCSETS* reads
  // (c_iflag, c_oflag, c_cflag, c_lflag: what strace shows of it).
  ioctl_arg: 16,
  rlimit_in: 16,
  // struct epoll_event is packed on x86_64: u32 events, u64 data.
  epoll_event_in: 12,
};
/** STRUCT_BOTH_OUT names the struct filled at exit that follows an entry struct of the same size. */
export const STRUCT_BOTH_OUT: Readonly<Partial<Record<ArgKind, ArgKind>>> = {
  sigset_in: 'sigset_out',
  sigaction_in: 'sigaction_out',
  rlimit_in: 'rlimit_out',
  // The same pointer again once the call filled it (TCGETS' termios, TIOCGWINSZ's winsize).
  ioctl_arg: 'ioctl_arg',
};

/** STRUCT_OUT_SIZE is the bytes copied for each struct kind: the prefix of the struct strace prints. */
export const STRUCT_OUT_SIZE: Readonly<Partial<Record<ArgKind, number>>> = {
  stat_out: 144,
  timespec_out: 16,
  fds_out: 8,
  rlimit_out: 16,
  // struct utsname's sysname and nodename, 65 bytes each: strace shows those two.
  utsname_out: 130,
  // struct statx up to stx_size (stx_mask, stx_attributes, stx_mode, stx_size): the abbreviated fields.
  statx_out: 48,
};
/** STRUCT_MAX is the largest struct copied (struct stat). */
export const STRUCT_MAX = 144;
/** PATH_MAX is the longest path the kernel accepts, with its NUL: paths are printed whole up to it. */
export const PATH_MAX = 4096;

/** CaptureSpec tells the kernel program which argument to copy and how. */
export interface CaptureSpec {
  kind: number;
  arg: number;
  /** lenArg is the argument holding a buffer's length (entry buffers only). */
  lenArg: number;
}

const isBufOut = (a: ArgKind): boolean => a === 'buf_out' || a === 'random_out';

/** captureFor derives the kernel copy for a syscall from its signature. */
export function captureFor(sig: SyscallSig): CaptureSpec {
  if (sig.name === 'select' || sig.name === 'pselect6') return { kind: Capture.FdSets, arg: 1, lenArg: 0 };
  if (sig.args[0] === 'sigreturn_frame') return { kind: Capture.SigreturnMask, arg: 0, lenArg: 0 };
  const msg = sig.args.findIndex((a) => a === 'msghdr_in' || a === 'msghdr_out');
  if (msg >= 0) return { kind: Capture.MsgHdr, arg: msg, lenArg: sig.args[msg] === 'msghdr_out' ? 1 : 0 };
  const optval = sig.args.indexOf('sockopt_in');
  if (optval >= 0) return { kind: Capture.AddrAtEntry, arg: optval, lenArg: sig.lenArg ?? 0 };
  const inout = sig.args.indexOf('socklen_inout');
  if (inout >= 0) return { kind: Capture.AddrOut, arg: inout - 1, lenArg: inout };
  if (sig.args[0] === 'pollfds_inout') return { kind: Capture.PollFds, arg: 0, lenArg: sig.lenArg ?? 1 };
  const link = sig.args.indexOf('link_out');
  if (link >= 0) return { kind: Capture.PathThenBuf | (sig.args.indexOf('path') << 4), arg: link, lenArg: 0 };
  const status = sig.args.indexOf('wstatus_out');
  if (status >= 0) return { kind: Capture.StructOnPositive, arg: status, lenArg: 4 };
  const filled = sig.args.indexOf('path_out');
  if (filled >= 0) return { kind: Capture.PathAtExit, arg: filled, lenArg: 0 };
  const second = sig.args.indexOf('path2');
  if (second >= 0) return { kind: Capture.TwoStrings, arg: sig.args.indexOf('path'), lenArg: second };
  const inAt = sig.args.findIndex((a) => STRUCT_IN_SIZE[a] !== undefined);
  if (inAt >= 0) {
    const kind = sig.args[inAt]!;
    const outKind = STRUCT_BOTH_OUT[kind];
    const outAt = outKind === undefined ? -1 : sig.args.indexOf(outKind);
    const exitNibble = outAt > 0 ? outAt << 4 : 0;
    return { kind: Capture.StructAtEntry | exitNibble, arg: inAt, lenArg: STRUCT_IN_SIZE[kind]! };
  }
  const addrAt = sig.args.indexOf('sockaddr_in');
  if (addrAt >= 0) return { kind: Capture.AddrAtEntry, arg: addrAt, lenArg: sig.lenArg ?? 0 };
  const at = sig.args.findIndex((a) => a === 'path' || a === 'buf_in' || isBufOut(a));
  const structAt = sig.args.findIndex((a) => STRUCT_OUT_SIZE[a] !== undefined);
  if (structAt >= 0) {
    const size = STRUCT_OUT_SIZE[sig.args[structAt]!]!;
    // The struct's argument goes in the arg byte; a path (at entry) is then in the lenArg byte's place.
    if (at >= 0 && sig.args[at] === 'path') {
      return { kind: Capture.PathThenStruct | (at << 4), arg: structAt, lenArg: size };
    }
    return { kind: Capture.StructAtExit, arg: structAt, lenArg: size };
  }
  const dirents = sig.args.indexOf('dirents_out');
  if (dirents >= 0) return { kind: Capture.DirentsAtExit, arg: dirents, lenArg: 0 };
  if (at < 0) return { kind: Capture.None, arg: 0, lenArg: 0 };
  const kind = sig.args[at];
  if (kind === 'path') return { kind: Capture.PathAtEntry, arg: at, lenArg: 0 };
  return {
    kind: kind === 'buf_in' ? Capture.BufAtEntry : Capture.BufAtExit,
    arg: at,
    lenArg: sig.lenArg ?? 0,
  };
}

/** SYSCALL_CLASSES are strace's `-e trace=%class` sets, as syscall names. */
export const SYSCALL_CLASSES: Readonly<Record<string, readonly string[]>> = {
  file: [
    'open',
    'stat',
    'lstat',
    'access',
    'execve',
    'truncate',
    'chdir',
    'rename',
    'mkdir',
    'rmdir',
    'creat',
    'link',
    'unlink',
    'symlink',
    'readlink',
    'chmod',
    'chown',
    'statfs',
    'openat',
    'mkdirat',
    'fchownat',
    'newfstatat',
    'unlinkat',
    'renameat',
    'readlinkat',
    'fchmodat',
    'faccessat',
    'renameat2',
    'execveat',
    'statx',
    'openat2',
    'faccessat2',
    'linkat',
    'symlinkat',
    'setxattr',
    'lsetxattr',
    'getxattr',
    'lgetxattr',
    'listxattr',
    'llistxattr',
    'removexattr',
    'lremovexattr',
    'utimensat',
    'mknodat',
    'futimesat',
    'mknod',
    'lchown',
    'utime',
    'utimes',
    'chroot',
    'mount',
    'umount2',
    'pivot_root',
    'swapon',
    'swapoff',
    'inotify_add_watch',
    'fanotify_mark',
    'name_to_handle_at',
  ],
  desc: [
    'read',
    'write',
    'open',
    'close',
    'fstat',
    'poll',
    'lseek',
    'mmap',
    'ioctl',
    'pread64',
    'pwrite64',
    'readv',
    'writev',
    'pipe',
    'select',
    'dup',
    'dup2',
    'fcntl',
    'flock',
    'fsync',
    'fdatasync',
    'ftruncate',
    'getdents',
    'fchdir',
    'creat',
    'fchmod',
    'fchown',
    'fstatfs',
    'getdents64',
    'epoll_wait',
    'epoll_ctl',
    'openat',
    'mkdirat',
    'fchownat',
    'newfstatat',
    'unlinkat',
    'renameat',
    'readlinkat',
    'fchmodat',
    'faccessat',
    'pselect6',
    'ppoll',
    'epoll_pwait',
    'eventfd2',
    'epoll_create1',
    'dup3',
    'pipe2',
    'renameat2',
    'execveat',
    'statx',
    'openat2',
    'faccessat2',
    'fsetxattr',
    'fgetxattr',
    'flistxattr',
    'fremovexattr',
    'symlinkat',
    'linkat',
    'fadvise64',
    'sendfile',
    'readahead',
    'splice',
    'tee',
    'vmsplice',
    'sync_file_range',
    'utimensat',
    'mknodat',
    'futimesat',
    'fallocate',
    'timerfd_create',
    'timerfd_settime',
    'timerfd_gettime',
    'signalfd',
    'signalfd4',
    'eventfd',
    'epoll_create',
    'epoll_pwait2',
    'inotify_init1',
    'inotify_add_watch',
    'inotify_rm_watch',
    'memfd_create',
    'copy_file_range',
    'preadv',
    'pwritev',
    'preadv2',
    'pwritev2',
    'close_range',
    'syncfs',
    'bpf',
    'perf_event_open',
    'pidfd_open',
    'pidfd_getfd',
    'io_uring_setup',
    'io_uring_enter',
    'io_uring_register',
  ],
  network: [
    'socket',
    'connect',
    'accept',
    'sendto',
    'recvfrom',
    'sendmsg',
    'recvmsg',
    'shutdown',
    'bind',
    'listen',
    'getsockname',
    'getpeername',
    'socketpair',
    'setsockopt',
    'getsockopt',
    'accept4',
  ],
  process: ['clone', 'fork', 'vfork', 'execve', 'exit', 'wait4', 'kill', 'exit_group', 'execveat', 'clone3'],
  memory: ['mmap', 'mprotect', 'munmap', 'brk', 'mremap', 'madvise'],
  signal: ['rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'kill', 'sigaltstack'],
};
