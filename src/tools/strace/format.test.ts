import { describe, expect, it } from 'vitest';
import { BpfkitError } from '../../errors/index.js';
import { decodeScalar, openFlags } from './decoders.js';
import { parseTraceExpr, traces } from './filter.js';
import { formatReturn, formatSyscall } from './format.js';
import { quote } from './quote.js';
import { encodeRecord, SyscallRecord } from './record.js';
import { formatSummary } from './summary.js';
import { SYSCALLS } from './syscalls.js';

const AT_FDCWD = BigInt.asUintN(64, -100n);
const rec = (f: Parameters<typeof encodeRecord>[0]) => new SyscallRecord(encodeRecord(f));
const enc = (s: string) => new TextEncoder().encode(s);
/** at40 is strace's alignment: the call and a space, padded to column 40, then `= ret`. */
const at40 = (call: string, ret: string) => `${`${call} `.padEnd(40)}= ${ret}`;

describe('strace line format', () => {
  it('prints openat with AT_FDCWD, the path and the flags, aligned at column 40', () => {
    const line = formatSyscall(
      rec({ tgid: 1, nr: 257, ret: 3n, args: [AT_FDCWD, 0x1000n, 0o2000000n, 0n], data: '/etc/hostname\0' }),
    );
    expect(line).toBe('openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3');
  });

  it('prints the mode only when O_CREAT is set', () => {
    const line = formatSyscall(
      rec({ tgid: 1, nr: 257, ret: 4n, args: [AT_FDCWD, 1n, 0o1101n, 0o644n], data: '/tmp/x\0' }),
    );
    expect(line).toBe('openat(AT_FDCWD, "/tmp/x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4');
  });

  it('prints an error with its errno name and text', () => {
    const line = formatSyscall(
      rec({ tgid: 1, nr: 257, ret: -2n, args: [AT_FDCWD, 1n, 0n], data: '/nope\0' }),
    );
    expect(line).toBe(at40('openat(AT_FDCWD, "/nope", O_RDONLY)', '-1 ENOENT (No such file or directory)'));
  });

  it('pads short calls to column 40 like strace', () => {
    expect(formatSyscall(rec({ tgid: 1, nr: 3, ret: 0n, args: [3n] }))).toBe(`close(3)${' '.repeat(32)}= 0`);
  });

  it('prints read data captured at exit, truncated to 32 bytes with ...', () => {
    expect(
      formatSyscall(rec({ tgid: 1, nr: 0, ret: 12n, args: [3n, 0x10n, 4096n], data: 'hello world\n' })),
    ).toBe('read(3, "hello world\\n", 4096)          = 12');
    const long = 'a'.repeat(32);
    expect(formatSyscall(rec({ tgid: 1, nr: 0, ret: 100n, args: [3n, 0x10n, 4096n], data: long }))).toBe(
      `read(3, "${long}"..., 4096) = 100`,
    );
  });

  it('prints a failed read buffer as a pointer', () => {
    expect(formatSyscall(rec({ tgid: 1, nr: 0, ret: -9n, args: [99n, 0x7ffen, 1n] }))).toBe(
      'read(99, 0x7ffe, 1)                     = -1 EBADF (Bad file descriptor)',
    );
  });

  it('prints write data and NUL bytes like dd produces', () => {
    expect(
      formatSyscall(rec({ tgid: 1, nr: 1, ret: 1n, args: [1n, 0x10n, 1n], data: new Uint8Array([0]) })),
    ).toBe('write(1, "\\0", 1)                       = 1');
  });

  it('prints mmap with NULL, PROT and MAP flags and a hex result', () => {
    const line = formatSyscall(
      rec({
        tgid: 1,
        nr: 9,
        ret: 0x7f0000000000n,
        args: [0n, 8192n, 3n, 0x22n, BigInt.asUintN(64, -1n), 0n],
      }),
    );
    expect(line).toBe(
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000',
    );
  });

  it('prints exit_group with = ?, the pid prefix, and -T durations', () => {
    expect(formatSyscall(rec({ tgid: 7, nr: 231, ret: 0n, args: [0n] }))).toBe(
      `exit_group(0)${' '.repeat(27)}= ?`,
    );
    expect(
      formatSyscall(rec({ tgid: 7, tid: 42, nr: 39, ret: 7n, durNs: 1500 }), {
        pidPrefix: true,
        showTime: true,
      }),
    ).toBe(`[pid    42] getpid()${' '.repeat(20)}= 7 <0.000002>`);
  });

  it('prints execve with a known argv, and futex with the arguments of its operation', () => {
    const r = rec({ tgid: 1, nr: 59, ret: 0n, args: [0x10n, 0x20n, 0x7ffen], data: '/bin/ls\0' });
    expect(formatSyscall(r, { execArgs: { argv: ['ls', '-l'], envCount: 3 } })).toBe(
      'execve("/bin/ls", ["ls", "-l"], 0x7ffe /* 3 vars */) = 0',
    );
    expect(formatSyscall(rec({ tgid: 1, nr: 202, ret: 1n, args: [0x1000n, 129n, 1n, 0n, 0n, 0n] }))).toBe(
      at40('futex(0x1000, FUTEX_WAKE_PRIVATE, 1)', '1'),
    );
  });

  it('prints clone like strace', () => {
    const line = formatSyscall(rec({ tgid: 1, nr: 56, ret: 99n, args: [0x1200011n, 0n, 0n, 0x7f00n, 0n] }));
    expect(line).toBe(
      'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 99',
    );
  });

  it('prints unknown syscalls by number with six hex arguments', () => {
    expect(formatSyscall(rec({ tgid: 1, nr: 999, ret: -38n, args: [1n] }))).toBe(
      at40('syscall_0x3e7(0x1, 0, 0, 0, 0, 0)', '-1 ENOSYS (Function not implemented)'),
    );
  });

  it('prints restarts as ? ERESTARTSYS', () => {
    expect(formatReturn(-512n, 'int')).toBe('? ERESTARTSYS (To be restarted if SA_RESTART is set)');
  });

  it('decodes at least 60 syscalls', () => {
    expect(SYSCALLS.size).toBeGreaterThanOrEqual(60);
  });
});

