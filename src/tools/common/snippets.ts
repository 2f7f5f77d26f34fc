// Program fragments the tools share, for ProgramBuilder: in-kernel pid/tid/uid filters, the
// per-thread stash that carries a syscall's arguments from sys_enter to sys_exit, start times for
// latencies, the per-CPU scratch record, the lost-event counter and the ring buffer's output with
// its wake-up flags.

import {
  type ProgramBuilder,
  type Reg,
  r0,
  r1,
  r2,
  r3,
  r4,
  r10,
  ringbufOutputAdaptive,
} from '../../asm/index.js';

/** TaskFilter restricts a program to one process, thread or user; 0/undefined means any. */
export interface TaskFilter {
  pid?: number | undefined;
  tid?: number | undefined;
  uid?: number | undefined;
}

/**
 * filterTask emits the checks of `f`, jumping to `skip` when the current task does not match.
 * It leaves bpf_get_current_pid_tgid() in `into` when given (a callee-saved register).
 */
export function filterTask(b: ProgramBuilder, f: TaskFilter, skip: string, into?: Reg): void {
  b.call('get_current_pid_tgid');
  if (into) b.mov(into, r0);
  if (f.pid) b.mov(r1, r0).rsh(r1, 32).jmp('JNE', r1, f.pid, skip);
  if (f.tid) b.mov32(r1, r0).jmp('JNE', r1, f.tid, skip);
  if (f.uid !== undefined) b.call('get_current_uid_gid').mov32(r0, r0).jmp('JNE', r0, f.uid, skip);
}

/**
 * stashByTid emits `map[tid] = value` (BPF_ANY), the tid being the low half of `pidTgid`, a register
 * holding bpf_get_current_pid_tgid(); `value` is a stack offset from r10 or a callee-saved register
 * pointing at the value. The tid is kept at the stack slot `tidSlot` (4 bytes). Clobbers r0-r5.
 */
export function stashByTid(
  b: ProgramBuilder,
  map: string,
  pidTgid: Reg,
  tidSlot: number,
  value: Reg | number,
): void {
  b.st('u32', r10, tidSlot, pidTgid).ldMap(r1, map).mov(r2, r10).add(r2, tidSlot);
  if (typeof value === 'number') b.mov(r3, r10).add(r3, value);
  else b.mov(r3, value);
  b.mov(r4, 0).call('map_update_elem');
}

/**
 * lookupByTid emits the sys_exit side: bpf_get_current_pid_tgid() into `pidTgid` when given (a
 * callee-saved register), the tid kept at `tidSlot`, then r0 = map[tid], jumping to `missing` when
 * this thread stashed nothing (it entered before the tool attached, or was filtered out).
 */
export function lookupByTid(
  b: ProgramBuilder,
  map: string,
  tidSlot: number,
  missing: string,
  pidTgid?: Reg,
): void {
  b.call('get_current_pid_tgid');
  if (pidTgid) b.mov(pidTgid, r0);
  b.st('u32', r10, tidSlot, r0)
    .ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, tidSlot)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, missing);
}

/** forgetByTid emits `delete map[tid]` for the tid lookupByTid kept at `tidSlot`. */
export function forgetByTid(b: ProgramBuilder, map: string, tidSlot: number): void {
  b.ldMap(r1, map).mov(r2, r10).add(r2, tidSlot).call('map_delete_elem');
}

/**
 * stampStart emits `map[key] = bpf_ktime_get_ns()`, the key at stack slot `keySlot`, the time kept at
 * `tsSlot` (8 bytes). Clobbers r0-r5.
 */
export function stampStart(b: ProgramBuilder, map: string, keySlot: number, tsSlot: number): void {
  b.call('ktime_get_ns')
    .st('u64', r10, tsSlot, r0)
    .ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, keySlot)
    .mov(r3, r10)
    .add(r3, tsSlot)
    .mov(r4, 0)
    .call('map_update_elem');
}

/**
 * elapsedSince emits `into = bpf_ktime_get_ns() - map[key]` and deletes the key (at stack slot
 * `keySlot`), jumping to `missing` when no start was stamped. `into` is callee-saved (r6-r9); the
 * result is signed, since another CPU's clock may be a little behind. Clobbers r0-r5.
 */
export function elapsedSince(
  b: ProgramBuilder,
  map: string,
  keySlot: number,
  missing: string,
  into: Reg,
): void {
  b.ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, keySlot)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, missing)
    .ldx('u64', into, r0, 0)
    .ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, keySlot)
    .call('map_delete_elem')
    .call('ktime_get_ns')
    .sub(r0, into)
    .mov(into, r0);
}

/**
 * scratchRecord emits r0 = the first value of the per-CPU array `map`, where a record too large for
 * the 512-byte stack is built, jumping to `missing` when the lookup fails. Uses the 4-byte stack slot
 * `zeroSlot` for the key.
 */
export function scratchRecord(b: ProgramBuilder, map: string, zeroSlot: number, missing: string): void {
  b.st('u32', r10, zeroSlot, 0)
    .ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, zeroSlot)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, missing);
}

/** countLost emits `lost[0] += 1` (clobbers r0-r2 and the stack slot at r10-4) and falls through. */
export function countLost(b: ProgramBuilder, label: string): void {
  b.st('u32', r10, -4, 0)
    .ldMap(r1, 'lost')
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, `${label}_counted`)
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .label(`${label}_counted`);
}

/** RING_BYTES is the tools' ring buffer size (runTracer's). */
export const RING_BYTES = 1 << 21;

/**
 * WAKE_AT is the unread byte count above which a tool's program wakes its reader: a wake-up per
 * record queues an irq_work (a self-IPI) in the traced task, and the reader drains on a timer anyway,
 * so it is only woken early when a burst threatens to fill the ring.
 */
export const WAKE_AT = RING_BYTES / 4;

/**
 * sendWithComm fills the record at stack offset `record` with the current task's comm at `commAt`,
 * then sends `size` bytes of it with ringOutput.
 */
export function sendWithComm(
  b: ProgramBuilder,
  record: number,
  commAt: number,
  size: number,
  label: string,
): void {
  b.mov(r1, r10)
    .add(r1, record + commAt)
    .mov(r2, 16)
    .call('get_current_comm');
  ringOutput(b, record, size, label);
}

/**
 * ringOutput emits bpf_ringbuf_output(events, data, size) with adaptive wake-up (WAKE_AT) and counts
 * a failure as lost. `data` is a callee-saved register or a stack offset from r10; `size` a constant
 * or a callee-saved register. Clobbers r0-r5 and the stack slot at r10-4.
 */
export function ringOutput(b: ProgramBuilder, data: Reg | number, size: Reg | number, label: string): void {
  ringbufOutputAdaptive(
    b,
    typeof data === 'number'
      ? { map: 'events', data: r10, offset: data, size, wakeAt: WAKE_AT }
      : { map: 'events', data, size, wakeAt: WAKE_AT },
  );
  b.jmp('JEQ', r0, 0, `${label}_sent`);
  countLost(b, `${label}_lost`);
  b.label(`${label}_sent`);
}
