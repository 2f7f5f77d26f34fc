// runqlat: run queue latency — the time from a task being woken (or preempted while runnable) to
// it running — as a log2 histogram, from the sched_wakeup, sched_wakeup_new and sched_switch raw
// tracepoints, as libbpf-tools runqlat does.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r6, r7, r8, r10 } from '../asm/index.js';
import { loadVmlinux } from '../btf/btf.js';
import type { BpfMap } from '../kernel/map.js';
import { CGROUP_MAP, CgroupFilter, cgroupMapSpec, filterCgroup } from './common/cgroup.js';
import { clock } from './common/format.js';
import { log2Histogram } from './common/histogram.js';
import type { Output } from './common/output.js';
import type { ToolOptions } from './common/session.js';
import { elapsedSince, stampStart } from './common/snippets.js';
import { runSummary } from './common/summary.js';
import { decodeHist, emitHistAdd, type Hist, histMap } from './hist-programs.js';

/** RunqlatOptions are libbpf-tools runqlat's options. */
export interface RunqlatOptions extends ToolOptions {
  milliseconds?: boolean; // -m
  perProcess?: boolean; // -P
  perThread?: boolean; // -L
  /** perPidns prints a histogram per PID namespace (--pidnss), keyed by the namespace's inode. */
  perPidns?: boolean;
  timestamp?: boolean; // -T
  pid?: number; // -p
  /** cgroup traces only tasks under this cgroup v2 directory (-c), as seen by the current task. */
  cgroup?: string;
  interval?: number;
  count?: number;
  onReport?: (hists: Hist[]) => void;
}

interface TaskOffsets {
  pid: number;
  tgid: number;
  comm: number;
  /** task_struct.nsproxy, nsproxy.pid_ns_for_children and pid_namespace.ns.inum, for --pidnss. */
  nsproxy: number;
  pidNs: number;
  nsInum: number;
}

const FP_KEY = -4;
const FP_PID = -8;
const FP_TGID = -12;
const FP_TS = -24;
const FP_HIST = -24 - 128;

/** readTask emits `*(u32 *)(fp + at) = task->field` for the task pointer in r7. */
function readTask(b: ProgramBuilder, at: number, off: number, size = 4): void {
  b.mov(r1, r10).add(r1, at).mov(r2, size).mov(r3, r7).add(r3, off).call('probe_read_kernel');
}

/** enqueue emits start[task->pid] = now for the task in r7, honouring -p; falls through to `done`. */
function enqueue(b: ProgramBuilder, o: RunqlatOptions, t: TaskOffsets, done: string): void {
  b.st('u32', r10, FP_PID, 0);
  readTask(b, FP_PID, t.pid);
  b.ldx('u32', r1, r10, FP_PID).jmp('JEQ', r1, 0, done);
  if (o.pid) {
    readTask(b, FP_TGID, t.tgid);
    b.ldx('u32', r1, r10, FP_TGID).jmp('JNE', r1, o.pid, done);
  }
  stampStart(b, 'start', FP_PID, FP_TS);
}

function wakeupProgram(o: RunqlatOptions, t: TaskOffsets): BuiltProgram {
  const b = new ProgramBuilder().ldx('u64', r7, r1, 0);
  if (o.cgroup !== undefined) filterCgroup(b, 'out');
  enqueue(b, o, t, 'out');
  return b.label('out').mov(r0, 0).exit().build();
}

