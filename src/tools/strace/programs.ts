// strace's kernel programs, written with ProgramBuilder: raw sys_enter stashes the arguments (and a
// path or write buffer) per thread, raw sys_exit completes the record and sends it to the ring buffer
// (or adds it to the -c counters), and sched_process_fork follows children for -f.

import {
  BPF_RB_NO_WAKEUP,
  type BuiltProgram,
  ProgramBuilder,
  type Reg,
  r0,
  r1,
  r2,
  r3,
  r4,
  r6,
  r7,
  r8,
  r9,
  r10,
} from '../../asm/index.js';
import { RECORD, RECORD_HEADER } from './record.js';
import {
  Capture,
  FD_SET_BYTES,
  MSGHDR_NAMELEN_OFFERED,
  MSGHDR_ROOM,
  MSGHDR_SIZE,
  PATH_MAX,
  POLL_FDS_MAX,
  SOCKADDR_MAX,
  STRING_ROOM,
  STRUCT_MAX,
} from './syscalls.js';

/** DATA_MAX is the largest capture kept per thread: a path up to this many bytes, with its NUL. */
export const DATA_MAX = 512;
/** PATH_BEFORE_STRUCT is the room for a path that a struct follows in the stash (newfstatat). */
const PATH_BEFORE_STRUCT = DATA_MAX - STRUCT_MAX;
/** STASH_SPEC is where the stash keeps the syscall's spec entry, past what a record sends. */
const STASH_SPEC = RECORD_HEADER + DATA_MAX;
/** STASH_HELD is nonzero while the thread is the wrapper that has not exec'd the command yet. */
const STASH_HELD = STASH_SPEC + 4;
/**
 * PID_HELD as a pids value marks the wrapper bpfkit starts: nothing it does before it execs the
 * command is traced or counted (PID_TRACED is any other process followed).
 */
export const PID_HELD = 2;
/**
 * STASH_VALUE_SIZE is one thread's in-flight syscall: a record with room for DATA_MAX bytes, and its
 * spec. The stash is task storage (Linux 5.11), which needs this value described in BTF.
 */
export const STASH_VALUE_SIZE = STASH_SPEC + 8;
/**
 * LONG_DATA_MAX is the data room of the per-CPU scratch record: a path that filled the stash's room is
 * read again at exit there, whole up to PATH_MAX, with a struct after it. The stash stays small, since
 * it holds one record per traced thread.
 */
const LONG_DATA_MAX = PATH_MAX + STRUCT_MAX;
/** SCRATCH_VALUE_SIZE is the per-CPU scratch record's size. */
export const SCRATCH_VALUE_SIZE = RECORD_HEADER + LONG_DATA_MAX;
/** MAX_NR bounds the syscall numbers the spec map covers. */
export const MAX_NR = 1024;
/** TRACE_BIT in a spec entry says the syscall is in the -e trace set. */
export const TRACE_BIT = 1 << 24;
/** STATS_VALUE_SIZE is the -c counters of one syscall: calls, errors, nanoseconds (u64 each). */
export const STATS_VALUE_SIZE = 24;

const EXIT = 60;
const EXIT_GROUP = 231;
// A successful exec replaced the memory its path was in: that path is never read again at exit.
const EXECVE = 59;
const EXECVEAT = 322;
const CONSUMED = -1;
// ENTRY_MARK (all ones in the duration) as the 32-bit immediate the store sign-extends.
const ENTRY_MARK = -1;
// EXEC_ARGS_MARK (…fffe in the duration) marks a record of execve's argv and environment size.
const EXEC_ARGS_MARK = -2;
/** EXEC_ARGS_MAX is the most argv strings sent; strace's `...` stands for the rest. */
const EXEC_ARGS_MAX = 64;

// x86_64 struct pt_regs: sp is at 152.
const PT_REGS_SP = 152;
/**
 * SIGFRAME_MASK is where uc_sigmask is from the stack pointer at rt_sigreturn: the frame starts 8
 * below it (its return address was popped), and uc_sigmask follows pretcode, uc_flags, uc_link,
 * uc_stack (24) and the 256-byte sigcontext (arch/x86/include/asm/sigframe.h).
 */
const SIGFRAME_MASK = -8 + 8 + 8 + 8 + 24 + 256;
// x86_64 struct pt_regs: the six syscall arguments live in di, si, dx, r10, r8, r9. Reading the
// 64 bytes from r10 (offset 56) to di (offset 112) fetches them with one helper call.
const REGS_FROM = 56;
const REGS_LEN = 64;
// Offsets within that window of di, si, dx, r10, r8, r9, in argument order.
const ARG_REG_OFFSETS = [56, 48, 40, 0, 16, 8];

/** ENTRY_BIT in a spec entry asks for an entry record at every call (fork and clone under -f). */
export const ENTRY_BIT = 1 << 25;

/**
 * CAPTURE_EXT_BIT in a spec entry widens the capture kind nibble past 16 kinds: a kind 0x1NN is
 * the nibble NN & 15 with this bit.
 */
export const CAPTURE_EXT_BIT = 1 << 26;
/** KIND_MASK picks the widened capture kind out of a spec entry. */
const KIND_MASK = 0x0f | CAPTURE_EXT_BIT;
/** specKind is a Capture value as the programs compare it, after `and KIND_MASK`. */
const specKind = (kind: number): number => (kind & 0x0f) | (kind & 0x100 ? CAPTURE_EXT_BIT : 0);

/** specValue encodes one syscall's spec-map entry. */
export function specValue(kind: number, arg: number, lenArg: number, traced: boolean, entry = false): number {
  return (
    (kind & 0xff) |
    (kind & 0x100 ? CAPTURE_EXT_BIT : 0) |
    ((arg & 0xff) << 8) |
    ((lenArg & 0xff) << 16) |
    (traced ? TRACE_BIT : 0) |
    (entry ? ENTRY_BIT : 0)
  );
}

/** StraceProgramOptions are the choices compiled into the programs. */
export interface StraceProgramOptions {
  /** strSize is how many bytes of read/write buffers are copied (-s). */
  strSize: number;
  /** summary counts into `stats` instead of emitting records (-c). */
  summary: boolean;
  /** timed records entry time and duration (-T, -c, --json); plain lines need neither. */
  timed?: boolean;
  /**
   * btfRegs builds sys_enter as a BTF-typed raw tracepoint (tp_btf, Linux 5.5), whose struct pt_regs
   * argument is read with plain loads instead of a bpf_probe_read_kernel call per syscall.
   */
  btfRegs?: boolean;
}

// Stack slots (offsets from r10).
const FP_TGID = -4;
const FP_NR = -8;
const FP_ZERO = -16;
const FP_LEN = -32;
const FP_OFF = -40;
const FP_COUNT = -48;
const FP_RECLEN = -56;
const FP_HELD = -64;
const FP_PTR = -136;
const FP_SLOT = -144;
/** FP_BUF is a stack buffer for short user copies (STACK_BUF_MAX bytes, up to -s 64). */
const FP_BUF = -128;
const STACK_BUF_MAX = 64;

const stackPtr = (b: ProgramBuilder, reg: Reg, off: number): ProgramBuilder => b.mov(reg, r10).add(reg, off);

