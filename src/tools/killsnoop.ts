// killsnoop: trace signals as libbpf-tools killsnoop (sigsnoop run by that name) does: kill(2),
// tkill(2) and tgkill(2) with their return values from the syscall tracepoints — so kill -0 and
// failed kills show — or with -a, as sigsnoop, every generated signal from signal:signal_generate.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r6, r7, r10 } from '../asm/index.js';
import type { Output } from './common/output.js';
import type { EventToolOptions } from './common/session.js';
import { forgetByTid, lookupByTid, ringOutput, sendWithComm, stashByTid } from './common/snippets.js';
import type { TracerProgram } from './common/tracer.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import {
  decodeKillEvent,
  formatKill,
  KILLSNOOP_EVENT,
  type KillEvent,
  type KillFormat,
  killJson,
  killsnoopHeader,
} from './killsnoop-format.js';

/** KillsnoopOptions are libbpf-tools killsnoop's options. */
export interface KillsnoopOptions extends EventToolOptions<KillEvent>, KillFormat {
  pid?: number;
  /** signal traces only this signal number (-s). */
  signal?: number;
  /** failed keeps only signals that failed (-x). */
  failed?: boolean;
  /** killOnly traces kill/tkill/tgkill syscalls only (-k); it is the default unless allSignals. */
  killOnly?: boolean;
  /** allSignals traces every generated signal, as sigsnoop does (-a). */
  allSignals?: boolean;
}

const E = KILLSNOOP_EVENT;
const FP_EV = -32;
const FP_TID = -36;
// signal:signal_generate fields (stable since 3.x): sig 8, errno 12, pid 36.
const GEN = { sig: 8, errno: 12, pid: 36 };

function start(b: ProgramBuilder, o: KillsnoopOptions): void {
  b.mov(r6, r1).call('get_current_pid_tgid').mov(r7, r0).rsh(r0, 32);
  if (o.pid) b.jmp('JNE', r0, o.pid, 'out');
  for (let off = 0; off < E.size; off += 8) b.st('u64', r10, FP_EV + off, 0);
  b.st('u32', r10, FP_EV + E.pid, r0);
}

function generateProgram(o: KillsnoopOptions): BuiltProgram {
  const b = new ProgramBuilder();
  start(b, o);
  b.ldx('u32', r1, r6, GEN.sig);
  if (o.signal) b.jmp('JNE', r1, o.signal, 'out');
  b.st('u32', r10, FP_EV + E.sig, r1).ldx('u32', r1, r6, GEN.errno);
  if (o.failed) b.jmp('JEQ', r1, 0, 'out');
  b.st('u32', r10, FP_EV + E.ret, r1)
    .ldx('u32', r1, r6, GEN.pid)
    .st('u32', r10, FP_EV + E.tpid, r1);
  sendWithComm(b, FP_EV, E.comm, E.size, 'sent');
  return b.label('out').mov(r0, 0).exit().build();
}

/** enterProgram stashes pid, target and signal by thread; `tpidAt`/`sigAt` are the syscall's fields. */
function enterProgram(o: KillsnoopOptions, tpidAt: number, sigAt: number): BuiltProgram {
  const b = new ProgramBuilder();
  start(b, o);
  b.ldx('u64', r1, r6, sigAt);
  if (o.signal) b.jmp('JNE', r1, o.signal, 'out');
  b.st('u32', r10, FP_EV + E.sig, r1)
    .ldx('u64', r1, r6, tpidAt)
    .st('u32', r10, FP_EV + E.tpid, r1);
  stashByTid(b, 'values', r7, FP_TID, FP_EV);
  return b.label('out').mov(r0, 0).exit().build();
}

function exitProgram(o: KillsnoopOptions): BuiltProgram {
  const b = new ProgramBuilder().mov(r6, r1);
  lookupByTid(b, 'values', FP_TID, 'out');
  b.mov(r7, r0).ldx('u64', r1, r6, 16);
  if (o.failed) b.jmp('JSGE', r1, 0, 'done');
  b.st('u32', r7, E.ret, r1).mov(r1, r7).add(r1, E.comm).mov(r2, 16).call('get_current_comm');
  ringOutput(b, r7, E.size, 'sent');
  b.label('done');
  forgetByTid(b, 'values', FP_TID);
  return b.label('out').mov(r0, 0).exit().build();
}

/** runKillsnoop prints signals until stopped. */
export async function runKillsnoop(opts: KillsnoopOptions, out: Output): Promise<TracerResult> {
  const programs: TracerProgram[] =
    opts.killOnly || !opts.allSignals
      ? [
          // sys_enter_kill/tkill: pid at 16, sig at 24; sys_enter_tgkill: tgid 16, pid 24, sig 32.
          {
            name: 'kill_entry',
            type: 'tracepoint',
            insns: enterProgram(opts, 16, 24),
            attach: ['syscalls:sys_enter_kill', 'syscalls:sys_enter_tkill'],
          },
          {
            name: 'tgkill_entry',
            type: 'tracepoint',
            insns: enterProgram(opts, 24, 32),
            attach: ['syscalls:sys_enter_tgkill'],
          },
          {
            name: 'kill_exit',
            type: 'tracepoint',
            insns: exitProgram(opts),
            attach: ['syscalls:sys_exit_kill', 'syscalls:sys_exit_tkill', 'syscalls:sys_exit_tgkill'],
          },
        ]
      : [
          {
            name: 'sig_trace',
            type: 'tracepoint',
            insns: generateProgram(opts),
            attach: ['signal:signal_generate'],
          },
        ];
  return runTracer(
    {
      tool: 'killsnoop',
      programs,
      maps: {
        values: { type: 'hash', keySize: 4, valueSize: E.size, maxEntries: 10240, name: 'killsnoop_vals' },
      },
      ready: () => {
        if (!opts.json) out.line(killsnoopHeader());
        opts.ready?.();
      },
      onRecord: (data) => {
        const e = decodeKillEvent(data);
        opts.onEvent?.(e);
        if (opts.json) out.json(killJson(e));
        else out.line(formatKill(e, opts));
      },
    },
    out,
    opts,
  );
}