function switchProgram(o: RunqlatOptions, t: TaskOffsets): BuiltProgram {
  // sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
  const b = new ProgramBuilder().mov(r6, r1);
  if (o.cgroup !== undefined) filterCgroup(b, 'out');
  b.ldx('u64', r1, r6, 24).jmp('JNE', r1, 0, 'next').ldx('u64', r7, r6, 8);
  enqueue(b, o, t, 'next');
  b.label('next').ldx('u64', r7, r6, 16).st('u32', r10, FP_PID, 0);
  readTask(b, FP_PID, t.pid);
  b.st('u32', r10, FP_TGID, 0);
  readTask(b, FP_TGID, t.tgid);
  if (o.pid) b.ldx('u32', r1, r10, FP_TGID).jmp('JNE', r1, o.pid, 'out');
  elapsedSince(b, 'start', FP_PID, 'out', r8);
  b.jmp('JSLT', r8, 0, 'out').alu64('DIV', r8, o.milliseconds ? 1_000_000 : 1000);
  const keyFrom = o.perProcess ? FP_TGID : o.perThread ? FP_PID : undefined;
  if (keyFrom !== undefined) b.ldx('u32', r1, r10, keyFrom).st('u32', r10, FP_KEY, r1);
  else if (o.perPidns) {
    // next->nsproxy->pid_ns_for_children->ns.inum; a failed read (an exiting task) leaves zeros.
    b.mov(r1, r10).add(r1, FP_TS).mov(r2, 8).mov(r3, r7).add(r3, t.nsproxy).call('probe_read_kernel');
    b.ldx('u64', r3, r10, FP_TS).add(r3, t.pidNs);
    b.mov(r1, r10).add(r1, FP_TS).mov(r2, 8).call('probe_read_kernel');
    b.ldx('u64', r3, r10, FP_TS).add(r3, t.nsInum).st('u32', r10, FP_KEY, 0);
    b.mov(r1, r10).add(r1, FP_KEY).mov(r2, 4).call('probe_read_kernel');
  } else b.st('u32', r10, FP_KEY, 0);
  const keyed = keyFrom !== undefined || o.perPidns === true;
  emitHistAdd(b, r8, {
    keyAt: FP_KEY,
    scratchAt: FP_HIST,
    label: 'hist',
    exit: 'out',
    ...(keyed
      ? {
          fillComm: (bb: ProgramBuilder) =>
            bb.mov(r2, 16).mov(r3, r7).add(r3, t.comm).call('probe_read_kernel'),
        }
      : {}),
  });
  return b.label('out').mov(r0, 0).exit().build();
}

/** formatHists prints one report as libbpf-tools runqlat: a blank line, the time with -T, the histograms. */
export function formatHists(
  hists: Hist[],
  o: RunqlatOptions,
  what: 'pid' | 'tid' | 'pidns' | undefined,
  now = new Date(),
): string[] {
  const out = [''];
  if (o.timestamp) out.push(clock(now).padEnd(8));
  const unit = o.milliseconds ? 'msecs' : 'usecs';
  for (const h of [...hists].sort((a, b) => a.key - b.key)) {
    if (what) out.push('', `${what} = ${h.key} ${h.comm}`);
    out.push(...log2Histogram(h.slots, unit));
  }
  return out;
}

function drain(hists: BpfMap): Hist[] {
  return hists.lookupAndDeleteBatch().map(([k, v]) => decodeHist(k, v));
}

/** runRunqlat prints run queue latency histograms every interval and at the end. */
export async function runRunqlat(opts: RunqlatOptions, out: Output): Promise<void> {
  const btf = loadVmlinux();
  const t: TaskOffsets = {
    pid: btf.offsetOf('task_struct.pid').offset,
    tgid: btf.offsetOf('task_struct.tgid').offset,
    comm: btf.offsetOf('task_struct.comm').offset,
    nsproxy: btf.offsetOf('task_struct.nsproxy').offset,
    pidNs: btf.offsetOf('nsproxy.pid_ns_for_children').offset,
    nsInum: btf.offsetOf('pid_namespace.ns.inum').offset,
  };
  const what = opts.perProcess ? 'pid' : opts.perThread ? 'tid' : opts.perPidns ? 'pidns' : undefined;
  const wake = wakeupProgram(opts, t);
  const cgroup = opts.cgroup === undefined ? undefined : new CgroupFilter(opts.cgroup);
  try {
    await runSummary(
      {
        tool: 'runqlat',
        programs: [
          {
            name: 'sched_wakeup',
            type: 'raw_tracepoint',
            insns: wake,
            attach: ['sched_wakeup', 'sched_wakeup_new'],
          },
          {
            name: 'sched_switch',
            type: 'raw_tracepoint',
            insns: switchProgram(opts, t),
            attach: ['sched_switch'],
          },
        ],
        maps: {
          start: { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 10240, name: 'runqlat_start' },
          hists: histMap('runqlat_hists'),
          ...(cgroup ? { [CGROUP_MAP]: cgroupMapSpec } : {}),
        },
        ready: (maps) => {
          cgroup?.install(maps);
          if (!opts.json) out.line('Tracing run queue latency... Hit Ctrl-C to end.');
          opts.ready?.();
        },
        report: (maps) => {
          const hists = drain(maps.hists!);
          opts.onReport?.(hists);
          if (opts.json) {
            for (const h of hists) {
              out.json({
                ...(what ? { [what]: h.key, comm: h.comm } : {}),
                unit: opts.milliseconds ? 'msecs' : 'usecs',
                slots: h.slots,
              });
            }
          } else {
            for (const l of formatHists(hists, opts, what)) out.line(l);
          }
        },
      },
      out,
      { interval: opts.interval, count: opts.count, seconds: opts.seconds, done: opts.done },
    );
  } finally {
    cgroup?.close();
  }
}
