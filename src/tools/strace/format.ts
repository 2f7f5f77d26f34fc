// formatSyscall prints one completed syscall as strace does:
// `openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3`, aligned at column 40.

import {
  cloneArgs,
  cloneArgsFilled,
  decodeScalar,
  epollEvents,
  hex,
  openFlags,
  openNeedsMode,
  pollEvents,
  ptr,
  socketProtocol,
  sockoptName,
} from './decoders.js';
import { errnoSuffix, isRestart } from './errno-names.js';
import { selectArg, selectNote } from './fd-sets.js';
import { msghdr } from './msghdr.js';
import { quote, quoteHex } from './quote.js';
import type { ExecArgs, SyscallRecord } from './record.js';
import { sigaction, sigset, waitStatus } from './signals.js';
import { sockaddr } from './sockaddr.js';
import { formatStruct } from './structs.js';
import {
  type ArgKind,
  POLL_FDS_MAX,
  STRING_ROOM,
  STRUCT_IN_SIZE,
  STRUCT_OUT_SIZE,
  SYSCALLS,
  type SyscallSig,
} from './syscalls.js';
import { termios, winsize } from './termios.js';

/** FormatOptions are strace's output switches. */
export interface FormatOptions {
  /**
   * pidPrefix prints `[pid  1234] ` (strace does when it traces more than one process), or with
   * 'column' `1234  ` (strace -f -o FILE prints it on every line).
   */
  pidPrefix?: boolean | 'column';
  /** leader is printed after the pid prefix and before the call: strace's -t/-tt/-ttt/-r times. */
  leader?: string;
  /** showTime appends the time spent in the syscall, ` <0.000012>` (-T). */
  showTime?: boolean;
  /** strSize is how many bytes of a data buffer are shown (-s, default 32). */
  strSize?: number;
  /**
   * execArgs are the argv and environment size of the record being printed, when known (the command
   * bpfkit started itself): execve then prints `["ls", "-l"], 0x… /* 20 vars *\/` like strace.
   */
  execArgs?: ExecArgs | undefined;
}

const ALIGN_COLUMN = 40;
const MAX_ERRNO = 4095n;

let nameOf: (nr: number) => string | undefined = () => undefined;

/** setSyscallNameSource plugs in a full nr→name table for syscalls strace does not decode. */
export function setSyscallNameSource(fn: (nr: number) => string | undefined): void {
  nameOf = fn;
}

let argsOf: (nr: number) => readonly ArgKind[] | undefined = () => undefined;

/**
 * setSyscallArgSource plugs in the argument kinds of syscalls strace decodes and bpfkit does not
 * (from the kernel's syscall tracepoint formats), so they print with their own number of arguments.
 */
export function setSyscallArgSource(fn: (nr: number) => readonly ArgKind[] | undefined): void {
  argsOf = fn;
}

/** syscallName is the name of nr, or `syscall_0x…` as strace prints unknown numbers. */
export function syscallName(nr: number): string {
  return SYSCALLS.get(nr)?.name ?? nameOf(nr) ?? `syscall_0x${nr.toString(16)}`;
}

/** hasStructAfterPath says whether sig's record holds a path, then a struct after its NUL (newfstatat). */
function hasStructAfterPath(sig: SyscallSig): boolean {
  return sig.args.includes('path') && sig.args.some((a) => STRUCT_OUT_SIZE[a] !== undefined);
}

/** pathEnd is the length of the path at the start of data, with its NUL (data.length if it has none). */
function pathEnd(data: Uint8Array): number {
  const nul = data.indexOf(0);
  return nul < 0 ? data.length : nul + 1;
}

// Kinds the kernel copied at entry (or, for the _out ones, after the entry struct at exit).
const ENTRY_KINDS = new Set<ArgKind>([
  'ioctl_arg',
  'clone_args_in',
  'epoll_event_in',
  'timespec_in',
  'sigset_in',
  'sigset_out',
  'sigaction_in',
  'sigaction_out',
  'sockaddr_in',
  'rlimit_in',
]);