describe('strace decoders', () => {
  it('decodes flags and enums', () => {
    // Orders checked against strace 6.1 on the same flags.
    expect(openFlags(0o2000000n | 0o200000n)).toBe('O_RDONLY|O_CLOEXEC|O_DIRECTORY');
    expect(openFlags(0o200000n | 0o400000n | 0o2000000n | 0o10000000n)).toBe(
      'O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_PATH|O_DIRECTORY',
    );
    expect(
      openFlags(
        1n | 0o100n | 0o200n | 0o400n | 0o1000n | 0o2000n | 0o4000n | 0o4010000n | 0o20000n | 0o2000000n,
      ),
    ).toBe('O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_CLOEXEC|FASYNC');
    expect(openFlags(2n | 0o2000000n | 0o20200000n)).toBe('O_RDWR|O_CLOEXEC|O_TMPFILE');
    expect(decodeScalar('access_mode', 0n)).toBe('F_OK');
    expect(decodeScalar('access_mode', 6n)).toBe('R_OK|W_OK');
    expect(decodeScalar('prot', 0n)).toBe('PROT_NONE');
    expect(decodeScalar('signal', 17n)).toBe('SIGCHLD');
    expect(decodeScalar('futex_op', 129n)).toBe('FUTEX_WAKE_PRIVATE');
    expect(decodeScalar('at_flags', 0x1100n)).toBe('AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH');
    expect(decodeScalar('at_flags', 0x80000000n)).toBe('0x80000000');
    expect(decodeScalar('mode', 0o22n)).toBe('022');
    expect(decodeScalar('ioctl_req', 0x5401n)).toBe('TCGETS');
    expect(decodeScalar('socket_type', 0x80801n)).toBe('SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK');
  });

  it('quotes like strace, with minimal octal unless a digit follows', () => {
    expect(quote(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 0x31]))).toBe('"\\177ELF\\2\\0011"');
    expect(quote(enc('a"b\\c\t'))).toBe('"a\\"b\\\\c\\t"');
    expect(quote(enc('abc\0def'), false, true)).toBe('"abc"');
    expect(quote(enc('x'), true)).toBe('"x"...');
  });
});

describe('strace -e trace=', () => {
  it('parses names, classes and negation', () => {
    const f = parseTraceExpr('trace=openat,read');
    expect(traces(f, 257)).toBe(true);
    expect(traces(f, 1)).toBe(false);
    const file = parseTraceExpr('%file');
    expect(traces(file, 257)).toBe(true);
    expect(traces(file, 0)).toBe(false);
    const not = parseTraceExpr('!write');
    expect(traces(not, 1)).toBe(false);
    expect(traces(not, 0)).toBe(true);
  });

  it('takes none as the empty set and !none as every call', () => {
    const none = parseTraceExpr('trace=none');
    expect(traces(none, 0)).toBe(false);
    expect(traces(none, 231)).toBe(false);
    expect(traces(parseTraceExpr('!none'), 1)).toBe(true);
  });

  it('rejects unknown names with a position', () => {
    expect(() => parseTraceExpr('trace=read,bogus')).toThrow(/unknown syscall 'bogus'/);
    try {
      parseTraceExpr('trace=read,bogus');
    } catch (e) {
      expect(e).toBeInstanceOf(BpfkitError);
      expect((e as BpfkitError).userMessage()).toContain('-e:1:12');
    }
  });

  it('survives random expressions with only typed errors', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz_%!,=0123456789';
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const len = rnd() % 20;
      for (let i = 0; i < len; i++) s += alphabet[rnd() % alphabet.length];
      try {
        parseTraceExpr(s);
      } catch (e) {
        expect(e).toBeInstanceOf(BpfkitError);
      }
    }
  });
});

describe('strace -c', () => {
  it('prints the summary table in strace format', () => {
    const stats = new Map([
      [0, { calls: 300001, errors: 0, ns: 150_000_000 }],
      [1, { calls: 300000, errors: 0, ns: 250_000_000 }],
      [257, { calls: 5, errors: 2, ns: 10_000 }],
    ]);
    expect(formatSummary(stats)).toBe(
      [
        '% time     seconds  usecs/call     calls    errors syscall',
        '------ ----------- ----------- --------- --------- ----------------',
        ' 62.50    0.250000           0    300000           write',
        ' 37.50    0.150000           0    300001           read',
        '  0.00    0.000010           2         5         2 openat',
        '------ ----------- ----------- --------- --------- ----------------',
        '100.00    0.400010           0    600006         2 total',
        '',
      ].join('\n'),
    );
  });
});

describe('syscall records', () => {
  it('decodes random bytes with only typed errors', () => {
    let seed = 7;
    for (let n = 0; n < 3000; n++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const bytes = new Uint8Array(seed % 160);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (seed >> (i % 24)) & 0xff;
      // Pick syscall numbers we decode, so the per-kind printers run too.
      if (bytes.length >= 28) bytes[24] = [...SYSCALLS.keys()][n % SYSCALLS.size]!;
      try {
        formatSyscall(new SyscallRecord(new DataView(bytes.buffer)), { pidPrefix: true, showTime: true });
      } catch (e) {
        expect(e).toBeInstanceOf(BpfkitError);
      }
    }
  });
});
