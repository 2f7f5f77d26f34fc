// statsnoop: trace the stat family (statfs, stat, lstat, statx, newfstatat) from the syscall
// tracepoints: the path pointer is kept at entry, the path is copied at exit with the result.

import { existsSync } from 'node:fs';
import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r6, r7, r8, r10 } from '../asm/index.js';
import { ensureTracefs } from '../kernel/tracefs-mount.js';
import type { Output } from './common/output.js';
import { type EventToolOptions, requireRoot } from './common/session.js';
import {
  filterTask,
  forgetByTid,
  lookupByTid,
  ringOutput,
  scratchRecord,
  stashByTid,
} from './common/snippets.js';
import { runTracer, type TracerProgram, type TracerResult } from './common/tracer.js';
import {
  decodeStatEvent,
  formatStat,
  STATSNOOP_EVENT,
  STATSNOOP_PATH,
  type StatEvent,
  type StatFormat,
  statJson,
  statsnoopHeader,
} from './statsnoop-format.js';

/** StatsnoopOptions are libbpf-tools statsnoop's options. */
export interface StatsnoopOptions extends EventToolOptions<StatEvent>, StatFormat {
  pid?: number;
  /** failed keeps only failed calls (-x). */
  failed?: boolean;
}

/** STAT_CALLS maps each traced syscall to its path argument's offset in sys_enter_<name>. */
const STAT_CALLS: Record<string, number> = {
  statfs: 16,
  newstat: 16,
  newlstat: 16,
  statx: 24,
  newfstatat: 24,
};
const FP_TID = -8;
const FP_PTR = -16;
const FP_ZERO = -20;

function enterProgram(o: StatsnoopOptions, pathAt: number): BuiltProgram {
  const b = new ProgramBuilder().mov(r6, r1);
  filterTask(b, { pid: o.pid }, 'out', r7);
  b.ldx('u64', r1, r6, pathAt).st('u64', r10, FP_PTR, r1);
  stashByTid(b, 'paths', r7, FP_TID, FP_PTR);
  return b.label('out').mov(r0, 0).exit().build();
}

function exitProgram(o: StatsnoopOptions): BuiltProgram {
  const E = STATSNOOP_EVENT;
  const b = new ProgramBuilder().mov(r6, r1);
  lookupByTid(b, 'paths', FP_TID, 'out', r7);
  b.ldx('u64', r1, r0, 0).st('u64', r10, FP_PTR, r1).ldx('u64', r8, r6, 16);
  if (o.failed) b.jmp('JSGE', r8, 0, 'done');
  // The event is larger than is comfortable on the 512-byte stack: build it in a per-CPU buffer.
  scratchRecord(b, 'heap', FP_ZERO, 'done');
  b.mov(r6, r0)
    .st('u32', r6, E.ret, r8)
    .rsh(r7, 32)
    .st('u32', r6, E.pid, r7)
    .call('ktime_get_ns')
    .st('u64', r6, E.tsNs, r0)
    .mov(r1, r6)
    .add(r1, E.comm)
    .mov(r2, 16)
    .call('get_current_comm')
    .mov(r1, r6)
    .add(r1, E.path)
    .mov(r2, STATSNOOP_PATH)
    .ldx('u64', r3, r10, FP_PTR)
    .call('probe_read_user_str');
  ringOutput(b, r6, E.size, 'sent');
  b.label('done');
  forgetByTid(b, 'paths', FP_TID);
  return b.label('out').mov(r0, 0).exit().build();
}

/** runStatsnoop prints stat calls until stopped. */
export async function runStatsnoop(opts: StatsnoopOptions, out: Output): Promise<TracerResult> {
  requireRoot('statsnoop');
  const root = ensureTracefs();
  // Not every architecture has every member of the family (libbpf-tools skips the missing ones too).
  const calls = Object.entries(STAT_CALLS).filter(([name]) =>
    existsSync(`${root}/events/syscalls/sys_enter_${name}`),
  );
  const programs: TracerProgram[] = calls.map(([name, at]) => ({
    name: `${name}_entry`,
    type: 'tracepoint',
    insns: enterProgram(opts, at),
    attach: [`syscalls:sys_enter_${name}`],
  }));
  programs.push({
    name: 'stat_return',
    type: 'tracepoint',
    insns: exitProgram(opts),
    attach: calls.map(([name]) => `syscalls:sys_exit_${name}`),
  });
  let startNs: number | undefined;
  return runTracer(
    {
      tool: 'statsnoop',
      programs,
      maps: {
        paths: { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 10240, name: 'statsnoop_paths' },
        heap: {
          type: 'percpu_array',
          keySize: 4,
          valueSize: STATSNOOP_EVENT.size,
          maxEntries: 1,
          name: 'statsnoop_heap',
        },
      },
      ready: () => {
        if (!opts.json) out.line(statsnoopHeader(opts));
        opts.ready?.();
      },
      onRecord: (data) => {
        const e = decodeStatEvent(data);
        startNs ??= e.tsNs;
        opts.onEvent?.(e);
        if (opts.json) out.json(statJson(e));
        else out.line(formatStat(e, opts, startNs));
      },
    },
    out,
    opts,
  );
}