const FIONBIO = 0x5421;
const FIOASYNC = 0x5452;
const TCGETS = 0x5401;
const TCSETS = 0x5402;
const TCSETSF = 0x5404;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
// The kernel copies STRUCT_IN_SIZE bytes at entry and, for a call that returned 0, as many again.
const IOCTL_ROOM = STRUCT_IN_SIZE.ioctl_arg ?? 0;

/** ioctlArg prints what an ioctl request read or (on success) filled through its pointer. */
function ioctlArg(rec: SyscallRecord, data: Uint8Array): string | undefined {
  // Requests that read an int through the pointer (include/uapi/asm-generic/ioctls.h).
  const req = rec.argLo(1);
  if (req === FIONBIO || req === FIOASYNC) {
    return data.length < 4
      ? undefined
      : `[${new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true)}]`;
  }
  if (req >= TCSETS && req <= TCSETSF) return termios(data);
  if (req === TIOCSWINSZ) return winsize(data);
  if (rec.ret !== 0n || (req !== TCGETS && req !== TIOCGWINSZ)) return undefined;
  const filled = data.subarray(IOCTL_ROOM);
  return req === TCGETS ? termios(filled) : winsize(filled);
}

/** entryArg prints a struct copied at entry, or the one filled after it; undefined if not copied. */
function entryArg(rec: SyscallRecord, sig: SyscallSig, kind: ArgKind): string | undefined {
  const data = rec.data;
  switch (kind) {
    case 'sockaddr_in': {
      const at = sig.lenArg ?? 0;
      return sockaddr(data, rec.argHi(at) === 0 ? rec.argLo(at) : data.length);
    }
    case 'timespec_in':
      return data.length < 16 ? undefined : formatStruct('timespec_out', data.subarray(0, 16));
    case 'sigset_in':
      return data.length < 8 ? undefined : sigset(u64(data, 0));
    case 'sigaction_in':
      return sigaction(data);
    case 'ioctl_arg':
      return ioctlArg(rec, data) ?? hex(rec.arg(2));
    case 'rlimit_in':
      return data.length < 16 ? undefined : formatStruct('rlimit_out', data.subarray(0, 16));
    case 'epoll_event_in': {
      if (data.length < 12) return undefined;
      const v = new DataView(data.buffer, data.byteOffset, 12);
      const events = epollEvents(BigInt(v.getUint32(0, true)));
      return `{events=${events}, data={u32=${v.getUint32(4, true)}, u64=${v.getBigUint64(4, true)}}}`;
    }
    case 'sigset_out':
      return rec.ret !== 0n || data.length < 16 ? undefined : sigset(u64(data, 8));
    case 'sigaction_out':
      return rec.ret !== 0n || data.length < 64 ? undefined : sigaction(data.subarray(32, 64));
    default:
      return undefined;
  }
}

const u64 = (data: Uint8Array, at: number): bigint =>
  new DataView(data.buffer, data.byteOffset + at, 8).getBigUint64(0, true);

