// execsnoop: trace execve system-wide (syscall tracepoints, like libbpf-tools): arguments are copied
// at entry, the event is sent at exit with the return value and the new comm.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r6, r7, r8, r10 } from '../asm/index.js';
import { memberOffsets } from './common/btf-offsets.js';
import { CGROUP_MAP, CgroupFilter, cgroupMapSpec, filterCgroup } from './common/cgroup.js';
import type { Output } from './common/output.js';
import { type EventToolOptions, requireRoot } from './common/session.js';
import {
  countLost,
  filterTask,
  forgetByTid,
  lookupByTid,
  ringOutput,
  scratchRecord,
  stashByTid,
} from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import {
  decodeExecEvent,
  EXECSNOOP_ARG_SIZE,
  EXECSNOOP_EVENT,
  EXECSNOOP_MAX_ARGS,
  EXECSNOOP_TOTAL_MAX_ARGS,
  type ExecEvent,
  type ExecFormat,
  execEventSize,
  execJson,
  execsnoopHeader,
  formatExec,
} from './execsnoop-format.js';

/** ExecsnoopOptions are libbpf-tools execsnoop's options. */
export interface ExecsnoopOptions extends EventToolOptions<ExecEvent>, ExecFormat {
  /** fails includes failed execs (-x). */
  fails?: boolean;
  /** uid traces only this user (-u). */
  uid?: number;
  /** name keeps commands whose comm contains it (-n); line keeps those whose arguments do (-l). */
  name?: string;
  line?: string;
  /** maxArgs caps the arguments copied (--max-args: 20 by default, at most 60). */
  maxArgs?: number;
  /** cgroup traces only tasks under this cgroup v2 directory (-c). */
  cgroup?: string;
}

const FP_TID = -8;
const FP_ARGP = -16;
const FP_ZERO = -20;
// sys_enter_execve: filename at 16, argv at 24; sys_exit_execve: ret at 16.
const ENTER_FILENAME = 16;
const ENTER_ARGV = 24;
const EXIT_RET = 16;

/** TaskOffsets are the task_struct members execsnoop reads for the parent pid, from BTF. */
interface TaskOffsets {
  realParent: number;
  tgid: number;
}

function enterProgram(
  maxArgs: number,
  uid: number | undefined,
  cgroup: boolean,
  task: TaskOffsets,
): BuiltProgram {
  const E = EXECSNOOP_EVENT;
  const b = new ProgramBuilder().mov(r6, r1);
  filterTask(b, uid === undefined ? {} : { uid }, 'out', r8);
  // The exit program reports only what this one stashed, so filtering here filters both.
  if (cgroup) filterCgroup(b, 'out');
  scratchRecord(b, 'heap', FP_ZERO, 'out');
  b.mov(r7, r0);
  // The record is too large for the stack: it is stashed from the per-CPU heap, then filled in place.
  stashByTid(b, 'execs', r8, FP_TID, r7);
  b.jmp('JEQ', r0, 0, 'created');
  countLost(b, 'full');
  b.ja('out')
    .label('created')
    .ldMap(r1, 'execs')
    .mov(r2, r10)
    .add(r2, FP_TID)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r7, r0)
    .call('ktime_get_ns')
    .st('u64', r7, E.tsNs, r0)
    .mov(r1, r8)
    .rsh(r1, 32)
    .st('u32', r7, E.pid, r1)
    .call('get_current_uid_gid')
    .st('u32', r7, E.uid, r0)
    .st('u32', r7, E.argsCount, 0)
    .st('u32', r7, E.truncated, 0)
    .st('u32', r7, E.ppid, 0)
    // ppid = current->real_parent->tgid, with the offsets from the running kernel's BTF.
    .call('get_current_task')
    .mov(r3, r0)
    .add(r3, task.realParent)
    .mov(r1, r10)
    .add(r1, FP_ARGP)
    .mov(r2, 8)
    .call('probe_read_kernel')
    .ldx('u64', r3, r10, FP_ARGP)
    .add(r3, task.tgid)
    .mov(r1, r7)
    .add(r1, E.ppid)
    .mov(r2, 4)
    .call('probe_read_kernel')
    // Slot 0 is the filename, as libbpf-tools prints it; then argv[1..].
    .mov(r1, r7)
    .add(r1, E.args)
    .mov(r2, EXECSNOOP_ARG_SIZE)
    .ldx('u64', r3, r6, ENTER_FILENAME)
    .call('probe_read_user_str')
    .jmp('JSLE', r0, 0, 'out')
    .st('u32', r7, E.argsCount, 1);
  for (let i = 1; i <= maxArgs; i++) {
    b.mov(r1, r10)
      .add(r1, FP_ARGP)
      .mov(r2, 8)
      .ldx('u64', r3, r6, ENTER_ARGV)
      .add(r3, 8 * i)
      .call('probe_read_user')
      .jmp('JNE', r0, 0, 'out')
      .ldx('u64', r3, r10, FP_ARGP)
      .jmp('JEQ', r3, 0, 'out');
    if (i === maxArgs) {
      // One more argument than we copy: flag the truncation for the " ..." suffix.
      b.st('u32', r7, E.truncated, 1).ja('out');
      break;
    }
    b.mov(r1, r7)
      .add(r1, E.args + i * EXECSNOOP_ARG_SIZE)
      .mov(r2, EXECSNOOP_ARG_SIZE)
      .call('probe_read_user_str')
      .jmp('JSLE', r0, 0, 'out')
      .st('u32', r7, E.argsCount, i + 1);
  }
  return b.label('out').mov(r0, 0).exit().build();
}

