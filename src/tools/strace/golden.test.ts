// Lines strace 6 printed for real programs (ls, python sockets, sh -c, sleep), with bpfkit's
// rendering of the same call: each expectation is strace's text, addresses and all.
import { describe, expect, it } from 'vitest';
import { parseTraceExpr, traces } from './filter.js';
import { formatSyscall } from './format.js';
import { encodeRecord, SyscallRecord } from './record.js';

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