/** argPtr loads args[(spec >> shift) & 7] of the entry in r7 into dst (clobbers r1). */
function loadArg(b: ProgramBuilder, dst: Reg, shift: number): void {
  b.mov(dst, r9)
    .rsh(dst, shift)
    .and(dst, 7)
    .lsh(dst, 3)
    .mov(r1, r7)
    .add(r1, dst)
    .ldx('u64', dst, r1, RECORD.args);
}

/** countLost adds one to lost[0]. */
function countLost(b: ProgramBuilder, done: string): void {
  b.st('u32', r10, FP_ZERO, 0).ldMap(r1, 'lost');
  stackPtr(b, r2, FP_ZERO)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, done)
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1);
}

/**
 * emit sends the record in r7 (syscall number in r8) to the ring buffer or the -c counters; dataMax is
 * the data room of r7's map value, which bounds the size sent.
 */
function emit(b: ProgramBuilder, opts: StraceProgramOptions, p: string, dataMax = DATA_MAX): void {
  if (opts.summary) {
    b.st('u32', r10, FP_NR, r8).ldMap(r1, 'stats');
    stackPtr(b, r2, FP_NR)
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, `${p}_emitted`)
      .ldx('u64', r1, r0, 0)
      .add(r1, 1)
      .st('u64', r0, 0, r1)
      .ldx('u64', r1, r0, 16)
      .ldx('u64', r2, r7, RECORD.dur)
      .add(r1, r2)
      .st('u64', r0, 16, r1)
      // An error is a return value in [-4095, -1].
      .ldx('u64', r2, r7, RECORD.ret)
      .jmp('JSGE', r2, 0, `${p}_emitted`)
      .jmp('JSLT', r2, -4095, `${p}_emitted`)
      .ldx('u64', r1, r0, 8)
      .add(r1, 1)
      .st('u64', r0, 8, r1)
      .label(`${p}_emitted`);
    return;
  }
  b.ldx('u32', r3, r7, RECORD.dataLen)
    .jmp('JLE', r3, dataMax, `${p}_sized`)
    .mov(r3, 0)
    .label(`${p}_sized`)
    .add(r3, RECORD_HEADER)
    .ldMap(r1, 'events')
    .mov(r2, r7)
    // The reader polls on a timer, so no record needs to wake it.
    .mov(r4, BPF_RB_NO_WAKEUP)
    .call('ringbuf_output')
    .jmp('JEQ', r0, 0, `${p}_emitted`);
  countLost(b, `${p}_emitted`);
  b.label(`${p}_emitted`);
}

/** FD_SETS_ROOM is one copy of select's readfds, writefds, exceptfds and timeout. */
const FD_SETS_ROOM = 4 * FD_SET_BYTES;

/**
 * fdSetsCopy copies select's arguments 1-4 (three fd sets, the timeout) that are not NULL into the
 * record in r7 at data + at, FD_SET_BYTES each, and sets its length to at + FD_SETS_ROOM. A failed
 * read leaves zeros (bpf_probe_read_user clears its destination).
 */
function fdSetsCopy(b: ProgramBuilder, label: string, at: number, done: string): void {
  b.label(label);
  for (let i = 1; i <= 4; i++) {
    b.ldx('u64', r3, r7, RECORD.args + 8 * i)
      .jmp('JEQ', r3, 0, `${label}_${i}`)
      .mov(r1, r7)
      .add(r1, RECORD.data + at + (i - 1) * FD_SET_BYTES)
      .mov(r2, FD_SET_BYTES)
      .call('probe_read_user')
      .label(`${label}_${i}`);
  }
  b.st('u32', r7, RECORD.dataLen, at + FD_SETS_ROOM).ja(done);
}

/** TASK_STORAGE_CREATE is BPF_LOCAL_STORAGE_GET_F_CREATE: bpf_task_storage_get makes a zeroed slot. */
const TASK_STORAGE_CREATE = 1;

/** stashGet emits r0 = the current thread's stash slot (bpf_task_storage_get, Linux 5.11), or NULL. */
function stashGet(b: ProgramBuilder, flags: number): ProgramBuilder {
  return b
    .call('get_current_task_btf')
    .ldMap(r1, 'stash')
    .mov(r2, r0)
    .mov(r3, 0)
    .mov(r4, flags)
    .call('task_storage_get');
}

/**
 * readUserString copies the user string whose argument the kind byte names (from bit `shift`) into
 * the record's data, at most `max` bytes, sets dataLen when something was read, and jumps to `done`.
 * The record is in r7.
 */
function readUserString(b: ProgramBuilder, shift: number, max: number, done: string): void {
  loadArg(b, r3, shift);
  b.mov(r1, r7)
    .add(r1, RECORD.data)
    .mov(r2, max)
    .call('probe_read_user_str')
    .jmp('JSLE', r0, 0, done)
    .st('u32', r7, RECORD.dataLen, r0)
    .ja(done);
}

/**
 * sysEnterProgram is the raw_tracepoint:sys_enter program (tp_btf:sys_enter with `btfRegs`). Maps: pids,
 * spec, stash, lost, events|stats, config (records only).
 */