function exitProgram(fails: boolean, maxArgs: number): BuiltProgram {
  const E = EXECSNOOP_EVENT;
  const b = new ProgramBuilder().mov(r6, r1);
  lookupByTid(b, 'execs', FP_TID, 'out');
  b.mov(r7, r0).ldx('u64', r1, r6, EXIT_RET).st('u32', r7, E.retval, r1);
  if (!fails) b.jmp('JNE', r1, 0, 'done');
  b.mov(r1, r7)
    .add(r1, E.comm)
    .mov(r2, 16)
    .call('get_current_comm')
    // Send only the argument slots in use.
    .ldx('u32', r3, r7, E.argsCount)
    .jmp('JLE', r3, maxArgs, 'counted')
    .mov(r3, maxArgs)
    .label('counted')
    .mul(r3, EXECSNOOP_ARG_SIZE)
    .add(r3, E.args)
    .mov(r8, r3);
  ringOutput(b, r7, r8, 'sent');
  b.label('done');
  forgetByTid(b, 'execs', FP_TID);
  return b.label('out').mov(r0, 0).exit().build();
}

/** runExecsnoop prints execs until stopped. */
export async function runExecsnoop(opts: ExecsnoopOptions, out: Output): Promise<TracerResult> {
  requireRoot('execsnoop');
  const off = memberOffsets(['task_struct.real_parent', 'task_struct.tgid']);
  const task = { realParent: off['task_struct.real_parent']!, tgid: off['task_struct.tgid']! };
  const maxArgs = Math.min(Math.max(opts.maxArgs ?? EXECSNOOP_MAX_ARGS, 1), EXECSNOOP_TOTAL_MAX_ARGS);
  const start = process.hrtime.bigint();
  let startNs: number | undefined;
  const cgroup = opts.cgroup === undefined ? undefined : new CgroupFilter(opts.cgroup);
  try {
    return await runTracer(
      {
        tool: 'execsnoop',
        maps: {
          ...(cgroup ? { [CGROUP_MAP]: cgroupMapSpec } : {}),
          execs: {
            type: 'hash',
            keySize: 4,
            valueSize: execEventSize(maxArgs),
            maxEntries: 10240,
            name: 'execsnoop_execs',
          },
          heap: {
            type: 'percpu_array',
            keySize: 4,
            valueSize: execEventSize(maxArgs),
            maxEntries: 1,
            name: 'execsnoop_heap',
          },
        },
        programs: [
          {
            name: 'exec_enter',
            type: 'tracepoint',
            insns: enterProgram(maxArgs, opts.uid, cgroup !== undefined, task),
            attach: ['syscalls:sys_enter_execve'],
          },
          {
            name: 'exec_exit',
            type: 'tracepoint',
            insns: exitProgram(opts.fails ?? false, maxArgs),
            attach: ['syscalls:sys_exit_execve'],
          },
        ],
        ready: (maps) => {
          cgroup?.install(maps);
          if (!opts.json) out.line(execsnoopHeader(opts));
          opts.ready?.();
        },
        onRecord: (data) => {
          const e = decodeExecEvent(data);
          if (opts.name && !e.comm.includes(opts.name)) return;
          if (opts.line && !e.args.join(' ').includes(opts.line)) return;
          // -t counts from the first event on the kernel's clock, as our start is on another clock.
          startNs ??= e.tsNs - Number(process.hrtime.bigint() - start);
          opts.onEvent?.(e);
          if (opts.json) out.json(execJson(e));
          else out.line(formatExec(e, opts, new Date(), startNs));
        },
      },
      out,
      opts,
    );
  } finally {
    cgroup?.close();
  }
}
