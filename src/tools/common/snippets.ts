// Program fragments the tools share, for ProgramBuilder: in-kernel pid/tid/uid filters and the
// lost-event counter.

import { type ProgramBuilder, type Reg, r0, r1, r2, r10 } from '../../asm/index.js';

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

/** RingFlag are bpf_ringbuf_submit/output flags (include/uapi/linux/bpf.h). */
export const RingFlag = { NO_WAKEUP: 1, FORCE_WAKEUP: 2 } as const;