function dataArg(rec: SyscallRecord, sig: SyscallSig, i: number, strSize: number): string {
  const kind = sig.args[i]!;
  // ioctl's argument is often a plain number: strace prints its 0 as 0.
  if (rec.argLo(i) === 0 && rec.argHi(i) === 0) return kind === 'ioctl_arg' ? '0' : 'NULL';
  const data = rec.data;
  if (ENTRY_KINDS.has(kind)) return entryArg(rec, sig, kind) ?? ptr(rec.arg(i));
  const size = STRUCT_OUT_SIZE[kind];
  if (size !== undefined) {
    // prlimit64's old limit follows the new one the kernel copied at entry.
    const at = hasStructAfterPath(sig) ? pathEnd(data) : sig.args.includes('rlimit_in') ? 16 : 0;
    if (rec.ret !== 0n || data.length < at + size) return ptr(rec.arg(i));
    return formatStruct(kind, data.subarray(at, at + size)) ?? ptr(rec.arg(i));
  }
  if (kind === 'path') {
    // Paths are printed whole, as strace does, whatever -s says; one of two is cut at its room.
    if (data.length === 0) return ptr(rec.arg(i));
    const cut = sig.args.includes('path2') && pathEnd(data) >= STRING_ROOM;
    return quote(data, cut, true);
  }
  if (kind === 'sockaddr_out' || kind === 'sockopt_out' || kind === 'socklen_inout') {
    return filledArg(rec, kind) ?? ptr(rec.arg(i));
  }
  if (kind === 'wstatus_out') {
    if (rec.ret <= 0n || data.length < 4) return ptr(rec.arg(i));
    return waitStatus(new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true));
  }
  if (kind === 'link_out') {
    // The target follows the path and its NUL; it has no NUL of its own.
    const at = pathEnd(data);
    const ret = rec.ret;
    if (ret <= 0n || at >= data.length) return ptr(rec.arg(i));
    const shown = data.subarray(at);
    return quote(
      shown,
      ret > BigInt(Math.min(shown.length, strSize)),
      false,
      Math.min(shown.length, strSize),
    );
  }
  if (kind === 'path_out') {
    return rec.ret <= 0n || data.length === 0 ? ptr(rec.arg(i)) : quote(data, false, true);
  }
  if (kind === 'path2') {
    const at = pathEnd(data);
    if (at >= data.length) return ptr(rec.arg(i));
    const second = data.subarray(at);
    return quote(second, pathEnd(second) >= STRING_ROOM, true);
  }
  if (kind === 'msghdr_in' || kind === 'msghdr_out') {
    // sendmsg's bytes are its iovec's (cut at -s); recvmsg's, the ones it received.
    const out = kind === 'msghdr_out';
    if (out && rec.ret < 0n) return ptr(rec.arg(i));
    return msghdr(data, out ? rec.ret : BigInt(Number.MAX_SAFE_INTEGER), strSize, out) ?? ptr(rec.arg(i));
  }
  if (kind === 'dirents_out') {
    if (rec.ret < 0n || data.length < 4) return ptr(rec.arg(i));
    const n = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
    return `${ptr(rec.arg(i))} /* ${n} entries */`;
  }
  // Lengths beyond 2^32 are clamped: only whether they exceed strSize matters.
  let len: number;
  if (kind === 'buf_out' || kind === 'random_out') {
    const ret = rec.retNumber ?? Number(rec.ret);
    if (ret < 0) return ptr(rec.arg(i));
    len = ret;
  } else {
    const at = sig.lenArg ?? 0;
    len = rec.argHi(at) === 0 ? rec.argLo(at) : Number.MAX_SAFE_INTEGER;
  }
  const shown = Math.min(len, strSize);
  if (data.length < shown) return ptr(rec.arg(i));
  if (kind === 'random_out') return quoteHex(data, len > strSize, shown);
  return quote(data, len > strSize, false, shown);
}

/** fastScalar prints the common integer kinds without BigInt; undefined means "use decodeScalar". */
function fastScalar(kind: string, rec: SyscallRecord, i: number): string | undefined {
  const hi = rec.argHi(i);
  const lo = rec.argLo(i);
  switch (kind) {
    case 'fd':
      return String(lo | 0);
    case 'uint':
      return hi === 0 ? String(lo) : undefined;
    case 'int':
      return String(lo | 0);
    case 'off':
      if (hi === 0) return String(lo);
      return hi === 0xffffffff && lo >= 0x80000000 ? String(lo - 0x100000000) : undefined;
    case 'ptr':
      return hi === 0 && lo === 0 ? 'NULL' : undefined;
    default:
      return undefined;
  }
}

const enc = new TextEncoder();

// futex's meaningful arguments depend on the operation, as strace prints them.
const FUTEX_ARGS: Record<number, number> = { 0: 4, 1: 3, 9: 6, 10: 6 };

const isDataKind = (kind: ArgKind): boolean =>
  ENTRY_KINDS.has(kind) ||
  kind === 'pollfds_inout' ||
  kind === 'link_out' ||
  kind === 'sockaddr_out' ||
  kind === 'sockopt_out' ||
  kind === 'socklen_inout' ||
  kind === 'wstatus_out' ||
  kind === 'path' ||
  kind === 'path2' ||
  kind === 'path_out' ||
  kind === 'buf_in' ||
  kind === 'buf_out' ||
  kind === 'msghdr_in' ||
  kind === 'msghdr_out' ||
  kind === 'random_out' ||
  kind === 'dirents_out' ||
  STRUCT_OUT_SIZE[kind as keyof typeof STRUCT_OUT_SIZE] !== undefined;