export function sysEnterProgram(opts: StraceProgramOptions): BuiltProgram {
  const b = new ProgramBuilder();
  // The stash is task storage: a thread has a slot only once it is traced, so finding it is the pid
  // check, and costs no hashing. Other threads are checked against pids by their process.
  b.mov(r6, r1).st('u32', r10, FP_HELD, 0);
  stashGet(b, 0)
    .mov(r7, r0)
    .jmp('JNE', r7, 0, 'traced')
    .call('get_current_pid_tgid')
    .rsh(r0, 32)
    .st('u32', r10, FP_TGID, r0)
    .ldMap(r1, 'pids');
  stackPtr(b, r2, FP_TGID)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    // A new slot starts held if the process is the wrapper (PID_HELD).
    .ldx('u32', r1, r0, 0)
    .jmp('JNE', r1, PID_HELD, 'traced')
    .st('u32', r10, FP_HELD, 1)
    .label('traced')
    // ctx is u64 args[]: args[0] = struct pt_regs *, args[1] = syscall number.
    .ldx('u64', r8, r6, 8)
    .jmp('JGE', r8, MAX_NR, 'out')
    .st('u32', r10, FP_NR, r8)
    .ldMap(r1, 'spec');
  stackPtr(b, r2, FP_NR)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .ldx('u32', r9, r0, 0)
    .mov(r1, r9)
    .and(r1, TRACE_BIT)
    .jmp('JEQ', r1, 0, 'out')
    .jmp('JNE', r7, 0, 'have_slot');
  // First traced syscall of this thread: it gets a zeroed slot.
  stashGet(b, TASK_STORAGE_CREATE).jmp('JEQ', r0, 0, 'full').mov(r7, r0);
  // A held slot has no call in flight: its zeroed number would read as a read(2) at exit.
  b.ldx('u32', r1, r10, FP_HELD).st('u32', r7, STASH_HELD, r1).st('u32', r7, RECORD.nr, CONSUMED);
  b.label('have_slot')
    // The wrapper's own calls before it execs the command are not the command's: only execve passes.
    .ldx('u32', r1, r7, STASH_HELD)
    .jmp('JEQ', r1, 0, 'live')
    .jmp('JNE', r8, EXECVE, 'out')
    .label('live')
    .st('u32', r7, RECORD.nr, r8)
    .st('u32', r7, STASH_SPEC, r9)
    .call('get_current_pid_tgid')
    .st('u32', r7, RECORD.tid, r0)
    .rsh(r0, 32)
    .st('u32', r7, RECORD.tgid, r0)
    .st('u32', r7, RECORD.dataLen, 0)
    .st('u64', r7, RECORD.dur, 0)
    .st('u64', r7, RECORD.ret, 0)
    .st('u64', r7, RECORD.ts, 0);
  if (opts.timed !== false) b.call('ktime_get_ns').st('u64', r7, RECORD.ts, r0);
  // -c counts calls and their time: it needs neither the arguments nor user memory.
  if (!opts.summary) {
    readArgs(b, opts);
    entryCapture(b, opts);
  }
  b.label('check_exit');
  if (!opts.summary) {
    b.jmp('JNE', r8, EXECVE, 'exec_sent');
    execArgs(b, opts);
    b.label('exec_sent');
  }
  b
    // exit and exit_group never return, so their record is sent now.
    .jmp('JEQ', r8, EXIT, 'no_return')
    .jmp('JEQ', r8, EXIT_GROUP, 'no_return');
  if (!opts.summary) {
    // While more than one thread is traced (config[0] set), an entry record marks where the call
    // began, so the reader can print it split around other threads' lines as strace does.
    // A call that starts a process (ENTRY_BIT, -f) always sends one: its child's lines come next.
    b.mov(r1, r9).and(r1, ENTRY_BIT).jmp('JNE', r1, 0, 'send_entry');
    b.st('u32', r10, FP_ZERO, 0).ldMap(r1, 'config');
    stackPtr(b, r2, FP_ZERO)
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, 'out')
      .ldx('u32', r1, r0, 0)
      .jmp('JEQ', r1, 0, 'out')
      .label('send_entry')
      .st('u64', r7, RECORD.dur, ENTRY_MARK);
    emit(b, opts, 'entry');
    b.st('u64', r7, RECORD.dur, 0);
  }
  b.ja('out').label('no_return');
  // strace -c does not count exit and exit_group, which never return; the trace prints them.
  if (!opts.summary) emit(b, opts, 'no_return');
  b.st('u32', r7, RECORD.nr, CONSUMED).ja('out').label('full');
  countLost(b, 'out');
  b.label('out').mov(r0, 0).exit();
  return b.build();
}

/**
 * execArgs sends, at execve's entry, an EXEC_ARGS_MARK record built in the per-CPU scratch: the
 * header of the call, then the data `u32 envCount, u32 argvCut` and the argv strings one after
 * another, each cut at -s plus one byte so the reader knows it was longer. The memory argv and envp
 * are in is gone once the exec succeeds, so this is the only time to read them. r7 is restored.
 */
function execArgs(b: ProgramBuilder, opts: StraceProgramOptions): void {
  const argRoom = opts.strSize + 2;
  const dataEnd = LONG_DATA_MAX - argRoom;
  b.st('u32', r10, FP_ZERO, 0).ldMap(r1, 'scratch');
  stackPtr(b, r2, FP_ZERO).call('map_lookup_elem').jmp('JEQ', r0, 0, 'exec_sent').mov(r6, r0);
  for (let off = 0; off < RECORD_HEADER; off += 8) b.ldx('u64', r1, r7, off).st('u64', r6, off, r1);
  b.st('u64', r6, RECORD.dur, EXEC_ARGS_MARK)
    .st('u64', r6, RECORD.data, 0)
    .st('u64', r10, FP_OFF, 8)
    .st('u64', r10, FP_COUNT, 0)
    .label('argv_next')
    // Each loop passes a may_goto: verified once, ended by the kernel's budget if not before.
    .mayGoto('argv_cut')
    .ldx('u64', r1, r10, FP_COUNT)
    .jmp('JGE', r1, EXEC_ARGS_MAX, 'argv_cut')
    .lsh(r1, 3)
    .ldx('u64', r3, r7, RECORD.args + 8)
    .jmp('JEQ', r3, 0, 'argv_done')
    .add(r3, r1)
    .mov(r1, r10)
    .add(r1, FP_PTR)
    .mov(r2, 8)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'argv_done')
    .ldx('u64', r3, r10, FP_PTR)
    .jmp('JEQ', r3, 0, 'argv_done')
    .ldx('u64', r2, r10, FP_OFF)
    .jmp('JGT', r2, dataEnd, 'argv_cut')
    .mov(r1, r6)
    .add(r1, r2)
    .add(r1, RECORD.data)
    .mov(r2, argRoom)
    .call('probe_read_user_str')
    .jmp('JSLE', r0, 0, 'argv_done')
    .ldx('u64', r1, r10, FP_OFF)
    .add(r1, r0)
    .st('u64', r10, FP_OFF, r1)
    .ldx('u64', r1, r10, FP_COUNT)
    .add(r1, 1)
    .st('u64', r10, FP_COUNT, r1)
    .ja('argv_next')
    .label('argv_cut')
    // More arguments than were read: strace ends the array with `...`.
    .st('u32', r6, RECORD.data + 4, 1)
    .label('argv_done')
    .ldx('u64', r1, r10, FP_OFF)
    .st('u32', r6, RECORD.dataLen, r1)
    .st('u64', r10, FP_COUNT, 0)
    .label('envp_next')
    .mayGoto('envp_done')
    .ldx('u64', r1, r10, FP_COUNT)
    .lsh(r1, 3)
    .ldx('u64', r3, r7, RECORD.args + 16)
    .jmp('JEQ', r3, 0, 'envp_done')
    .add(r3, r1)
    .mov(r1, r10)
    .add(r1, FP_PTR)
    .mov(r2, 8)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'envp_done')
    .ldx('u64', r3, r10, FP_PTR)
    .jmp('JEQ', r3, 0, 'envp_done')
    .ldx('u64', r1, r10, FP_COUNT)
    .add(r1, 1)
    .st('u64', r10, FP_COUNT, r1)
    .ja('envp_next')
    .label('envp_done')
    .ldx('u64', r1, r10, FP_COUNT)
    .st('u32', r6, RECORD.data, r1)
    // emit sends the record in r7: the scratch one, then the stash slot is r7 again.
    .st('u64', r10, FP_SLOT, r7)
    .mov(r7, r6);
  emit(b, opts, 'exec_args', LONG_DATA_MAX);
  b.ldx('u64', r7, r10, FP_SLOT);
}

/** readArgs copies the six syscall arguments from struct pt_regs (ctx args[0], in r6) to the record in r7. */
function readArgs(b: ProgramBuilder, opts: StraceProgramOptions): void {
  if (opts.btfRegs) {
    // ctx args[0] is a BTF pointer to struct pt_regs: its registers are loaded directly.
    b.ldx('u64', r2, r6, 0);
    ARG_REG_OFFSETS.forEach((from, i) => {
      b.ldx('u64', r1, r2, REGS_FROM + from).st('u64', r7, RECORD.args + 8 * i, r1);
    });
  } else {
    b.mov(r1, r7)
      .add(r1, RECORD.data)
      .mov(r2, REGS_LEN)
      .ldx('u64', r3, r6, 0)
      .add(r3, REGS_FROM)
      .call('probe_read_kernel');
    ARG_REG_OFFSETS.forEach((from, i) => {
      b.ldx('u64', r1, r7, RECORD.data + from).st('u64', r7, RECORD.args + 8 * i, r1);
    });
    // Clear what the register window left in the data area, so a failed copy shows nothing stale.
    for (let off = 0; off < REGS_LEN; off += 8) b.st('u64', r7, RECORD.data + off, 0);
  }
}

