// exitsnoop: trace process (or thread, -T) exits from sched:sched_process_exit, with the age and exit
// status read from the exiting task_struct (offsets from the running kernel's BTF).

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r6, r7, r8, r10 } from '../asm/index.js';
import { loadVmlinux } from '../btf/btf.js';
import { CGROUP_MAP, CgroupFilter, cgroupMapSpec, filterCgroup } from './common/cgroup.js';
import type { Output } from './common/output.js';
import type { EventToolOptions } from './common/session.js';
import { sendWithComm } from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import {
  decodeExitEvent,
  EXITSNOOP_EVENT,
  type ExitEvent,
  type ExitFormat,
  exitJson,
  exitsnoopHeader,
  formatExit,
} from './exitsnoop-format.js';

/** ExitsnoopOptions are libbpf-tools exitsnoop's options. */
export interface ExitsnoopOptions extends EventToolOptions<ExitEvent>, ExitFormat {
  pid?: number;
  /** failed keeps only exits with a non-zero code or a signal (-x). */
  failed?: boolean;
  /** threaded reports every thread's exit, not only each process's last (-T). */
  threaded?: boolean;
  /** cgroup traces only tasks under this cgroup v2 directory (-c). */
  cgroup?: string;
}

interface TaskOffsets {
  exitCode: number;
  startTime: number;
  realParent: number;
  tgid: number;
}

const FP_EV = -48;
const FP_PTR = -56;

function exitProgram(o: ExitsnoopOptions, t: TaskOffsets): BuiltProgram {
  const E = EXITSNOOP_EVENT;
  const b = new ProgramBuilder().mov(r6, r1).call('get_current_pid_tgid').mov(r7, r0).mov(r1, r7).rsh(r1, 32);
  if (o.pid) b.jmp('JNE', r1, o.pid, 'out');
  // A process exits when its last thread does; libbpf-tools reports the thread group leader's exit.
  if (!o.threaded) b.mov32(r2, r7).jmp('JNE', r1, r2, 'out');
  if (o.cgroup !== undefined) {
    filterCgroup(b, 'out');
    b.mov(r1, r7).rsh(r1, 32);
  }
  for (let off = 0; off < E.size; off += 8) b.st('u64', r10, FP_EV + off, 0);
  b.st('u32', r10, FP_EV + E.pid, r1)
    .st('u32', r10, FP_EV + E.tid, r7)
    .call('get_current_task')
    .mov(r8, r0);
  const read = (dst: number, size: number, base: 'task' | 'ptr', off: number): void => {
    b.mov(r1, r10).add(r1, dst).mov(r2, size);
    if (base === 'task') b.mov(r3, r8);
    else b.ldx('u64', r3, r10, FP_PTR);
    b.add(r3, off).call('probe_read_kernel');
  };
  read(FP_EV + E.exitCode, 4, 'task', t.exitCode);
  if (o.failed) b.ldx('u32', r1, r10, FP_EV + E.exitCode).jmp('JEQ', r1, 0, 'out');
  read(FP_EV + E.startNs, 8, 'task', t.startTime);
  read(FP_PTR, 8, 'task', t.realParent);
  read(FP_EV + E.ppid, 4, 'ptr', t.tgid);
  b.call('ktime_get_ns').st('u64', r10, FP_EV + E.exitNs, r0);
  sendWithComm(b, FP_EV, E.comm, E.size, 'sent');
  return b.label('out').mov(r0, 0).exit().build();
}

/** runExitsnoop prints exits until stopped. */
export async function runExitsnoop(opts: ExitsnoopOptions, out: Output): Promise<TracerResult> {
  const btf = loadVmlinux();
  const task: TaskOffsets = {
    exitCode: btf.offsetOf('task_struct.exit_code').offset,
    startTime: btf.offsetOf('task_struct.start_time').offset,
    realParent: btf.offsetOf('task_struct.real_parent').offset,
    tgid: btf.offsetOf('task_struct.tgid').offset,
  };
  const cgroup = opts.cgroup === undefined ? undefined : new CgroupFilter(opts.cgroup);
  try {
    return await runTracer(
      {
        tool: 'exitsnoop',
        ...(cgroup ? { maps: { [CGROUP_MAP]: cgroupMapSpec } } : {}),
        programs: [
          {
            name: 'sched_exit',
            type: 'tracepoint',
            insns: exitProgram(opts, task),
            attach: ['sched:sched_process_exit'],
          },
        ],
        ready: (maps) => {
          cgroup?.install(maps);
          if (!opts.json) out.line(exitsnoopHeader(opts));
          opts.ready?.();
        },
        onRecord: (data) => {
          const e = decodeExitEvent(data);
          opts.onEvent?.(e);
          if (opts.json) out.json(exitJson(e));
          else out.line(formatExit(e, opts));
        },
      },
      out,
      opts,
    );
  } finally {
    cgroup?.close();
  }
}