const isOutKind = (kind: ArgKind): boolean =>
  kind === 'link_out' ||
  kind === 'sockaddr_out' ||
  kind === 'sockopt_out' ||
  kind === 'path_out' ||
  kind === 'wstatus_out' ||
  kind === 'sigset_out' ||
  kind === 'sigaction_out' ||
  kind === 'buf_out' ||
  kind === 'random_out' ||
  kind === 'dirents_out' ||
  STRUCT_OUT_SIZE[kind as keyof typeof STRUCT_OUT_SIZE] !== undefined;

// fcntl commands by what their third argument is (include/uapi/asm-generic/fcntl.h).
const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_GETOWN = 9;
const F_GETSIG = 11;
const F_GETLEASE = 1025;
const F_DUPFD_CLOEXEC = 1030;
const F_GETPIPE_SZ = 1032;
const F_GET_SEALS = 1034;
const FCNTL_NO_ARG = new Set([F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS]);

/** fcntlArg prints fcntl's third argument as its command reads it; '' for commands that take none. */
function fcntlArg(rec: SyscallRecord): string | undefined {
  const cmd = rec.argLo(1);
  if (FCNTL_NO_ARG.has(cmd)) return '';
  if (cmd === F_SETFD) return (rec.argLo(2) & 1) === 1 ? 'FD_CLOEXEC' : String(rec.argLo(2));
  if (cmd === F_SETFL) return openFlags(rec.arg(2) & 0xffffffffn);
  if (cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC) return String(rec.argLo(2) | 0);
  return undefined;
}

/** sockoptValue prints the value setsockopt was given: `[1]` for an int, else its bytes. */
function sockoptValue(rec: SyscallRecord): string | undefined {
  if (rec.arg(3) === 0n) return 'NULL';
  const data = rec.data;
  const len = rec.argHi(4) === 0 ? rec.argLo(4) : Number.MAX_SAFE_INTEGER;
  if (data.length === 0 || data.length < Math.min(len, 128)) return undefined;
  if (len === 4) return `[${new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true)}]`;
  return quote(data, false, false, len);
}

/**
 * filledArg prints an AddrOut record's buffer (`{sa_family=…}` or `[0]`) or its length pointer
 * (`[16]`, `[128 => 16]`): data holds the length offered, the length used, then the bytes filled.
 */
function filledArg(rec: SyscallRecord, kind: ArgKind): string | undefined {
  const data = rec.data;
  if (data.length < 4) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.length);
  const offered = v.getUint32(0, true);
  if (kind === 'socklen_inout') {
    if (data.length < 8 || rec.ret < 0n) return `[${offered}]`;
    const used = v.getUint32(4, true);
    return used === offered ? `[${used}]` : `[${offered} => ${used}]`;
  }
  if (data.length < 8 || rec.ret < 0n) return undefined;
  const used = Math.min(v.getUint32(4, true), offered);
  const filled = data.subarray(8, 8 + used);
  if (filled.length < used) return undefined;
  if (kind === 'sockaddr_out') return sockaddr(filled, used);
  return used === 4 ? `[${v.getInt32(8, true)}]` : quote(filled);
}

/**
 * pollArray prints poll's array as the call read it (`events`) or as it returned it (`revents`,
 * only the entries with some): [{fd=3, events=POLLIN}]. undefined when it was not copied.
 */