/** entryCapture copies what sys_enter keeps of user memory: a path, or a buffer the call reads. */
function entryCapture(b: ProgramBuilder, opts: StraceProgramOptions): void {
  b.mov(r1, r9)
    .and(r1, KIND_MASK)
    .jmp('JEQ', r1, specKind(Capture.FdSets), 'fd_sets_in')
    .jmp('JEQ', r1, specKind(Capture.MsgHdr), 'msghdr_in')
    .mov(r1, r9)
    .and(r1, 0x0f)
    .jmp('JEQ', r1, Capture.PathAtEntry, 'path')
    .jmp('JEQ', r1, Capture.BufAtEntry, 'bufin')
    .jmp('JEQ', r1, Capture.PathThenStruct, 'path_then_struct')
    .jmp('JEQ', r1, Capture.PathThenBuf, 'path_then_struct')
    .jmp('JEQ', r1, Capture.StructAtEntry, 'struct_in')
    .jmp('JEQ', r1, Capture.AddrAtEntry, 'addr_in')
    .jmp('JEQ', r1, Capture.TwoStrings, 'two_strings')
    .jmp('JEQ', r1, Capture.SigreturnMask, 'sigreturn_mask')
    .jmp('JEQ', r1, Capture.AddrOut, 'addr_len_in')
    .jmp('JEQ', r1, Capture.PollFds, 'poll_in')
    .ja('check_exit');
  fdSetsCopy(b, 'fd_sets_in', 0, 'check_exit');
  // sendmsg's msghdr is read at entry; recvmsg's (lenArg byte 1) once it has received.
  // (recvmsg's at entry too, for the msg_namelen it offered: `110 => 0`.)
  b.label('msghdr_in').mov(r1, r9).rsh(r1, 16).and(r1, 0xff).jmp('JEQ', r1, 0, 'msghdr_copy_in');
  loadArg(b, r3, 8);
  b.jmp('JEQ', r3, 0, 'check_exit')
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .mov(r2, MSGHDR_SIZE)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'check_exit')
    .st('u32', r7, RECORD.dataLen, MSGHDR_SIZE)
    .ja('check_exit');
  msghdrCopy(b, opts, 'msghdr_copy_in', false, 'check_exit');
  b.label('poll_in');
  // poll's array, at most POLL_FDS_MAX entries of 8 bytes: its length is the lenArg byte's argument.
  loadArg(b, r2, 16);
  b.jmp('JLE', r2, POLL_FDS_MAX, 'poll_in_sized')
    .mov(r2, POLL_FDS_MAX)
    .label('poll_in_sized')
    .lsh(r2, 3)
    .st('u64', r10, FP_LEN, r2);
  loadArg(b, r3, 8);
  b.jmp('JEQ', r3, 0, 'check_exit')
    .ldx('u64', r2, r10, FP_LEN)
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'check_exit')
    .ldx('u64', r1, r10, FP_LEN)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('check_exit')
    .label('addr_len_in');
  // The length the caller offers, before the call writes the one it used over it.
  loadArg(b, r3, 16);
  b.st('u32', r7, RECORD.data, 0)
    .jmp('JEQ', r3, 0, 'check_exit')
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .mov(r2, 4)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'check_exit')
    .st('u32', r7, RECORD.dataLen, 4)
    .ja('check_exit')
    .label('sigreturn_mask')
    // ctx args[0] is struct pt_regs *: the user stack pointer is at 152.
    .ldx('u64', r3, r6, 0);
  if (opts.btfRegs) {
    b.ldx('u64', r3, r3, PT_REGS_SP);
  } else {
    b.add(r3, PT_REGS_SP)
      .mov(r1, r10)
      .add(r1, FP_PTR)
      .mov(r2, 8)
      .call('probe_read_kernel')
      .jmp('JNE', r0, 0, 'check_exit')
      .ldx('u64', r3, r10, FP_PTR);
  }
  b.add(r3, SIGFRAME_MASK)
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .mov(r2, 8)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'check_exit')
    .st('u32', r7, RECORD.dataLen, 8)
    .ja('check_exit')
    .label('two_strings');
  // Each string gets half the room; the second starts after the first's NUL.
  loadArg(b, r3, 8);
  b.mov(r1, r7)
    .add(r1, RECORD.data)
    .mov(r2, STRING_ROOM)
    .call('probe_read_user_str')
    .jmp('JSLE', r0, 0, 'check_exit')
    .st('u32', r7, RECORD.dataLen, r0)
    .st('u64', r10, FP_OFF, r0);
  loadArg(b, r3, 16);
  b.ldx('u64', r2, r10, FP_OFF)
    .jmp('JGT', r2, STRING_ROOM, 'check_exit')
    .mov(r1, r7)
    .add(r1, r2)
    .add(r1, RECORD.data)
    .mov(r2, STRING_ROOM)
    .call('probe_read_user_str')
    .jmp('JSLE', r0, 0, 'check_exit')
    .ldx('u64', r1, r10, FP_OFF)
    .add(r1, r0)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('check_exit')
    .label('struct_in')
    // A fixed size, in the lenArg byte.
    .mov(r2, r9)
    .rsh(r2, 16)
    .and(r2, 0xff)
    .ja('copy_in')
    .label('addr_in');
  // A socket address's length is the lenArg byte's argument: at most sockaddr_storage is kept.
  loadArg(b, r2, 16);
  b.jmp('JLE', r2, SOCKADDR_MAX, 'copy_in').mov(r2, SOCKADDR_MAX).label('copy_in').st('u64', r10, FP_LEN, r2);
  loadArg(b, r3, 8);
  b.jmp('JEQ', r3, 0, 'check_exit')
    .ldx('u64', r2, r10, FP_LEN)
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'check_exit')
    .ldx('u64', r1, r10, FP_LEN)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('check_exit')
    .label('path_then_struct');
  // The path's argument is in the kind byte's high nibble; the struct follows its NUL on exit.
  readUserString(b, 4, PATH_BEFORE_STRUCT, 'check_exit');
  b.label('path');
  readUserString(b, 8, DATA_MAX, 'check_exit');
  b.label('bufin');
  loadArg(b, r2, 16);
  b.st('u64', r10, FP_LEN, r2);
  loadArg(b, r3, 8);
  b.ldx('u64', r2, r10, FP_LEN)
    .jmp('JLE', r2, opts.strSize, 'bufin_sized')
    .mov(r2, opts.strSize)
    .label('bufin_sized')
    .st('u64', r10, FP_LEN, r2);
  readUser(b, opts, 'check_exit');
  b.ja('check_exit');
}

