// Lines strace 6 printed for real programs (ls, python sockets, sh -c, sleep), with bpfkit's
// rendering of the same call: each expectation is strace's text, addresses and all.
import { describe, expect, it } from 'vitest';
import { parseStatusExpr, parseTraceExpr, traces } from './filter.js';
import { formatResumed, formatSyscall, formatUnfinished, setSyscallArgSource } from './format.js';
import { encodeRecord, execArgsOf, SyscallRecord } from './record.js';
import { siginfoSigno, signalLine } from './signals.js';
import { argKindOfField } from './trace.js';

const AT_FDCWD = BigInt.asUintN(64, -100n);
const rec = (f: Parameters<typeof encodeRecord>[0]) => new SyscallRecord(encodeRecord(f));
const line = (f: Omit<Parameters<typeof encodeRecord>[0], 'tgid'>) => formatSyscall(rec({ tgid: 1, ...f }));

describe('strace golden lines: sockets', () => {
  it('prints socket flags CLOEXEC first and the protocol by name for inet sockets', () => {
    expect(line({ nr: 41, ret: 3n, args: [2n, 0x80001n, 0n] })).toBe(
      'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3',
    );
    expect(line({ nr: 41, ret: 3n, args: [1n, 0x80801n, 0n] })).toBe(
      'socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3',
    );
    expect(line({ nr: 41, ret: 4n, args: [10n, 2n, 17n] })).toBe(
      'socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP) = 4',
    );
  });

  it('names the level and, per level, the option of setsockopt and getsockopt', () => {
    expect(line({ nr: 54, ret: 0n, args: [3n, 1n, 2n, 0x7ffen, 4n] })).toMatch(
      /^setsockopt\(3, SOL_SOCKET, SO_REUSEADDR, /,
    );
    expect(line({ nr: 55, ret: 0n, args: [4n, 1n, 4n, 0x7ffen, 0x7ff0n] })).toMatch(
      /^getsockopt\(4, SOL_SOCKET, SO_ERROR, /,
    );
    expect(line({ nr: 54, ret: 0n, args: [3n, 6n, 1n, 0x7ffen, 4n] })).toMatch(
      /^setsockopt\(3, SOL_TCP, TCP_NODELAY, /,
    );
    expect(line({ nr: 54, ret: 0n, args: [3n, 99n, 7n, 0x7ffen, 4n] })).toMatch(/^setsockopt\(3, 99, 7, /);
  });

  it('names accept4, epoll_create1 and eventfd2 flags as strace does', () => {
    expect(line({ nr: 288, ret: 5n, args: [3n, 0n, 0n, 0x80000n] })).toBe(
      'accept4(3, NULL, NULL, SOCK_CLOEXEC)    = 5',
    );
    expect(line({ nr: 291, ret: 3n, args: [0x80000n] })).toBe('epoll_create1(EPOLL_CLOEXEC)            = 3');
    expect(line({ nr: 290, ret: 3n, args: [0n, 0x80800n] })).toBe(
      'eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK)   = 3',
    );
  });
});

describe('strace golden lines: waiting', () => {
  it('notes a poll that timed out, and shows an empty array', () => {
    expect(line({ nr: 7, ret: 0n, args: [0x7f00n, 0n, 0n] })).toBe(
      'poll([], 0, 0)                          = 0 (Timeout)',
    );
    expect(line({ nr: 7, ret: 1n, args: [0x7f00n, 1n, 100n] })).toBe(
      'poll(0x7f00, 1, 100)                    = 1',
    );
  });

  it('shows the empty event array of an epoll_wait that returned none', () => {
    expect(line({ nr: 232, ret: 0n, args: [6n, 0x7f00n, 1023n, 0n] })).toBe(
      'epoll_wait(6, [], 1023, 0)              = 0',
    );
  });

  it('prints rt_sigreturn as the decimal value it restores', () => {
    expect(line({ nr: 15, ret: 23273n, args: [] })).toBe('rt_sigreturn()                          = 23273');
  });
});

describe('strace golden: -e trace=', () => {
  it('takes a class by its old name without %, as strace does', () => {
    const f = parseTraceExpr('trace=network,poll');
    expect(traces(f, 42)).toBe(true);
    expect(traces(f, 7)).toBe(true);
    expect(traces(f, 0)).toBe(false);
    expect(() => parseTraceExpr('trace=toString')).toThrow(/unknown syscall 'toString'/);
    expect(() => parseTraceExpr('trace=%constructor')).toThrow(/unknown syscall class/);
  });
});

const u64s = (...vs: bigint[]) => {
  const b = new Uint8Array(8 * vs.length);
  const v = new DataView(b.buffer);
  vs.forEach((x, i) => {
    v.setBigUint64(8 * i, BigInt.asUintN(64, x), true);
  });
  return b;
};
// glibc's mask while it forks: every signal but SIGRTMIN and SIGRT_1 (32 and 33).
const ALL_BUT_RT = ~(3n << 31n);

describe('strace golden lines: signals', () => {
  it('prints signal sets, as the complement when more than half are in them', () => {
    expect(line({ nr: 14, ret: 0n, args: [2n, 0x7f00n, 0n, 8n], data: u64s(ALL_BUT_RT) })).toBe(
      'rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], NULL, 8) = 0',
    );
    // The set it reads, then the old one it filled.
    const kill = 1n << 8n;
    const stop = 1n << 18n;
    expect(
      line({ nr: 14, ret: 0n, args: [2n, 0x7f00n, 0x7f08n, 8n], data: u64s(0n, ALL_BUT_RT & ~kill & ~stop) }),
    ).toBe('rt_sigprocmask(SIG_SETMASK, [], ~[KILL STOP RTMIN RT_1], 8) = 0');
    expect(line({ nr: 14, ret: 0n, args: [1n, 0x7f00n, 0n, 8n], data: u64s(1n << 12n) })).toBe(
      'rt_sigprocmask(SIG_UNBLOCK, [PIPE], NULL, 8) = 0',
    );
    expect(line({ nr: 14, ret: 0n, args: [0n, 0x7f00n, 0x7f08n, 8n], data: u64s(~0n, 1n << 9n) })).toBe(
      'rt_sigprocmask(SIG_BLOCK, ~[], [USR1], 8) = 0',
    );
  });

  it('prints the action rt_sigaction reads and the old one it fills', () => {
    const act = u64s(0x55d0n, 0x04000000n, 0x7f10n, ALL_BUT_RT);
    expect(line({ nr: 13, ret: 0n, args: [17n, 0x7f00n, 0n, 8n], data: act })).toBe(
      'rt_sigaction(SIGCHLD, {sa_handler=0x55d0, sa_mask=~[RTMIN RT_1], sa_flags=SA_RESTORER, sa_restorer=0x7f10}, NULL, 8) = 0',
    );
    const old = new Uint8Array(64);
    expect(line({ nr: 13, ret: 0n, args: [2n, 0n, 0x7f00n, 8n], data: old })).toBe(
      'rt_sigaction(SIGINT, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0',
    );
    const pipe = u64s(1n, 0x14000000n, 0x7f10n, 1n << 12n, 0n, 0n, 0n, 0n);
    expect(line({ nr: 13, ret: 0n, args: [13n, 0x7f00n, 0x7f40n, 8n], data: pipe })).toBe(
      'rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[PIPE], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f10}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0',
    );
    const onstack = u64s(0x55d0n, 0x1c000004n, 0x7f10n, 0n);
    expect(line({ nr: 13, ret: 0n, args: [33n, 0x7f00n, 0n, 8n], data: onstack })).toBe(
      'rt_sigaction(SIGRT_1, {sa_handler=0x55d0, sa_mask=[], sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f10}, NULL, 8) = 0',
    );
    // Copied nothing (a fault): the pointers, never stale bytes.
    expect(line({ nr: 13, ret: 0n, args: [2n, 0x7f00n, 0x7f40n, 8n] })).toBe(
      'rt_sigaction(SIGINT, 0x7f00, 0x7f40, 8) = 0',
    );
  });

  it('prints the timespec clock_nanosleep and nanosleep read', () => {
    expect(line({ nr: 230, ret: 0n, args: [0n, 0n, 0x7f00n, 0x7f10n], data: u64s(0n, 100000000n) })).toBe(
      'clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=100000000}, 0x7f10) = 0',
    );
    expect(line({ nr: 230, ret: 0n, args: [1n, 1n, 0x7f00n, 0n], data: u64s(5n, 0n) })).toBe(
      'clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=5, tv_nsec=0}, NULL) = 0',
    );
    expect(line({ nr: 35, ret: 0n, args: [0x7f00n, 0n], data: u64s(1n, 5n) })).toBe(
      'nanosleep({tv_sec=1, tv_nsec=5}, NULL)  = 0',
    );
  });
});

const sockaddrIn = (port: number, ip: number[]) => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, 2, true);
  v.setUint16(2, port, false);
  b.set(ip, 4);
  return b;
};

describe('strace golden lines: socket addresses', () => {
  it('prints AF_INET, AF_INET6, AF_UNIX and AF_NETLINK addresses as strace does', () => {
    expect(line({ nr: 42, ret: 0n, args: [4n, 0x7f00n, 16n], data: sockaddrIn(40937, [127, 0, 0, 1]) })).toBe(
      'connect(4, {sa_family=AF_INET, sin_port=htons(40937), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    );
    expect(line({ nr: 49, ret: 0n, args: [3n, 0x7f00n, 16n], data: sockaddrIn(0, [127, 0, 0, 1]) })).toBe(
      'bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    );
    const un = new Uint8Array(110);
    un[0] = 1;
    un.set(new TextEncoder().encode('/var/run/nscd/socket'), 2);
    expect(line({ nr: 42, ret: -2n, args: [3n, 0x7f00n, 110n], data: un })).toBe(
      'connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)',
    );
    const in6 = new Uint8Array(28);
    const v6 = new DataView(in6.buffer);
    v6.setUint16(0, 10, true);
    v6.setUint16(2, 80, false);
    in6[23] = 1;
    expect(line({ nr: 42, ret: 0n, args: [3n, 0x7f00n, 28n], data: in6 })).toBe(
      'connect(3, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
    );
    const nl = new Uint8Array(12);
    nl[0] = 16;
    expect(line({ nr: 49, ret: 0n, args: [3n, 0x7f00n, 12n], data: nl })).toBe(
      'bind(3, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0',
    );
    // Not copied (a fault): the pointer.
    expect(line({ nr: 42, ret: 0n, args: [3n, 0x7f00n, 16n] })).toBe(
      'connect(3, 0x7f00, 16)                  = 0',
    );
  });
});

describe('strace golden lines: two strings', () => {
  it('prints both paths of rename, link and symlink, and getxattr name', () => {
    expect(
      line({
        nr: 316,
        ret: 0n,
        args: [AT_FDCWD, 0x10n, AT_FDCWD, 0x20n, 1n],
        data: '/tmp/sq/a\0/tmp/sq/b\0',
      }),
    ).toBe('renameat2(AT_FDCWD, "/tmp/sq/a", AT_FDCWD, "/tmp/sq/b", RENAME_NOREPLACE) = 0');
    expect(line({ nr: 266, ret: 0n, args: [0x10n, AT_FDCWD, 0x20n], data: 'xyz\0/tmp/sq/l\0' })).toBe(
      'symlinkat("xyz", AT_FDCWD, "/tmp/sq/l") = 0',
    );
    expect(
      line({ nr: 192, ret: -61n, args: [0x10n, 0x20n, 0x30n, 255n], data: '/etc\0security.selinux\0' }),
    ).toBe('lgetxattr("/etc", "security.selinux", 0x30, 255) = -1 ENODATA (No data available)');
    expect(
      line({ nr: 191, ret: -61n, args: [0x10n, 0x20n, 0n, 0n], data: '/etc\0system.posix_acl_access\0' }),
    ).toBe('getxattr("/etc", "system.posix_acl_access", NULL, 0) = -1 ENODATA (No data available)');
    // Only the first string was read: the second is its pointer.
    expect(line({ nr: 82, ret: 0n, args: [0x10n, 0x20n], data: 'a\0' })).toBe(
      'rename("a", 0x20)                       = 0',
    );
  });
});

describe('strace golden lines: execve', () => {
  it('cuts each argument at -s, as strace does', () => {
    const exec = rec({ tgid: 1, nr: 59, ret: 0n, args: [0x10n, 0x20n, 0x30n], data: '/usr/bin/sh\0' });
    const argv = ['sh', '-c', 'mv /tmp/sq/a /tmp/sq/b; ln -s xyz /tmp/sq/l'];
    expect(formatSyscall(exec, { execArgs: { argv, envCount: 35 } })).toBe(
      'execve("/usr/bin/sh", ["sh", "-c", "mv /tmp/sq/a /tmp/sq/b; ln -s xy"...], 0x30 /* 35 vars */) = 0',
    );
  });
});

describe('strace golden lines: syscalls bpfkit does not decode', () => {
  it('prints as many arguments as the call has, when the kernel says', () => {
    setSyscallArgSource((nr) => (nr === 190 + 1000 ? ['ptr', 'ptr', 'ptr', 'uint'] : undefined));
    try {
      expect(line({ nr: 1190, ret: -38n, args: [0x10n, 0n, 0x30n, 255n] })).toBe(
        'syscall_0x4a6(0x10, NULL, 0x30, 255)    = -1 ENOSYS (Function not implemented)',
      );
    } finally {
      setSyscallArgSource(() => undefined);
    }
  });
});

describe('strace golden lines: paths a call fills', () => {
  it('prints the directory getcwd filled, and the pointer when it failed', () => {
    expect(line({ nr: 79, ret: 8n, args: [0x7f00n, 129n], data: '/tmp/sq\0' })).toBe(
      'getcwd("/tmp/sq", 129)                  = 8',
    );
    expect(line({ nr: 79, ret: -34n, args: [0x7f00n, 2n] })).toBe(
      'getcwd(0x7f00, 2)                       = -1 ERANGE (Numerical result out of range)',
    );
  });
});

describe('strace golden lines: execve argv read by the kernel', () => {
  it('reads the argv record and prints it cut at -s, with ... after the last argument read', () => {
    const data = new Uint8Array([
      ...[34, 0, 0, 0, 1, 0, 0, 0],
      ...new TextEncoder().encode(`ls\0${'x'.repeat(33)}\0`),
    ]);
    const args = execArgsOf(data);
    expect(args?.envCount).toBe(34);
    const exec = rec({ tgid: 1, nr: 59, ret: 0n, args: [0x10n, 0x20n, 0x30n], data: '/usr/bin/ls\0' });
    expect(formatSyscall(exec, { execArgs: args })).toBe(
      `execve("/usr/bin/ls", ["ls", "${'x'.repeat(32)}"..., ...], 0x30 /* 34 vars */) = 0`,
    );
    const noEnv = rec({ tgid: 1, nr: 59, ret: -14n, args: [0x10n, 0x20n, 0n], data: '/bin/x\0' });
    expect(formatSyscall(noEnv, { execArgs: { argv: ['x'], envCount: 0 } })).toBe(
      'execve("/bin/x", ["x"], NULL)           = -1 EFAULT (Bad address)',
    );
    expect(execArgsOf(new Uint8Array(3))).toBeUndefined();
  });
});

describe('strace golden lines: calls split by other processes', () => {
  it('prints execve whole before <unfinished ...> and nothing but the result after resumed', () => {
    const exec = rec({ tgid: 7, nr: 59, ret: 0n, args: [0x10n, 0x20n, 0x30n], data: '/usr/bin/cat\0' });
    const execArgs = { argv: ['cat', '/tmp/x'], envCount: 35 };
    expect(formatUnfinished(exec, { pidPrefix: true, execArgs })).toBe(
      '[pid     7] execve("/usr/bin/cat", ["cat", "/tmp/x"], 0x30 /* 35 vars */ <unfinished ...>',
    );
    expect(formatResumed(exec, { pidPrefix: true, execArgs })).toBe(
      '[pid     7] <... execve resumed>)       = 0',
    );
    const vfork = rec({ tgid: 6, nr: 58, ret: 7n, args: [] });
    expect(formatUnfinished(vfork)).toBe('vfork( <unfinished ...>');
    expect(formatResumed(vfork, { pidPrefix: true })).toBe('[pid     6] <... vfork resumed>)        = 7');
  });
});

const siginfoBytes = (fields: [at: number, value: number | bigint][]) => {
  const b = new Uint8Array(48);
  const v = new DataView(b.buffer);
  for (const [at, value] of fields) {
    if (typeof value === 'bigint') v.setBigInt64(at, value, true);
    else v.setInt32(at, value, true);
  }
  return b;
};

describe('strace golden lines: delivered signals', () => {
  it('prints siginfo as strace does for SIGCHLD, kill(2) and faults', () => {
    expect(
      signalLine(
        17,
        siginfoBytes([
          [0, 17],
          [8, 1],
          [16, 12184],
          [20, 0],
          [24, 0],
        ]),
      ),
    ).toBe(
      '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=12184, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
    );
    expect(
      signalLine(
        17,
        siginfoBytes([
          [0, 17],
          [8, 2],
          [16, 5],
          [24, 9],
          [32, 3n],
        ]),
      ),
    ).toBe(
      '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=5, si_uid=0, si_status=SIGKILL, si_utime=3, si_stime=0} ---',
    );
    expect(
      signalLine(
        15,
        siginfoBytes([
          [0, 15],
          [8, 0],
          [16, 12183],
          [20, 0],
        ]),
      ),
    ).toBe('--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=12183, si_uid=0} ---');
    expect(
      signalLine(
        10,
        siginfoBytes([
          [0, 10],
          [8, -6],
          [16, 7],
          [20, 1000],
        ]),
      ),
    ).toBe('--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=7, si_uid=1000} ---');
    expect(
      signalLine(
        11,
        siginfoBytes([
          [0, 11],
          [8, 1],
          [16, 0x10n],
        ]),
      ),
    ).toBe('--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---');
    expect(siginfoSigno(new Uint8Array(48))).toBe(0);
  });
});

describe('strace golden lines: wait4', () => {
  it('prints the status wait4 filled, and its pointer when it filled none', () => {
    const four = (n: number) => new Uint8Array(new Int32Array([n]).buffer);
    expect(
      line({ nr: 61, ret: 13225n, args: [BigInt.asUintN(64, -1n), 0x7f00n, 0n, 0n], data: four(0) }),
    ).toBe('wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 13225');
    expect(line({ nr: 61, ret: 5n, args: [5n, 0x7f00n, 0n, 0n], data: four(0x300) })).toBe(
      'wait4(5, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 5',
    );
    expect(line({ nr: 61, ret: 5n, args: [5n, 0x7f00n, 0n, 0n], data: four(0x8b) })).toBe(
      'wait4(5, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 5',
    );
    expect(line({ nr: 61, ret: 5n, args: [5n, 0x7f00n, 2n, 0n], data: four(0x137f) })).toBe(
      'wait4(5, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WUNTRACED, NULL) = 5',
    );
    expect(line({ nr: 61, ret: -10n, args: [BigInt.asUintN(64, -1n), 0x7f00n, 1n, 0n] })).toBe(
      'wait4(-1, 0x7f00, WNOHANG, NULL)        = -1 ECHILD (No child processes)',
    );
    const split = rec({
      tgid: 1,
      nr: 61,
      ret: 7n,
      args: [BigInt.asUintN(64, -1n), 0x7f00n, 0n, 0n],
      data: four(0),
    });
    expect(formatUnfinished(split)).toBe('wait4(-1,  <unfinished ...>');
  });
});

describe('strace golden lines: fcntl', () => {
  it('prints the third argument as the command reads it, and notes F_GETFD/F_GETFL results', () => {
    expect(line({ nr: 72, ret: 11n, args: [1n, 0n, 10n] })).toBe(
      'fcntl(1, F_DUPFD, 10)                   = 11',
    );
    expect(line({ nr: 72, ret: 0n, args: [11n, 2n, 1n] })).toBe(
      'fcntl(11, F_SETFD, FD_CLOEXEC)          = 0',
    );
    expect(line({ nr: 72, ret: 0n, args: [3n, 4n, 0o4000n] })).toBe(
      'fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK)  = 0',
    );
    expect(line({ nr: 72, ret: 1n, args: [3n, 1n, 0x7ffen] })).toBe(
      'fcntl(3, F_GETFD)                       = 0x1 (flags FD_CLOEXEC)',
    );
    expect(line({ nr: 72, ret: 0n, args: [2n, 1n, 0n] })).toBe('fcntl(2, F_GETFD)                       = 0');
    expect(line({ nr: 72, ret: 0x8002n, args: [3n, 3n, 0n] })).toBe(
      'fcntl(3, F_GETFL)                       = 0x8002 (flags O_RDWR|O_LARGEFILE)',
    );
    expect(line({ nr: 72, ret: 20n, args: [3n, 1030n, 20n] })).toBe(
      'fcntl(3, F_DUPFD_CLOEXEC, 20)           = 20',
    );
    expect(line({ nr: 72, ret: -9n, args: [99n, 1n, 0n] })).toBe(
      'fcntl(99, F_GETFD)                      = -1 EBADF (Bad file descriptor)',
    );
  });
});

describe('strace golden lines: rt_sigreturn and setsockopt', () => {
  it('prints the mask rt_sigreturn restores, and nothing when the frame was not read', () => {
    expect(line({ nr: 15, ret: 15987n, args: [0n], data: u64s(0n) })).toBe(
      'rt_sigreturn({mask=[]})                 = 15987',
    );
    expect(line({ nr: 15, ret: 0n, args: [0x55n], data: u64s(1n << 9n) })).toBe(
      'rt_sigreturn({mask=[USR1]})             = 0',
    );
    expect(line({ nr: 15, ret: 0n, args: [0x55n] })).toBe('rt_sigreturn()                          = 0');
  });

  it('prints an int option value in brackets, other values as bytes', () => {
    const one = new Uint8Array(new Int32Array([1]).buffer);
    expect(line({ nr: 54, ret: 0n, args: [3n, 1n, 2n, 0x7f00n, 4n], data: one })).toBe(
      'setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0',
    );
    expect(
      line({ nr: 54, ret: 0n, args: [3n, 6n, 13n, 0x7f00n, 5n], data: new TextEncoder().encode('cubic') }),
    ).toBe('setsockopt(3, SOL_TCP, TCP_CONGESTION, "cubic", 5) = 0');
    expect(line({ nr: 54, ret: -14n, args: [3n, 1n, 2n, 0x7f00n, 4n] })).toBe(
      'setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 0x7f00, 4) = -1 EFAULT (Bad address)',
    );
  });
});

/** filled builds an AddrOut record's data: the length offered, the length used, the bytes. */
const filled = (offered: number, used: number | undefined, bytes = new Uint8Array()) => {
  const b = new Uint8Array(used === undefined ? 4 : 8 + bytes.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, offered, true);
  if (used !== undefined) {
    v.setUint32(4, used, true);
    b.set(bytes, 8);
  }
  return b;
};

describe('strace golden lines: addresses and options a call fills', () => {
  it('prints the address and the length getsockname, accept4 and getpeername used', () => {
    const addr = sockaddrIn(43071, [127, 0, 0, 1]);
    expect(line({ nr: 51, ret: 0n, args: [3n, 0x7f00n, 0x7f80n], data: filled(16, 16, addr) })).toBe(
      'getsockname(3, {sa_family=AF_INET, sin_port=htons(43071), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0',
    );
    expect(line({ nr: 51, ret: 0n, args: [5n, 0x7f00n, 0x7f80n], data: filled(128, 16, addr) })).toBe(
      'getsockname(5, {sa_family=AF_INET, sin_port=htons(43071), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0',
    );
    expect(
      line({ nr: 288, ret: 5n, args: [3n, 0x7f00n, 0x7f80n, 0x80000n], data: filled(16, 16, addr) }),
    ).toBe(
      'accept4(3, {sa_family=AF_INET, sin_port=htons(43071), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 5',
    );
    expect(line({ nr: 52, ret: -107n, args: [3n, 0x7f00n, 0x7f80n], data: filled(16, undefined) })).toBe(
      'getpeername(3, 0x7f00, [16])            = -1 ENOTCONN (Transport endpoint is not connected)',
    );
    expect(line({ nr: 288, ret: 5n, args: [3n, 0n, 0n, 0n] })).toBe(
      'accept4(3, NULL, NULL, 0)               = 5',
    );
  });

  it('prints the value and length getsockopt filled', () => {
    expect(
      line({ nr: 55, ret: 0n, args: [4n, 1n, 4n, 0x7f00n, 0x7f80n], data: filled(4, 4, new Uint8Array(4)) }),
    ).toBe('getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
  });
});

describe('strace: arguments of syscalls bpfkit does not decode', () => {
  it('reads pointers, modes and clocks from the tracepoint field types', () => {
    expect(argKindOfField('cap_user_header_t', 8, false)).toBe('ptr');
    expect(argKindOfField('const char *', 8, false)).toBe('ptr');
    expect(argKindOfField('umode_t', 2, false)).toBe('mode');
    expect(argKindOfField('const clockid_t', 4, true)).toBe('clock_id');
    expect(argKindOfField('size_t', 8, false)).toBe('uint');
    expect(argKindOfField('pid_t', 4, true)).toBe('int');
    expect(argKindOfField('loff_t', 8, true)).toBe('off');
  });
});

describe('strace golden lines: uname and epoll_ctl', () => {
  it('prints the names uname filled and the event epoll_ctl read', () => {
    const uts = new Uint8Array(130);
    uts.set(new TextEncoder().encode('Linux'), 0);
    uts.set(new TextEncoder().encode('box'), 65);
    expect(line({ nr: 63, ret: 0n, args: [0x7f00n], data: uts })).toBe(
      'uname({sysname="Linux", nodename="box", ...}) = 0',
    );
    const ev = new Uint8Array(12);
    const v = new DataView(ev.buffer);
    v.setUint32(0, 0x80000001, true);
    v.setBigUint64(4, 5n, true);
    expect(line({ nr: 233, ret: 0n, args: [6n, 1n, 5n, 0x7f00n], data: ev })).toBe(
      'epoll_ctl(6, EPOLL_CTL_ADD, 5, {events=EPOLLIN|EPOLLET, data={u32=5, u64=5}}) = 0',
    );
    expect(line({ nr: 233, ret: 0n, args: [6n, 2n, 5n, 0n] })).toBe(
      'epoll_ctl(6, EPOLL_CTL_DEL, 5, NULL)    = 0',
    );
  });
});

describe('strace -e status=', () => {
  it('parses failed, successful and all, and rejects the rest with a position', () => {
    expect(parseStatusExpr('status=failed')).toBe('failed');
    expect(parseStatusExpr('status=successful')).toBe('successful');
    expect(parseStatusExpr('status=all')).toBeUndefined();
    expect(() => parseStatusExpr('status=maybe')).toThrow(/unknown status 'maybe'/);
  });
});

describe('strace golden lines: readlink', () => {
  it('prints the path and the target it wrote, cut at -s', () => {
    expect(
      line({ nr: 89, ret: 21n, args: [0x10n, 0x20n, 22n], data: '/etc/os-release\0../usr/lib/os-release' }),
    ).toBe('readlink("/etc/os-release", "../usr/lib/os-release", 22) = 21');
    expect(line({ nr: 89, ret: 40n, args: [0x10n, 0x20n, 64n], data: `/l\0${'t'.repeat(32)}` })).toBe(
      `readlink("/l", "${'t'.repeat(32)}"..., 64) = 40`,
    );
    expect(line({ nr: 89, ret: -22n, args: [0x10n, 0x20n, 64n], data: '/etc/passwd\0' })).toBe(
      'readlink("/etc/passwd", 0x20, 64)       = -1 EINVAL (Invalid argument)',
    );
  });
});

describe('strace golden lines: poll', () => {
  const pollfds = (...fds: [fd: number, events: number, revents: number][]) => {
    const b = new Uint8Array(16 * fds.length);
    const v = new DataView(b.buffer);
    fds.forEach(([fd, events], k) => {
      v.setInt32(8 * k, fd, true);
      v.setUint16(8 * k + 4, events, true);
    });
    fds.forEach(([fd, events, revents], k) => {
      const at = 8 * fds.length + 8 * k;
      v.setInt32(at, fd, true);
      v.setUint16(at + 4, events, true);
      v.setUint16(at + 6, revents, true);
    });
    return b;
  };

  it('prints the array poll read and notes the revents it returned', () => {
    expect(line({ nr: 7, ret: 2n, args: [0x7f00n, 2n, 0n], data: pollfds([3, 1, 1], [4, 4, 4]) })).toBe(
      'poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, 0) = 2 ([{fd=3, revents=POLLIN}, {fd=4, revents=POLLOUT}])',
    );
    const once = pollfds([3, 3, 0]).subarray(0, 8);
    expect(line({ nr: 7, ret: 0n, args: [0x7f00n, 1n, 0n], data: once })).toBe(
      'poll([{fd=3, events=POLLIN|POLLPRI}], 1, 0) = 0 (Timeout)',
    );
    expect(line({ nr: 7, ret: 1n, args: [0x7f00n, 2n, 100n], data: pollfds([3, 1, 0], [5, 1, 0x10]) })).toBe(
      'poll([{fd=3, events=POLLIN}, {fd=5, events=POLLIN}], 2, 100) = 1 ([{fd=5, revents=POLLHUP}])',
    );
    expect(line({ nr: 7, ret: -14n, args: [0x7f00n, 1n, 0n] })).toBe(
      'poll(0x7f00, 1, 0)                      = -1 EFAULT (Bad address)',
    );
  });
});

describe('strace golden lines: clone3', () => {
  it('prints the clone_args it read, the tid it wrote back, and splits as strace does', () => {
    const args = u64s(0x3d0f00n, 0n, 0x7f90n, 0x7f90n, 0n, 0x7000n, 0x7ffe80n, 0x76c0n);
    const flags =
      'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';
    const struct = `{flags=${flags}, child_tid=0x7f90, parent_tid=0x7f90, exit_signal=0, stack=0x7000, stack_size=0x7ffe80, tls=0x76c0}`;
    const clone = rec({ tgid: 1, nr: 435, ret: 20930n, args: [0x10n, 88n], data: args });
    expect(formatSyscall(clone)).toBe(`clone3(${struct} => {parent_tid=[20930]}, 88) = 20930`);
    expect(formatUnfinished(clone)).toBe(`clone3(${struct} <unfinished ...>`);
    expect(formatResumed(clone)).toBe('<... clone3 resumed> => {parent_tid=[20930]}, 88) = 20930');
    const fork = rec({
      tgid: 1,
      nr: 435,
      ret: 7n,
      args: [0x10n, 88n],
      data: u64s(0n, 0n, 0n, 0n, 17n, 0n, 0n, 0n),
    });
    expect(formatSyscall(fork)).toBe('clone3({flags=0, exit_signal=SIGCHLD, stack=0, stack_size=0}, 88) = 7');
  });
});

describe('strace golden lines: pipe2', () => {
  it('prints pipe2 flags in open(2) order, as node start-up shows under strace', () => {
    const fds = new Uint8Array(new Int32Array([11, 12]).buffer);
    expect(line({ nr: 293, ret: 0n, args: [0x7f00n, 0o2004000n], data: fds })).toBe(
      'pipe2([11, 12], O_NONBLOCK|O_CLOEXEC)   = 0',
    );
  });
});

describe('strace golden lines: send and receive flags', () => {
  it('names MSG_ flags', () => {
    expect(line({ nr: 44, ret: 5n, args: [4n, 0x10n, 5n, 0x4000n, 0n, 0n], data: 'hello' })).toBe(
      'sendto(4, "hello", 5, MSG_NOSIGNAL, NULL, 0) = 5',
    );
    expect(line({ nr: 45, ret: -11n, args: [5n, 0x10n, 100n, 0x40n, 0n, 0n] })).toBe(
      'recvfrom(5, 0x10, 100, MSG_DONTWAIT, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)',
    );
  });
});

describe('strace golden lines: ioctl', () => {
  it('prints the int FIONBIO reads, and other arguments as before', () => {
    const one = new Uint8Array(new Int32Array([1]).buffer);
    expect(line({ nr: 16, ret: 0n, args: [3n, 0x5421n, 0x7f00n], data: one })).toBe(
      'ioctl(3, FIONBIO, [1])                  = 0',
    );
    expect(line({ nr: 16, ret: -25n, args: [3n, 0x5401n, 0x7f00n], data: one })).toBe(
      'ioctl(3, TCGETS, 0x7f00)                = -1 ENOTTY (Inappropriate ioctl for device)',
    );
    expect(line({ nr: 16, ret: 0n, args: [0n, 0x540en, 0n] })).toBe(
      'ioctl(0, 0x540e, 0)                     = 0',
    );
  });
});

describe('strace golden lines: terminal ioctls', () => {
  const words = (...w: number[]) => new Uint8Array(new Uint32Array(w).buffer);
  // A pty's defaults, as `stty sane` leaves them (octal, from asm-generic/termbits.h).
  const sane = words(0o2400, 0o5, 0o277, 0o105073);
  const cooked =
    '{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, ' +
    'c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}';
  it('prints the termios TCGETS filled, from the copy made at exit', () => {
    const data = new Uint8Array(32);
    data.set(sane, 16);
    expect(line({ nr: 16, ret: 0n, args: [4n, 0x5401n, 0x7f00n], data })).toBe(
      `ioctl(4, TCGETS, ${cooked}) = 0`,
    );
  });
  it("prints the termios TCSETS* read, under strace's shared request names", () => {
    expect(line({ nr: 16, ret: 0n, args: [4n, 0x5402n, 0x7f00n], data: sane })).toBe(
      `ioctl(4, SNDCTL_TMR_START or TCSETS, ${cooked}) = 0`,
    );
    const raw = words(0, 0o4, 0o10000277 | (0o17 << 16), 0);
    expect(line({ nr: 16, ret: 0n, args: [0n, 0x5404n, 0x7f00n], data: raw })).toBe(
      'ioctl(0, SNDCTL_TMR_CONTINUE or TCSETSF, {c_iflag=0, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|ONLCR, ' +
        'c_cflag=B38400|B38400<<IBSHIFT|CS8|CREAD|0x200000, c_lflag=0, ...}) = 0',
    );
  });
  it('prints the winsize TIOCGWINSZ filled, and a pointer when it failed', () => {
    const data = new Uint8Array(24);
    data.set(new Uint8Array(new Uint16Array([24, 80, 0, 0]).buffer), 16);
    expect(line({ nr: 16, ret: 0n, args: [1n, 0x5413n, 0x7f00n], data })).toBe(
      'ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0',
    );
    expect(line({ nr: 16, ret: -25n, args: [1n, 0x5413n, 0x7f00n], data: data.subarray(0, 16) })).toBe(
      'ioctl(1, TIOCGWINSZ, 0x7f00)            = -1 ENOTTY (Inappropriate ioctl for device)',
    );
  });
});

describe('strace golden lines: resource limits', () => {
  const lim = (cur: bigint, max: bigint) => new Uint8Array(new BigUint64Array([cur, max]).buffer);
  it('prints the new limit prlimit64 reads and the old one it fills', () => {
    expect(line({ nr: 302, ret: 0n, args: [0n, 7n, 0x7f00n, 0n], data: lim(1024n, 4096n) })).toBe(
      'prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}, NULL) = 0',
    );
    const both = new Uint8Array(32);
    both.set(lim(1024n, 4096n));
    both.set(lim(8n * 1024n * 1024n, 2n ** 64n - 1n), 16);
    expect(line({ nr: 302, ret: 0n, args: [0n, 3n, 0x7f00n, 0x7f10n], data: both })).toBe(
      'prlimit64(0, RLIMIT_STACK, {rlim_cur=1024, rlim_max=4*1024}, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0',
    );
    expect(line({ nr: 302, ret: 0n, args: [0n, 7n, 0n, 0x7f10n], data: both })).toBe(
      'prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0',
    );
  });
  it("prints setrlimit's and getrlimit's struct", () => {
    expect(line({ nr: 160, ret: 0n, args: [4n, 0x7f00n], data: lim(0n, 0n) })).toBe(
      'setrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=0}) = 0',
    );
    expect(line({ nr: 97, ret: 0n, args: [7n, 0x7f00n], data: lim(1024n, 4096n) })).toBe(
      'getrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}) = 0',
    );
  });
});

describe('strace golden lines: a fatal signal', () => {
  it('reads a signal-sent record and prints the line strace shows before +++ killed by', () => {
    // struct kernel_siginfo: si_signo, si_errno, si_code, then (after padding) si_pid and si_uid.
    const info = new Uint8Array(48);
    new DataView(info.buffer).setInt32(0, 15, true);
    new DataView(info.buffer).setInt32(16, 4242, true);
    const view = encodeRecord({ tgid: 4242, nr: 15, ret: 0n, data: info });
    view.setBigInt64(8, -4n, true);
    const rec = new SyscallRecord(view);
    expect(rec.isMarked && rec.isSignalSent && !rec.isSignal && !rec.isEntry).toBe(true);
    expect(signalLine(rec.nr, rec.data)).toBe(
      '--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=4242, si_uid=0} ---',
    );
  });
});

describe('strace golden lines: select', () => {
  // The kernel program's layout: readfds, writefds, exceptfds, timeout (16 bytes each), at entry and
  // again at exit.
  const room = (sets: number[], sec: bigint, frac: bigint) => {
    const b = new Uint8Array(64);
    const v = new DataView(b.buffer);
    for (const [k, bits] of sets.entries()) v.setUint32(16 * k, bits, true);
    v.setBigInt64(48, sec, true);
    v.setBigInt64(56, frac, true);
    return b;
  };
  const both = (a: Uint8Array, b: Uint8Array) => {
    const out = new Uint8Array(128);
    out.set(a);
    out.set(b, 64);
    return out;
  };
  it('prints the sets and timeout select read, and what it left in them', () => {
    const data = both(room([0b1000, 0, 0], 1n, 0n), room([0b1000, 0, 0], 0n, 999998n));
    expect(line({ nr: 23, ret: 1n, args: [4n, 0x10n, 0n, 0n, 0x40n], data })).toBe(
      'select(4, [3], NULL, NULL, {tv_sec=1, tv_usec=0}) = 1 (in [3], left {tv_sec=0, tv_usec=999998})',
    );
    const two = both(room([0b11000, 0b10000, 0], 0n, 0n), room([0b1000, 0b10000, 0], 0n, 0n));
    expect(line({ nr: 270, ret: 2n, args: [5n, 0x10n, 0x20n, 0n, 0x40n, 0n], data: two })).toBe(
      'pselect6(5, [3 4], [4], NULL, {tv_sec=0, tv_nsec=0}, NULL) = 2 (in [3], out [4], left {tv_sec=0, tv_nsec=0})',
    );
  });
  it('notes a timeout, and prints pointers when nothing was copied', () => {
    const data = room([0, 0, 0], 0n, 10000000n);
    expect(line({ nr: 270, ret: 0n, args: [0n, 0n, 0n, 0n, 0x40n, 0n], data })).toBe(
      'pselect6(0, NULL, NULL, NULL, {tv_sec=0, tv_nsec=10000000}, NULL) = 0 (Timeout)',
    );
    expect(line({ nr: 23, ret: -4n, args: [4n, 0x10n, 0n, 0n, 0n] })).toBe(
      'select(4, 0x10, NULL, NULL, NULL)       = -1 EINTR (Interrupted system call)',
    );
  });
});

describe('strace golden: -e trace= classes', () => {
  it('puts fadvise64 in %desc as strace does, and leaves out members the table lacks', () => {
    const desc = parseTraceExpr('trace=%desc');
    expect(traces(desc, 221)).toBe(true);
    const byName = new Map([['memfd_create', 319]]);
    expect(
      traces(
        parseTraceExpr('%desc', (n) => byName.get(n)),
        319,
      ),
    ).toBe(true);
    expect(() => parseTraceExpr('trace=memfd_create')).toThrow(/unknown syscall 'memfd_create'/);
  });
});