function pollArray(rec: SyscallRecord, which: 'events' | 'revents'): string | undefined {
  const n = rec.argHi(1) === 0 ? rec.argLo(1) : Number.MAX_SAFE_INTEGER;
  if (n === 0 && rec.arg(0) !== 0n) return '[]';
  const data = rec.data;
  const shown = Math.min(n, POLL_FDS_MAX);
  const at = which === 'events' ? 0 : shown * 8;
  if (data.length < at + shown * 8 || shown === 0) return undefined;
  const v = new DataView(data.buffer, data.byteOffset + at, shown * 8);
  const items: string[] = [];
  for (let k = 0; k < shown; k++) {
    const fd = v.getInt32(8 * k, true);
    const events = v.getUint16(8 * k + (which === 'events' ? 4 : 6), true);
    if (which === 'revents' && events === 0) continue;
    items.push(`{fd=${fd}, ${which}=${pollEvents(events)}}`);
  }
  if (n > shown && which === 'events') items.push('...');
  return `[${items.join(', ')}]`;
}

/** fcntlReturn notes what F_GETFD and F_GETFL returned, as strace does: `0x1 (flags FD_CLOEXEC)`. */
function fcntlReturn(rec: SyscallRecord, ret: string): string {
  const cmd = rec.argLo(1);
  if (rec.ret < 0n || (cmd !== F_GETFD && cmd !== F_GETFL)) return ret;
  const v = rec.ret;
  if (cmd === F_GETFD) return `${hex(v)}${v & 1n ? ' (flags FD_CLOEXEC)' : ''}`;
  return `${hex(v)} (flags ${openFlags(v)})`;
}

/**
 * contextArg prints the arguments whose meaning depends on another argument or on the result, as
 * strace does (socket's protocol after its domain, a socket option's name after its level, an empty
 * poll or epoll array); undefined means the argument's own kind decides.
 */
function contextArg(rec: SyscallRecord, sig: SyscallSig, i: number): string | undefined {
  switch (sig.name) {
    case 'socket':
      return i === 2 ? socketProtocol(rec.arg(0), rec.arg(2)) : undefined;
    case 'getsockopt':
      return i === 2 ? sockoptName(rec.arg(1), rec.arg(2)) : undefined;
    case 'fcntl':
      return i === 2 ? fcntlArg(rec) : undefined;
    case 'clone3': {
      if (i !== 0) return undefined;
      const args = rec.arg(0) === 0n ? 'NULL' : (cloneArgs(rec.data) ?? ptr(rec.arg(0)));
      return `${args}${cloneArgsFilled(rec.data, rec.ret)}`;
    }
    case 'rt_sigreturn':
      // The register holds nothing of it: the mask comes from the signal frame, when it was read.
      return rec.data.length >= 8 ? `{mask=${sigset(u64(rec.data, 0))}}` : '';
    case 'setsockopt':
      if (i === 2) return sockoptName(rec.arg(1), rec.arg(2));
      return i === 3 ? sockoptValue(rec) : undefined;
    case 'poll':
      return i === 0 ? pollArray(rec, 'events') : undefined;
    case 'select':
    case 'pselect6':
      return selectArg(rec, i, sig.name);
    case 'ppoll':
      // No descriptors: strace shows the empty array it read.
      return i === 0 && rec.arg(1) === 0n && rec.arg(0) !== 0n ? '[]' : undefined;
    case 'epoll_wait':
    case 'epoll_pwait':
      // No events came back: strace shows the empty array it would have filled.
      return i === 1 && rec.ret === 0n && rec.arg(1) !== 0n ? '[]' : undefined;
    default:
      return undefined;
  }
}
const CONTEXT_ARGS = new Set([
  'clone3',
  'fcntl',
  'rt_sigreturn',
  'socket',
  'setsockopt',
  'getsockopt',
  'poll',
  'select',
  'pselect6',
  'ppoll',
  'epoll_wait',
  'epoll_pwait',
]);

/**
 * exitArgsFrom is where strace splits a call that another thread's output interrupts: the arguments
 * before the first one the kernel fills are printed at entry, the rest after `<... resumed>`.
 */
function exitArgsFrom(sig: SyscallSig): number {
  if (sig.name === 'execve' || sig.name === 'futex' || sig.name === 'clone') return sig.args.length;
  const i = sig.args.findIndex(isOutKind);
  return i < 0 ? sig.args.length : i;
}