/**
 * readUser copies FP_LEN (at most strSize) bytes from user memory at r3 to the record's data in r7
 * and sets its length; on a fault it jumps to `failed`. Short copies go through the stack: copying
 * from user space into a map value would run hardened usercopy's heap checks for every syscall.
 */
function readUser(b: ProgramBuilder, opts: StraceProgramOptions, failed: string): void {
  const viaStack = opts.strSize <= STACK_BUF_MAX;
  const words = Math.ceil(opts.strSize / 8);
  if (viaStack) {
    for (let i = 0; i < words; i++) b.st('u64', r10, FP_BUF + 8 * i, 0);
    stackPtr(b, r1, FP_BUF);
  } else {
    b.mov(r1, r7).add(r1, RECORD.data);
  }
  b.ldx('u64', r2, r10, FP_LEN).call('probe_read_user').jmp('JNE', r0, 0, failed);
  if (viaStack) {
    for (let i = 0; i < words; i++)
      b.ldx('u64', r1, r10, FP_BUF + 8 * i).st('u64', r7, RECORD.data + 8 * i, r1);
  }
  b.ldx('u64', r1, r10, FP_LEN).st('u32', r7, RECORD.dataLen, r1);
}

/** sysExitProgram is the raw_tracepoint:sys_exit program. Maps: stash, pids, lost, scratch, events|stats. */
export function sysExitProgram(opts: StraceProgramOptions): BuiltProgram {
  const b = new ProgramBuilder();
  b.mov(r6, r1);
  stashGet(b, 0)
    .jmp('JEQ', r0, 0, 'out')
    .mov(r7, r0)
    .ldx('u32', r8, r7, RECORD.nr)
    .jmp32('JEQ', r8, CONSUMED, 'out')
    // ctx args[1] is the return value.
    .ldx('u64', r1, r6, 8)
    .st('u64', r7, RECORD.ret, r1)
    // The command is exec'd: from now on the thread is traced in full.
    .jmp('JNE', r8, EXECVE, 'released')
    .jmp('JNE', r1, 0, 'released')
    .ldx('u32', r1, r7, STASH_HELD)
    .jmp('JEQ', r1, 0, 'released')
    .st('u32', r7, STASH_HELD, 0)
    // …and so are the threads it starts, which find their process in pids.
    .ldx('u32', r1, r7, RECORD.tgid)
    .st('u32', r10, FP_TGID, r1)
    .ldMap(r1, 'pids');
  stackPtr(b, r2, FP_TGID)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'released')
    .st('u32', r0, 0, 1)
    .label('released');
  if (opts.timed !== false) {
    b.call('ktime_get_ns').ldx('u64', r1, r7, RECORD.ts).sub(r0, r1).st('u64', r7, RECORD.dur, r0);
  }
  if (!opts.summary) {
    // The entry program kept the spec: no second lookup.
    b.ldx('u32', r9, r7, STASH_SPEC)
      .mov(r1, r9)
      .and(r1, KIND_MASK)
      .jmp('JEQ', r1, specKind(Capture.FdSets), 'fd_sets_out')
      .jmp('JEQ', r1, specKind(Capture.MsgHdr), 'msghdr_out')
      .mov(r1, r9)
      .and(r1, 0x0f)
      .jmp('JEQ', r1, Capture.PathAtEntry, 'path_retry')
      .jmp('JEQ', r1, Capture.PathThenStruct, 'path_retry')
      .jmp('JEQ', r1, Capture.PathThenBuf, 'path_retry')
      .label('path_checked')
      .mov(r1, r9)
      .and(r1, 0x0f)
      .jmp('JEQ', r1, Capture.PathAtEntry, 'path_length')
      .jmp('JEQ', r1, Capture.PathThenStruct, 'path_struct_length')
      .jmp('JEQ', r1, Capture.StructAtExit, 'struct')
      .jmp('JEQ', r1, Capture.DirentsAtExit, 'dirents')
      .jmp('JEQ', r1, Capture.StructAtEntry, 'struct_out')
      .jmp('JEQ', r1, Capture.PathAtExit, 'path_out')
      .jmp('JEQ', r1, Capture.StructOnPositive, 'struct_positive')
      .jmp('JEQ', r1, Capture.AddrOut, 'addr_out')
      .jmp('JEQ', r1, Capture.PathThenBuf, 'buf_after_path')
      .jmp('JEQ', r1, Capture.PollFds, 'poll_out')
      .jmp('JNE', r1, Capture.BufAtExit, 'emit')
      .ldx('u64', r2, r7, RECORD.ret)
      .jmp('JSLE', r2, 0, 'emit')
      .jmp('JLE', r2, opts.strSize, 'bufout_sized')
      .mov(r2, opts.strSize)
      .label('bufout_sized')
      .st('u64', r10, FP_LEN, r2);
    loadArg(b, r3, 8);
    readUser(b, opts, 'emit');
    b.ja('emit');
    structCopy(b, 'struct');
    structAfterEntry(b, 'struct_out');
    b.label('msghdr_out').mov(r1, r9).rsh(r1, 16).and(r1, 0xff).jmp('JEQ', r1, 0, 'emit');
    msghdrCopy(b, opts, 'msghdr_copy_out', true, 'emit');
    // select's sets and timeout as the call left them, after the entry copy, once it succeeded.
    b.label('fd_sets_out')
      .ldx('u64', r2, r7, RECORD.ret)
      .jmp('JSLT', r2, 0, 'emit')
      .ldx('u32', r2, r7, RECORD.dataLen)
      .jmp('JNE', r2, FD_SETS_ROOM, 'emit');
    fdSetsCopy(b, 'fd_sets_copy_out', FD_SETS_ROOM, 'emit');
    structAfterPath(b, 'struct_after_path', PATH_BEFORE_STRUCT, 'emit');
    direntsCount(b, 'dirents');
    addrOut(b, 'addr_out');
    bufAfterPath(b, opts, 'buf_after_path');
    // poll's array again once it has revents in it, after the copy made at entry.
    b.label('poll_out')
      .ldx('u64', r2, r7, RECORD.ret)
      .jmp('JSLE', r2, 0, 'emit')
      .ldx('u32', r2, r7, RECORD.dataLen)
      .jmp('JEQ', r2, 0, 'emit')
      .jmp('JGT', r2, POLL_FDS_MAX * 8, 'emit')
      .st('u64', r10, FP_LEN, r2);
    loadArg(b, r3, 8);
    b.ldx('u64', r2, r10, FP_LEN)
      .mov(r1, r7)
      .add(r1, r2)
      .add(r1, RECORD.data)
      .call('probe_read_user')
      .jmp('JNE', r0, 0, 'emit')
      .ldx('u64', r1, r10, FP_LEN)
      .lsh(r1, 1)
      .st('u32', r7, RECORD.dataLen, r1)
      .ja('emit');
    // A struct a call that returns a count or a pid fills (wait4's status): read when it is > 0.
    b.label('struct_positive').ldx('u64', r2, r7, RECORD.ret).jmp('JSLE', r2, 0, 'emit').ja('struct_copy');
    // A path the call filled (getcwd): read once it succeeded.
    b.label('path_out').ldx('u64', r2, r7, RECORD.ret).jmp('JSLE', r2, 0, 'emit');
    readUserString(b, 8, DATA_MAX, 'emit');
    // A path that filled its room may be longer: read it whole into the scratch record (not after an
    // exec, whose path was in the memory the exec replaced).
    b.label('path_length')
      .ldx('u32', r1, r7, RECORD.dataLen)
      .jmp('JLT', r1, DATA_MAX, 'emit')
      .jmp('JEQ', r8, EXECVE, 'emit')
      .jmp('JEQ', r8, EXECVEAT, 'emit');
    longPath(b, opts, 'long', 8, false);
    b.label('path_struct_length')
      .ldx('u32', r1, r7, RECORD.dataLen)
      .jmp('JLT', r1, PATH_BEFORE_STRUCT, 'struct_after_path');
    longPath(b, opts, 'long_struct', 4, true);
    // A path in a page the process had not touched yet cannot be read at entry; the syscall has
    // faulted it in since, so a missing path is read again now.
    b.label('path_retry')
      .ldx('u32', r1, r7, RECORD.dataLen)
      .jmp('JNE', r1, 0, 'path_checked')
      .mov(r1, r9)
      .and(r1, 0x0f)
      .jmp('JEQ', r1, Capture.PathThenStruct, 'path_retry_before_struct')
      .jmp('JEQ', r1, Capture.PathThenBuf, 'path_retry_before_struct');
    readUserString(b, 8, DATA_MAX, 'path_checked');
    b.label('path_retry_before_struct');
    readUserString(b, 4, PATH_BEFORE_STRUCT, 'path_checked');
  }
  b.label('emit');
  emit(b, opts, 'exit');
  b.st('u32', r7, RECORD.nr, CONSUMED).label('out').mov(r0, 0).exit();
  return b.build();
}