function argList(
  rec: SyscallRecord,
  sig: SyscallSig,
  opts: FormatOptions,
  from = 0,
  to = sig.args.length,
): string {
  const strSize = opts.strSize ?? 32;
  if (sig.name === 'execve' && opts.execArgs && from === 0) {
    // Each argument is cut at -s, as strace cuts it.
    const shown = opts.execArgs.argv.map((a) => {
      const b = typeof a === 'string' ? enc.encode(a) : a;
      return quote(b, b.length > strSize, false, strSize);
    });
    if (opts.execArgs.argvCut) shown.push('...');
    const argv = rec.arg(1) === 0n ? 'NULL' : `[${shown.join(', ')}]`;
    const envp = rec.arg(2) === 0n ? 'NULL' : `${ptr(rec.arg(2))} /* ${opts.execArgs.envCount} vars */`;
    return `${dataArg(rec, sig, 0, strSize)}, ${argv}, ${envp}`;
  }
  if (sig.name === 'futex') {
    const n = FUTEX_ARGS[rec.argLo(1) & 0x7f] ?? 6;
    return sig.args
      .slice(0, n)
      .map((kind, i) => fastScalar(kind, rec, i) ?? decodeScalar(kind, rec.arg(i)))
      .join(', ');
  }
  if (sig.name === 'clone') {
    // x86_64 clone(flags, stack, parent_tid, child_tid, tls); strace names the interesting ones.
    const parts = [`child_stack=${ptr(rec.arg(1))}`, `flags=${decodeScalar('clone_flags', rec.arg(0))}`];
    if (rec.arg(3) !== 0n) parts.push(`child_tidptr=${ptr(rec.arg(3))}`);
    return parts.join(', ');
  }
  let out = '';
  const context = CONTEXT_ARGS.has(sig.name);
  for (let i = from; i < to; i++) {
    const kind = sig.args[i]!;
    if (kind === 'mode' && (sig.name === 'openat' || sig.name === 'open')) {
      if (!openNeedsMode(rec.arg(i - 1))) continue;
    }
    const text =
      (context ? contextArg(rec, sig, i) : undefined) ??
      (isDataKind(kind)
        ? dataArg(rec, sig, i, strSize)
        : (fastScalar(kind, rec, i) ?? decodeScalar(kind, rec.arg(i))));
    if (text === '' && context) continue;
    out = out === '' ? text : `${out}, ${text}`;
  }
  return out;
}

/** formatReturn prints what follows `= `: a value, `?`, or `-1 ENOENT (No such file or directory)`. */
export function formatReturn(ret: bigint | number, kind: 'int' | 'hex' | 'none'): string {
  if (kind === 'none') return '?';
  if (typeof ret === 'number') {
    if (ret >= 0 && kind === 'int') return String(ret);
    ret = BigInt(ret);
  }
  if (ret < 0n && ret >= -MAX_ERRNO) {
    const code = Number(-ret);
    return isRestart(code) ? `? ${errnoSuffix(code)}` : `-1 ${errnoSuffix(code)}`;
  }
  if (kind === 'hex') return hex(ret);
  return ret.toString();
}

// Calls whose 0 means their timeout ran out: strace says so after the value.
const TIMEOUT_CALLS = new Set(['poll', 'ppoll', 'select', 'pselect6']);

/** retWithNote is formatReturn plus strace's note on a result, as in `= 0 (Timeout)`. */
function retWithNote(sig: SyscallSig, rec: SyscallRecord): string {
  const ret = formatReturn(rec.retNumber ?? rec.ret, sig.ret);
  if (sig.name === 'fcntl') return fcntlReturn(rec, ret);
  if ((sig.name === 'select' || sig.name === 'pselect6') && rec.ret > 0n) {
    const note = selectNote(rec, sig.name);
    return note === undefined ? ret : `${ret} ${note}`;
  }
  if (sig.name === 'poll' && rec.ret > 0n) {
    const revents = pollArray(rec, 'revents');
    return revents === undefined ? ret : `${ret} (${revents})`;
  }
  return ret === '0' && TIMEOUT_CALLS.has(sig.name) ? '0 (Timeout)' : ret;
}

/** SyscallParts is a formatted syscall before alignment: `name(args)` and what follows `= `. */
export interface SyscallParts {
  name: string;
  call: string;
  ret: string;
}

/** formatParts formats the call and the return value of one record. */
export function formatParts(rec: SyscallRecord, opts: FormatOptions = {}): SyscallParts {
  const nr = rec.nr;
  const sig = SYSCALLS.get(nr);
  if (sig) {
    return {
      name: sig.name,
      call: `${sig.name}(${argList(rec, sig, opts)})`,
      ret: retWithNote(sig, rec),
    };
  }
  const name = syscallName(nr);
  const kinds = argsOf(nr);
  const args = kinds
    ? kinds.map((kind, i) => decodeScalar(kind, rec.arg(i)))
    : [0, 1, 2, 3, 4, 5].map((i) => hex(rec.arg(i)));
  return { name, call: `${name}(${args.join(', ')})`, ret: formatReturn(rec.ret, 'int') };
}

/**
 * formatUnfinished prints the entry half of a call another thread's output interrupts, from its entry
 * record: `read(3,  <unfinished ...>` or `openat(AT_FDCWD, "/x", O_RDONLY <unfinished ...>`.
 */
export function formatUnfinished(rec: SyscallRecord, opts: FormatOptions = {}): string {
  const sig = SYSCALLS.get(rec.nr);
  let call: string;
  if (sig?.name === 'clone3') {
    // strace prints what clone3 read at entry, and what it wrote and its size after resuming.
    const args = rec.arg(0) === 0n ? 'NULL' : (cloneArgs(rec.data) ?? ptr(rec.arg(0)));
    call = `clone3(${args}`;
  } else if (sig) {
    const split = exitArgsFrom(sig);
    const head = split === sig.args.length ? argList(rec, sig, opts) : argList(rec, sig, opts, 0, split);
    call = `${sig.name}(${head}${split < sig.args.length ? ', ' : ''}`;
  } else {
    call = `${formatParts(rec, opts).call.slice(0, -1)}`;
  }
  const lead = opts.leader ?? '';
  const prefix = pidLead(rec.tid, opts);
  return `${prefix}${lead}${call} <unfinished ...>`;
}

/** formatResumed prints the exit half of an interrupted call: `<... read resumed>"hi", 10) = 2`. */
export function formatResumed(rec: SyscallRecord, opts: FormatOptions = {}): string {
  const sig = SYSCALLS.get(rec.nr);
  const name = sig?.name ?? syscallName(rec.nr);
  const rest =
    sig?.name === 'clone3'
      ? `${cloneArgsFilled(rec.data, rec.ret)}, ${rec.argLo(1)}`
      : sig
        ? argList(rec, sig, opts, exitArgsFrom(sig))
        : '';
  const ret = sig ? retWithNote(sig, rec) : formatReturn(rec.retNumber ?? rec.ret, 'int');
  return formatLine({ name, call: `<... ${name} resumed>${rest})`, ret }, rec, opts);
}

/** formatSyscall renders one record as a strace line (without the newline). */
export function formatSyscall(rec: SyscallRecord, opts: FormatOptions = {}): string {
  return formatLine(formatParts(rec, opts), rec, opts);
}

/** pidLead is the pid prefix of a line: `[pid  1234] `, `1234  ` (C's `%-5d `) or nothing. */
export function pidLead(tid: number, opts: FormatOptions): string {
  if (!opts.pidPrefix) return '';
  return opts.pidPrefix === 'column' ? `${String(tid).padEnd(5)} ` : `[pid ${String(tid).padStart(5)}] `;
}

/** formatLine lays out formatted parts as a strace line: prefix, leader, call, `= ret` at column 40, -T. */
export function formatLine(parts: SyscallParts, rec: SyscallRecord, opts: FormatOptions = {}): string {
  const { call, ret } = parts;
  const lead = opts.leader ?? '';
  let line = opts.pidPrefix ? `${pidLead(rec.tid, opts)}${lead}${call} ` : `${lead}${call} `;
  if (line.length < ALIGN_COLUMN) line = line.padEnd(ALIGN_COLUMN);
  line += `= ${ret}`;
  if (opts.showTime && ret !== '?') line += ` <${(rec.durNs / 1e9).toFixed(6)}>`;
  return line;
}