/** NO_NAMELEN marks an offered msg_namelen that was not read at entry (0xffffffff as a u32). */
const NO_NAMELEN = -1;

/**
 * msghdrCopy copies the struct msghdr the arg byte's argument points to, its first iovec after it,
 * and then that iovec's bytes: at most -s and the room left, and at exit at most the return value
 * (what recvmsg received; nothing after a failure). Jumps to `done`.
 */
function msghdrCopy(
  b: ProgramBuilder,
  opts: StraceProgramOptions,
  label: string,
  atExit: boolean,
  done: string,
): void {
  const most = Math.min(opts.strSize, DATA_MAX - MSGHDR_ROOM);
  b.label(label);
  if (atExit) {
    // The msg_namelen offered at entry goes in the padding after msg_flags (NO_NAMELEN: not read).
    b.ldx('u64', r2, r7, RECORD.ret)
      .jmp('JSLT', r2, 0, done)
      .mov(r2, NO_NAMELEN)
      .ldx('u32', r1, r7, RECORD.dataLen)
      .jmp('JNE', r1, MSGHDR_SIZE, `${label}_offered`)
      .ldx('u32', r2, r7, RECORD.data + 8)
      .label(`${label}_offered`)
      .st('u64', r10, FP_OFF, r2);
  }
  loadArg(b, r3, 8);
  b.jmp('JEQ', r3, 0, done)
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .mov(r2, MSGHDR_SIZE)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, done)
    .st('u32', r7, RECORD.dataLen, MSGHDR_SIZE);
  if (atExit) b.ldx('u64', r1, r10, FP_OFF).st('u32', r7, RECORD.data + MSGHDR_NAMELEN_OFFERED, r1);
  b
    // msg_iovlen, then msg_iov: the first iovec, when there is one.
    .ldx('u64', r1, r7, RECORD.data + 24)
    .jmp('JEQ', r1, 0, done)
    .ldx('u64', r3, r7, RECORD.data + 16)
    .jmp('JEQ', r3, 0, done)
    .mov(r1, r7)
    .add(r1, RECORD.data + MSGHDR_SIZE)
    .mov(r2, 16)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, done)
    .st('u32', r7, RECORD.dataLen, MSGHDR_ROOM)
    .ldx('u64', r2, r7, RECORD.data + MSGHDR_SIZE + 8);
  if (atExit) {
    b.ldx('u64', r1, r7, RECORD.ret)
      .jmp('JLE', r2, r1, `${label}_received`)
      .mov(r2, r1)
      .label(`${label}_received`);
  }
  b.jmp('JLE', r2, most, `${label}_sized`)
    .mov(r2, most)
    .label(`${label}_sized`)
    .st('u64', r10, FP_LEN, r2)
    .ldx('u64', r3, r7, RECORD.data + MSGHDR_SIZE)
    .jmp('JEQ', r3, 0, done)
    .ldx('u64', r2, r10, FP_LEN)
    .mov(r1, r7)
    .add(r1, RECORD.data + MSGHDR_ROOM)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, done)
    .ldx('u64', r1, r10, FP_LEN)
    .add(r1, MSGHDR_ROOM)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja(done);
}

/**
 * structCopy copies the struct a successful call filled (size in the spec's lenArg byte, in r9) to
 * the start of the data area, and makes the record's data end after it.
 */
function structCopy(b: ProgramBuilder, label: string): void {
  b.label(label)
    .ldx('u64', r2, r7, RECORD.ret)
    .jmp('JNE', r2, 0, 'emit')
    .label(`${label}_copy`)
    .mov(r2, r9)
    .rsh(r2, 16)
    .and(r2, 0xff)
    .jmp('JGT', r2, STRUCT_MAX, 'emit')
    .st('u64', r10, FP_LEN, r2);
  loadArg(b, r3, 8);
  b.ldx('u64', r2, r10, FP_LEN)
    .mov(r1, r7)
    .add(r1, RECORD.data)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'emit')
    .ldx('u64', r1, r10, FP_LEN)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('emit');
}

/**
 * bufAfterPath copies what a successful call wrote to its buffer (readlink: the return value's
 * bytes, at most -s and the room after the path) right after the path and its NUL.
 */
function bufAfterPath(b: ProgramBuilder, opts: StraceProgramOptions, label: string): void {
  const most = Math.min(opts.strSize, DATA_MAX - PATH_BEFORE_STRUCT);
  b.label(label)
    .ldx('u64', r2, r7, RECORD.ret)
    .jmp('JSLE', r2, 0, 'emit')
    .jmp('JLE', r2, most, `${label}_sized`)
    .mov(r2, most)
    .label(`${label}_sized`)
    .st('u64', r10, FP_LEN, r2)
    .ldx('u32', r1, r7, RECORD.dataLen)
    .jmp('JEQ', r1, 0, 'emit')
    .jmp('JGT', r1, PATH_BEFORE_STRUCT, 'emit')
    .st('u64', r10, FP_OFF, r1);
  loadArg(b, r3, 8);
  b.ldx('u64', r2, r10, FP_OFF)
    .mov(r1, r7)
    .add(r1, r2)
    .add(r1, RECORD.data)
    .ldx('u64', r2, r10, FP_LEN)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'emit')
    .ldx('u64', r1, r10, FP_LEN)
    .ldx('u64', r2, r10, FP_OFF)
    .add(r1, r2)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('emit');
}

/**
 * addrOut completes an AddrOut record once the call succeeded: the length it wrote back (data 4..8)
 * and that many bytes, at most SOCKADDR_MAX, of what it filled (from data 8).
 */
function addrOut(b: ProgramBuilder, label: string): void {
  b.label(label).ldx('u64', r2, r7, RECORD.ret).jmp('JSLT', r2, 0, 'emit');
  loadArg(b, r3, 16);
  b.jmp('JEQ', r3, 0, 'emit')
    .mov(r1, r7)
    .add(r1, RECORD.data + 4)
    .mov(r2, 4)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'emit')
    .st('u32', r7, RECORD.dataLen, 8)
    .ldx('u32', r2, r7, RECORD.data + 4)
    .jmp('JLE', r2, SOCKADDR_MAX, `${label}_sized`)
    .mov(r2, SOCKADDR_MAX)
    .label(`${label}_sized`)
    .st('u64', r10, FP_LEN, r2);
  loadArg(b, r3, 8);
  b.jmp('JEQ', r3, 0, 'emit')
    .ldx('u64', r2, r10, FP_LEN)
    .mov(r1, r7)
    .add(r1, RECORD.data + 8)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'emit')
    .ldx('u64', r1, r10, FP_LEN)
    .add(r1, 8)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('emit');
}

/**
 * structAfterEntry copies the struct a successful call filled (argument in the kind byte's high
 * nibble, same size as the entry struct) right after the entry struct the record holds. A missing
 * entry struct (NULL) leaves the room empty so the exit struct still lands at offset `size`.
 */
function structAfterEntry(b: ProgramBuilder, label: string): void {
  b.label(label)
    .ldx('u64', r2, r7, RECORD.ret)
    .jmp('JNE', r2, 0, 'emit')
    .mov(r1, r9)
    .rsh(r1, 4)
    .and(r1, 0x0f)
    .jmp('JEQ', r1, 0, 'emit')
    .mov(r2, r9)
    .rsh(r2, 16)
    .and(r2, 0xff)
    .jmp('JGT', r2, STRUCT_MAX, 'emit')
    .st('u64', r10, FP_LEN, r2)
    // The entry struct must be there (or its pointer NULL), or the exit one would follow stale bytes.
    .ldx('u32', r1, r7, RECORD.dataLen)
    .jmp('JEQ', r1, r2, `${label}_copy`);
  loadArg(b, r3, 8);
  b.jmp('JNE', r3, 0, 'emit').label(`${label}_copy`);
  loadArg(b, r3, 4);
  b.jmp('JEQ', r3, 0, 'emit')
    .ldx('u64', r2, r10, FP_LEN)
    .mov(r1, r7)
    .add(r1, r2)
    .add(r1, RECORD.data)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'emit')
    .ldx('u64', r1, r10, FP_LEN)
    .lsh(r1, 1)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja('emit');
}

/**
 * structAfterPath copies the struct a successful call filled right after the path (and its NUL) the
 * record in r7 holds, at most `room` bytes in; a record without a path gets no struct.
 */
function structAfterPath(b: ProgramBuilder, label: string, room: number, done: string): void {
  b.label(label)
    .ldx('u64', r2, r7, RECORD.ret)
    .jmp('JNE', r2, 0, done)
    .ldx('u32', r1, r7, RECORD.dataLen)
    .jmp('JEQ', r1, 0, done)
    .jmp('JGT', r1, room, done)
    .st('u64', r10, FP_OFF, r1)
    .mov(r2, r9)
    .rsh(r2, 16)
    .and(r2, 0xff)
    .jmp('JGT', r2, STRUCT_MAX, done)
    .st('u64', r10, FP_LEN, r2);
  loadArg(b, r3, 8);
  b.ldx('u64', r2, r10, FP_OFF)
    .mov(r1, r7)
    .add(r1, r2)
    .add(r1, RECORD.data)
    .ldx('u64', r2, r10, FP_LEN)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, done)
    .ldx('u64', r1, r10, FP_LEN)
    .ldx('u64', r2, r10, FP_OFF)
    .add(r1, r2)
    .st('u32', r7, RECORD.dataLen, r1)
    .ja(done);
}

/**
 * direntsCount walks the linux_dirent64s (or linux_dirents: d_reclen is at 16 in both) a successful
 * getdents filled and sends their count as the record's data, for strace's `/* N entries *\/`.
 */
function direntsCount(b: ProgramBuilder, label: string): void {
  b.label(label)
    .ldx('u64', r2, r7, RECORD.ret)
    .jmp('JSLT', r2, 0, 'emit')
    .st('u64', r10, FP_LEN, r2)
    .st('u64', r10, FP_OFF, 0)
    .st('u64', r10, FP_COUNT, 0)
    .label(`${label}_next`)
    // Out of loop budget, the count is not known: the record carries none and the pointer is printed.
    .mayGoto('emit')
    .ldx('u64', r2, r10, FP_OFF)
    .ldx('u64', r3, r10, FP_LEN)
    .jmp('JGE', r2, r3, `${label}_done`);
  loadArg(b, r3, 8);
  b.ldx('u64', r2, r10, FP_OFF)
    .add(r3, r2)
    .add(r3, 16)
    .mov(r1, r10)
    .add(r1, FP_RECLEN)
    .mov(r2, 2)
    .call('probe_read_user')
    .jmp('JNE', r0, 0, 'emit')
    .ldx('u16', r1, r10, FP_RECLEN)
    .jmp('JEQ', r1, 0, 'emit')
    .ldx('u64', r2, r10, FP_OFF)
    .add(r2, r1)
    .st('u64', r10, FP_OFF, r2)
    .ldx('u64', r1, r10, FP_COUNT)
    .add(r1, 1)
    .st('u64', r10, FP_COUNT, r1)
    .ja(`${label}_next`)
    .label(`${label}_done`)
    .ldx('u64', r1, r10, FP_COUNT)
    .st('u32', r7, RECORD.data, r1)
    .st('u32', r7, RECORD.dataLen, 4)
    .ja('emit');
}

/**
 * longPath reads the path (argument index in r9 at `shift`) whole into the per-CPU scratch record,
 * gives it the stash record's header and, with `struct`, the struct after the path; then sends it.
 * If the path cannot be read now, the stash record is sent as it is.
 */
function longPath(
  b: ProgramBuilder,
  opts: StraceProgramOptions,
  p: string,
  shift: number,
  struct: boolean,
): void {
  b.st('u32', r10, FP_ZERO, 0).ldMap(r1, 'scratch');
  stackPtr(b, r2, FP_ZERO).call('map_lookup_elem').jmp('JEQ', r0, 0, 'emit').mov(r6, r0);
  loadArg(b, r3, shift);
  b.mov(r1, r6)
    .add(r1, RECORD.data)
    .mov(r2, PATH_MAX)
    .call('probe_read_user_str')
    .jmp('JSLE', r0, 0, 'emit')
    .st('u64', r10, FP_LEN, r0);
  for (let off = 0; off < RECORD_HEADER; off += 8) b.ldx('u64', r1, r7, off).st('u64', r6, off, r1);
  b.ldx('u64', r1, r10, FP_LEN)
    .st('u32', r6, RECORD.dataLen, r1)
    .st('u32', r7, RECORD.nr, CONSUMED)
    .mov(r7, r6);
  if (struct) structAfterPath(b, `${p}_struct`, PATH_MAX, `${p}_emit`);
  b.label(`${p}_emit`);
  emit(b, opts, p, LONG_DATA_MAX);
  b.ja('out');
}

/**
 * forkProgram is the tracepoint:sched:sched_process_fork program for -f: a child of a traced
 * process is traced too, and from then on sys_enter sends entry records (config[0] = 1).
 * `childPidOffset` is the child_pid field's offset in the tracepoint record. Maps: pids, config.
 */
export function forkProgram(childPidOffset: number): BuiltProgram {
  const b = new ProgramBuilder();
  b.mov(r6, r1).call('get_current_pid_tgid').rsh(r0, 32).st('u32', r10, FP_TGID, r0).ldMap(r1, 'pids');
  stackPtr(b, r2, FP_TGID)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .st('u32', r10, FP_ZERO, 0)
    .ldMap(r1, 'config');
  stackPtr(b, r2, FP_ZERO).call('map_lookup_elem').jmp('JEQ', r0, 0, 'config_set').st('u32', r0, 0, 1);
  b.label('config_set')
    .ldx('u32', r1, r6, childPidOffset)
    .st('u32', r10, FP_NR, r1)
    .st('u32', r10, FP_ZERO, 1)
    .ldMap(r1, 'pids');
  stackPtr(b, r2, FP_NR);
  stackPtr(b, r3, FP_ZERO).mov(r4, 0).call('map_update_elem').label('out').mov(r0, 0).exit();
  return b.build();
}

/** SIGINFO_COPY is the bytes of siginfo a signal record carries: the header and the fields strace shows. */
export const SIGINFO_COPY = 48;
// SIGNAL_MARK (…fffd in the duration) marks a record of a signal delivered to a traced thread.
const SIGNAL_MARK = -3;
const SIGNAL_RECORD = RECORD_HEADER + SIGINFO_COPY;

/**
 * signalProgram is the raw_tracepoint:signal_deliver program: a signal delivered to a traced thread
 * (one with a stash slot, not the held wrapper) is sent as a SIGNAL_MARK record whose number is the
 * signal and whose data is the start of its siginfo, for strace's `--- SIGCHLD {…} ---` line.
 * Maps: stash, pids, events, lost.
 */
export function signalProgram(): BuiltProgram {
  const b = new ProgramBuilder();
  const at = -SIGNAL_RECORD;
  b.mov(r6, r1);
  stashGet(b, 0).jmp('JEQ', r0, 0, 'no_slot').ldx('u32', r1, r0, STASH_HELD).jmp('JNE', r1, 0, 'out');
  b.ja('traced');
  // A child killed before its first syscall has no slot yet: its pids entry (from the fork program)
  // says it is traced, so the SIGKILL that ends it is still seen (strace's `+++ killed by` line).
  b.label('no_slot').call('get_current_pid_tgid').rsh(r0, 32).st('u32', r10, FP_TGID, r0).ldMap(r1, 'pids');
  stackPtr(b, r2, FP_TGID)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .ldx('u32', r1, r0, 0)
    .jmp('JEQ', r1, PID_HELD, 'out');
  b.label('traced');
  for (let off = 0; off < SIGNAL_RECORD; off += 8) b.st('u64', r10, at + off, 0);
  b.call('ktime_get_ns')
    .st('u64', r10, at + RECORD.ts, r0)
    .st('u64', r10, at + RECORD.dur, SIGNAL_MARK)
    .call('get_current_pid_tgid')
    .st('u32', r10, at + RECORD.tid, r0)
    .rsh(r0, 32)
    .st('u32', r10, at + RECORD.tgid, r0);
  // ctx is u64 args[]: the signal, struct kernel_siginfo *, struct k_sigaction *.
  return sendSignal(b, at);
}

// SIGNAL_SENT_MARK (…fffc in the duration) marks a record of a signal sent to a traced process.
const SIGNAL_SENT_MARK = -4;
// TRACE_SIGNAL_DELIVERED is signal_generate's result for a signal queued to its target.
const TRACE_SIGNAL_DELIVERED = 0;
const SIGKILL = 9;

/**
 * signalSentProgram is the raw_tracepoint:signal_generate program: a signal (other than SIGKILL)
 * queued to a traced process is sent as a SIGNAL_SENT_MARK record, its tgid the target's, its number
 * the signal and its data the start of its siginfo. A fatal signal reaches signal_deliver only as the
 * SIGKILL the kernel turns it into, so this is where strace's `--- SIGTERM {…} ---` before
 * `+++ killed by SIGTERM +++` comes from. tgidOffset is task_struct.tgid's. Maps: pids, events, lost.
 */
export function signalSentProgram(tgidOffset: number): BuiltProgram {
  const b = new ProgramBuilder();
  const at = -SIGNAL_RECORD;
  // ctx is u64 args[]: sig, struct kernel_siginfo *, struct task_struct *, group, result.
  b.mov(r6, r1)
    .ldx('u64', r1, r6, 32)
    .jmp('JNE', r1, TRACE_SIGNAL_DELIVERED, 'out')
    .ldx('u64', r1, r6, 0)
    .jmp('JEQ', r1, SIGKILL, 'out')
    .mov(r1, r10)
    .add(r1, FP_TGID)
    .mov(r2, 4)
    .ldx('u64', r3, r6, 16)
    .add(r3, tgidOffset)
    .call('probe_read_kernel')
    .jmp('JNE', r0, 0, 'out')
    .ldMap(r1, 'pids');
  // The record is built over the whole stack frame: the tgid moves to r7 first.
  stackPtr(b, r2, FP_TGID).call('map_lookup_elem').jmp('JEQ', r0, 0, 'out').ldx('u32', r7, r10, FP_TGID);
  for (let off = 0; off < SIGNAL_RECORD; off += 8) b.st('u64', r10, at + off, 0);
  b.call('ktime_get_ns')
    .st('u64', r10, at + RECORD.ts, r0)
    .st('u64', r10, at + RECORD.dur, SIGNAL_SENT_MARK)
    .st('u32', r10, at + RECORD.tgid, r7)
    .st('u32', r10, at + RECORD.tid, r7);
  return sendSignal(b, at);
}

/**
 * sendSignal ends both signal programs: the signal (ctx args[0]) and the start of its siginfo
 * (args[1]) complete the record at `at` on the stack, which goes to the ring (or counts as lost).
 */
function sendSignal(b: ProgramBuilder, at: number): BuiltProgram {
  b.ldx('u64', r1, r6, 0)
    .st('u32', r10, at + RECORD.nr, r1)
    .st('u32', r10, at + RECORD.dataLen, SIGINFO_COPY)
    .mov(r1, r10)
    .add(r1, at + RECORD.data)
    .mov(r2, SIGINFO_COPY)
    .ldx('u64', r3, r6, 8)
    .call('probe_read_kernel')
    .ldMap(r1, 'events')
    .mov(r2, r10)
    .add(r2, at)
    .mov(r3, SIGNAL_RECORD)
    .mov(r4, BPF_RB_NO_WAKEUP)
    .call('ringbuf_output')
    .jmp('JEQ', r0, 0, 'out');
  countLost(b, 'out');
  b.label('out').mov(r0, 0).exit();
  return b.build();
}
