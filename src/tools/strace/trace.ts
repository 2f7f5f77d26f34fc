// `bpfkit strace`: trace a command (started held, so no syscall is missed) or a running process with
// raw syscall tracepoints, printing strace's lines or its -c table; every record is printed or
// counted as lost.

import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { BtfBuilder } from '../../btf/encode.js';
import { loadVmlinux } from '../../btf/index.js';
import { offsetOf } from '../../btf/lookup.js';
import { syscallName as btfSyscallName, syscallNumber } from '../../btf/syscalls.js';
import { readEventFormat } from '../../btf/tracefs-events.js';
import { eventField } from '../../btf/tracefs-format.js';
import { BpfkitError } from '../../errors/index.js';
import { Link } from '../../kernel/link.js';
import { attachRawTracepoint } from '../../kernel/link-raw-tracepoint.js';
import { attachTracepoint } from '../../kernel/link-tracepoint.js';
import { BpfMap } from '../../kernel/map.js';
import { codecs } from '../../kernel/map-codecs.js';
import { Program } from '../../kernel/program.js';
import type { RecordView } from '../../kernel/record-view.js';
import { RingBuffer } from '../../kernel/ringbuf.js';
import { ensureTracefs } from '../../kernel/tracefs-mount.js';
import { btfLoad, rawTracepointOpen } from '../../sys/bpf.js';
import { AttachType } from '../../sys/bpf-cmd.js';
import { cString } from '../common/format.js';
import { Output } from '../common/output.js';
import { lostMessage, requireRoot, waitForStop } from '../common/session.js';
import { signalName } from './decoders.js';
import { parseTraceExpr, type StatusFilter, type TraceFilter, traces } from './filter.js';
import {
  type FormatOptions,
  formatResumed,
  formatUnfinished,
  pidLead,
  setSyscallArgSource,
  setSyscallNameSource,
} from './format.js';
import { LineCache } from './line-cache.js';
import {
  DATA_MAX,
  forkProgram,
  MAX_NR,
  PID_HELD,
  SCRATCH_VALUE_SIZE,
  STASH_VALUE_SIZE,
  STATS_VALUE_SIZE,
  type StraceProgramOptions,
  signalProgram,
  signalSentProgram,
  specValue,
  sysEnterProgram,
  sysExitProgram,
} from './programs.js';
import { type ExecArgs, execArgsOf, RECORD_HEADER, SyscallRecord } from './record.js';
import { siginfoSigno, signalLine } from './signals.js';
import type { SyscallStats } from './summary.js';
import { formatSummary } from './summary.js';
import { type ArgKind, Capture, captureFor, SYSCALLS } from './syscalls.js';
import { monoToRealOffset, Timestamper, type TimestampOptions } from './timestamps.js';

/** StraceOptions are the command-line choices. */
export interface StraceOptions {
  command?: string[];
  pid?: number;
  follow?: boolean;
  summary?: boolean;
  showTime?: boolean;
  /** timestamps are -t/-tt/-ttt and -r. */
  timestamps?: TimestampOptions;
  trace?: string;
  output?: string;
  strSize?: number;
  json?: boolean;
  seconds?: number;
  /** status prints only the calls that failed, or only those that did not (-e status=). */
  status?: StatusFilter;
  /** pidEveryLine starts every line with the pid, `1234  open(…`, as strace -f -o FILE does. */
  pidEveryLine?: boolean;
  /** ready runs once the process is in the filter (for -p: tracing has begun). */
  ready?: () => void;
  /** ringBytes is the ring buffer size (a power of two). */
  ringBytes?: number;
}

/** StraceResult is what a finished trace reports. */
export interface StraceResult {
  /** exitCode is the traced command's exit status (0 when attached with -p or interrupted). */
  exitCode: number;
  records: number;
  lost: number;
}

const EXECVE = 59;
const STRACE_POLL_MS = 10;
const EXIT = 60;
const EXIT_GROUP = 231;
// Calls that return a new process's pid in the parent: with -f the child is traced from then on.
const SIGKILL = 9;
const FORKS = new Set([56, 57, 58, 435]);

/**
 * statusShown applies -e status=: a failed call returned -4095..-1 (exit and exit_group, which do
 * not return, count as neither).
 */
function statusShown(ret: bigint, status: StatusFilter | undefined, nr: number): boolean {
  if (status === undefined) return true;
  if (nr === EXIT || nr === EXIT_GROUP) return false;
  const failed = ret < 0n && ret >= -4095n;
  return status === 'failed' ? failed : !failed;
}

/** resolveCommand finds a command in PATH, as strace does before running it. */
export function resolveCommand(cmd: string): string {
  if (cmd.includes('/')) return cmd;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir || '.', cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not in this directory.
    }
  }
  throw new BpfkitError(`strace: cannot find '${cmd}' in PATH`);
}

interface Objects {
  maps: BpfMap<number, Buffer>[];
  progs: Program[];
  links: { close(): void }[];
  ring?: RingBuffer;
}

function closeObjects(o: Objects): void {
  for (const l of o.links.reverse()) l.close();
  o.ring?.close();
  for (const p of o.progs) p.close();
  for (const m of o.maps) m.close();
}

function specFor(nr: number, filter: TraceFilter | undefined, follow = false): number {
  // execve always reaches userspace: it marks where the traced command starts.
  // exit and exit_group always do too: strace prints `+++ exited with N +++` whatever -e says.
  const traced =
    filter === undefined || traces(filter, nr) || nr === EXECVE || nr === EXIT || nr === EXIT_GROUP;
  // Under -f, a call that starts a process sends its entry, so it prints `vfork( <unfinished ...>`
  // before the child's first lines, as strace does.
  const entry = follow && FORKS.has(nr);
  const sig = SYSCALLS.get(nr);
  if (!sig) return specValue(Capture.None, 0, 0, traced, entry);
  const c = captureFor(sig);
  return specValue(c.kind, c.arg, c.lenArg, traced, entry);
}

/** runStrace traces until the command exits, the process goes away, -d elapses or a signal. */
export async function runStrace(opts: StraceOptions): Promise<StraceResult> {
  if (!opts.command?.length && opts.pid === undefined) {
    throw new BpfkitError('strace: give a command to run (after --) or -p PID');
  }
  requireRoot('strace');
  setSyscallNameSource(btfSyscallName);
  setSyscallArgSource(tracepointArgs);
  const filter =
    opts.trace === undefined
      ? undefined
      : parseTraceExpr(opts.trace, (name) => {
          try {
            return syscallNumber(name);
          } catch {
            return undefined;
          }
        });
  const strSize = Math.min(Math.max(opts.strSize ?? 32, 0), DATA_MAX);
  const summary = opts.summary ?? false;
  const commandPath = opts.command?.length ? resolveCommand(opts.command[0]!) : undefined;
  let childPidOffset = 0;
  if (opts.follow) {
    ensureTracefs();
    childPidOffset = eventField(readEventFormat('sched:sched_process_fork'), 'child_pid').offset;
  }

  const o: Objects = { maps: [], progs: [], links: [] };
  const map = (spec: Parameters<typeof BpfMap.create>[0]): BpfMap<number, Buffer> => {
    const keyed = spec.type !== 'ringbuf';
    const m = BpfMap.create(keyed ? { ...spec, key: codecs.u32 } : spec) as BpfMap<number, Buffer>;
    o.maps.push(m);
    return m;
  };
  const outFd = opts.output ? openSync(opts.output, 'w') : 2;
  const out = new Output(outFd);
  let records = 0;
  let child: ReturnType<typeof spawn> | undefined;
  let execArgs: FormatOptions['execArgs'];
  let pollTimer: NodeJS.Timeout | undefined;
  try {
    const pids = map({ type: 'hash', valueSize: 4, maxEntries: 8192, name: 'strace_pids' });
    const spec = map({ type: 'array', valueSize: 4, maxEntries: MAX_NR, name: 'strace_spec' });
    // Task storage: a slot lives as long as its thread, and is found without hashing a tid.
    const stashTypes = stashBtf();
    const btf = btfLoad(stashTypes.blob);
    let stash: BpfMap<number, Buffer>;
    try {
      stash = map({
        type: 'task_storage',
        valueSize: STASH_VALUE_SIZE,
        maxEntries: 0,
        flags: NO_PREALLOC,
        name: 'strace_stash',
        btf: { fd: btf.value, keyTypeId: stashTypes.key, valueTypeId: stashTypes.value },
      });
    } finally {
      // The map holds its own reference to the BTF.
      btf.close();
    }
    const lost = map({ type: 'array', valueSize: 8, maxEntries: 1, name: 'strace_lost' });
    // config[0] != 0 asks sys_enter for entry records (more than one thread is traced).
    const config = map({ type: 'array', valueSize: 4, maxEntries: 1, name: 'strace_config' });
    const sink = summary
      ? map({ type: 'percpu_array', valueSize: STATS_VALUE_SIZE, maxEntries: MAX_NR, name: 'strace_stats' })
      : map({ type: 'ringbuf', maxEntries: opts.ringBytes ?? 1 << 24, name: 'strace_events' });
    const specBuf = Buffer.alloc(4);
    for (let nr = 0; nr < MAX_NR; nr++) {
      specBuf.writeUInt32LE(specFor(nr, filter, opts.follow === true) >>> 0);
      spec.set(nr, specBuf);
    }
    const maps: Record<string, BpfMap<number, Buffer>> = { pids, spec, stash, lost, config };
    maps[summary ? 'stats' : 'events'] = sink;
    if (!summary) {
      // Long paths are assembled here at exit, one record per CPU at a time.
      maps.scratch = map({
        type: 'percpu_array',
        valueSize: SCRATCH_VALUE_SIZE,
        maxEntries: 1,
        name: 'strace_scratch',
      });
    }
    const stamper = new Timestamper(opts.timestamps ?? { absolute: 0, relative: false }, monoToRealOffset());
    const progOpts = {
      strSize,
      summary,
      timed: summary || opts.showTime === true || opts.json === true || stamper.active,
    };
    const { prog: enter, typed } = loadEnter(progOpts, maps);
    o.progs.push(enter);
    const exit = Program.load({
      type: 'raw_tracepoint',
      insns: sysExitProgram(progOpts),
      maps,
      name: 'strace_exit',
    });
    o.progs.push(exit);
    if (opts.follow) {
      const fork = Program.load({
        type: 'tracepoint',
        insns: forkProgram(childPidOffset),
        maps,
        name: 'strace_fork',
      });
      o.progs.push(fork);
      o.links.push(attachTracepoint(fork, 'sched', 'sched_process_fork'));
    }
    if (!summary && !opts.json) {
      const signal = Program.load({
        type: 'raw_tracepoint',
        insns: signalProgram(),
        maps,
        name: 'strace_signal',
      });
      o.progs.push(signal);
      o.links.push(attachRawTracepoint(signal, 'signal_deliver'));
      const sent = Program.load({
        type: 'raw_tracepoint',
        insns: signalSentProgram(offsetOf(loadVmlinux(), 'task_struct.tgid').offset),
        maps,
        name: 'strace_sigsent',
      });
      o.progs.push(sent);
      o.links.push(attachRawTracepoint(sent, 'signal_generate'));
    }
    o.links.push(attachRawTracepoint(exit, 'sys_exit'));
    o.links.push(
      typed
        ? new Link('tp_btf', 'sys_enter', [rawTracepointOpen(enter.fd, undefined)])
        : attachRawTracepoint(enter, 'sys_enter'),
    );

    const lostCount = (): number => Number(lost.get(0)?.readBigUInt64LE(0) ?? 0n);
    let rootPid = opts.pid ?? 0;
    // The wrapper shell's own syscalls before exec are not the command's; skip until its execve.
    let rootExeced = opts.pid !== undefined;
    const one = Buffer.alloc(4);
    one.writeUInt32LE(1);
    const pidColumn = opts.pidEveryLine === true;
    const fmt: FormatOptions = {
      pidPrefix: pidColumn && 'column',
      showTime: opts.showTime ?? false,
      strSize,
    };
    // strace prefixes `[pid N]` to every line while it traces more than one thread: live holds the
    // traced threads seen so far (tid → tgid), so the root's lines lose the prefix once children end.
    const live = new Map<number, number>();
    let lastRootTs = 0n;
    // The last signal sent to the command that no `---` line has shown yet: if it kills the command,
    // its delivery is never seen (see signalSentProgram), and strace's line for it is printed last.
    let rootSignalSent: { sig: number; info: Uint8Array; ts: bigint } | undefined;
    // The same for the other traced processes (and one attached with -p), by tgid: their end by a
    // signal is seen as the SIGKILL without siginfo each thread gets, and printed from it.
    const signalSent = new Map<number, { sig: number; info: Uint8Array; ts: bigint }>();
    // Processes whose end was printed (or whose exit_group began it): their threads' SIGKILLs are not.
    const gone = new Set<number>();
    let lastTid = -1;
    let flushQueued = false;
    const reader = new SyscallRecord(new DataView(new ArrayBuffer(RECORD_HEADER)));
    const lines = new LineCache();
    // The entry record of the last call begun and not yet ended, held until the next record shows
    // whether another thread's line comes first (then it is printed `<unfinished ...>`, as strace does).
    let pending: SyscallRecord | undefined;
    // execve's argv and environment size, read at its entry, by thread, until its exit is printed.
    const execArgsByTid = new Map<number, ExecArgs>();
    // Threads whose current call was printed unfinished: their exit is printed `<... resumed>`.
    const interrupted = new Set<number>();
    let entriesOn = false;
    const noteThread = (rec: SyscallRecord): void => {
      // Most records come from the thread of the one before: skip the map update for them.
      if (rec.tid !== lastTid) {
        lastTid = rec.tid;
        live.set(rec.tid, rec.tgid);
        if (live.size > 1 && !entriesOn) {
          // A second thread (without -f, the fork program does not say so): ask for entry records.
          entriesOn = true;
          config.set(0, one);
        }
      }
    };
    const flushPending = (): void => {
      if (!pending) return;
      const p = pending;
      pending = undefined;
      fmt.pidPrefix = pidColumn ? 'column' : live.size > 1;
      if (stamper.active) fmt.leader = stamper.leader(p.ts);
      // An execve prints the argv its entry sent; no other call has any.
      const execArgs = p.nr === EXECVE ? execArgsByTid.get(p.tid) : undefined;
      out.line(formatUnfinished(p, { ...fmt, execArgs }));
      interrupted.add(p.tid);
    };
    // killedBy prints how a process other than the command ended on a signal: the signal sent to it
    // (none for SIGKILL, as strace shows it) and `+++ killed by SIGTERM +++`, once per process.
    const killedBy = (rec: SyscallRecord): void => {
      const tgid = rec.tgid;
      if (gone.has(tgid)) return;
      gone.add(tgid);
      if (pending && pending.tid !== rec.tid) flushPending();
      // Under -e its calls may all have been left out: it is a traced process all the same.
      live.set(tgid, tgid);
      fmt.pidPrefix = pidColumn ? 'column' : live.size > 1;
      const sent = signalSent.get(tgid);
      signalSent.delete(tgid);
      const fatal = sent && siginfoSigno(sent.info) !== 0 ? sent : undefined;
      if (fatal) {
        const lead = stamper.active ? stamper.leader(fatal.ts) : '';
        out.line(`${pidLead(tgid, fmt)}${lead}${signalLine(fatal.sig, fatal.info)}`);
      }
      const lead = stamper.active ? stamper.leader(rec.ts) : '';
      const name = signalName(BigInt(sent?.sig ?? SIGKILL));
      out.line(`${pidLead(tgid, fmt)}${lead}+++ killed by ${name} +++`);
      for (const [t, g] of live) if (g === tgid) live.delete(t);
      lastTid = -1;
    };
    const onRecord = (view: RecordView): void => {
      // The reader hands out one RecordView over the ring mapping: nothing is allocated per record.
      const rec = reader.reset(view.view, view.offset, view.offset + view.length);
      // One read tells the usual completed call from the marked records (entry, exec args, signal).
      const marked = rec.isMarked;
      if (marked && rec.isExecArgs) {
        // Sent at execve's entry: kept for the line its exit prints.
        const a = execArgsOf(rec.data);
        if (a) execArgsByTid.set(rec.tid, a);
        return;
      }
      if (marked && rec.isSignalSent) {
        const sent = { sig: rec.nr, info: rec.data.slice(), ts: rec.ts };
        if (rec.tgid === rootPid) rootSignalSent = sent;
        if (rec.tgid !== rootPid || opts.pid !== undefined) signalSent.set(rec.tgid, sent);
        return;
      }
      if (marked && rec.isSignal) {
        if (rec.tgid === rootPid && rec.nr === rootSignalSent?.sig) rootSignalSent = undefined;
        if (!rootExeced && rec.tgid === rootPid) return;
        // A fatal signal's own delivery is not seen: the kernel turns it into a SIGKILL without
        // siginfo (strace, as a ptracer, stops that). Its +++ killed by line tells which it was.
        if (siginfoSigno(rec.data) === 0) {
          // The command's own end is printed once it is reaped (below); another process's now.
          if (rec.nr === SIGKILL && (rec.tgid !== rootPid || opts.pid !== undefined)) killedBy(rec);
          return;
        }
        if (rec.nr === signalSent.get(rec.tgid)?.sig) signalSent.delete(rec.tgid);
        if (pending && pending.tid !== rec.tid) flushPending();
        noteThread(rec);
        fmt.pidPrefix = pidColumn ? 'column' : live.size > 1;
        const lead = stamper.active ? stamper.leader(rec.ts) : '';
        out.line(`${pidLead(rec.tid, fmt)}${lead}${signalLine(rec.nr, rec.data)}`);
        return;
      }
      if (marked && rec.isEntry) {
        if (opts.json || (!rootExeced && rec.tgid === rootPid)) return;
        if (filter && rec.nr === EXECVE && !traces(filter, EXECVE)) return;
        flushPending();
        noteThread(rec);
        const copy = view.slice();
        pending = new SyscallRecord(new DataView(copy.buffer), 0, copy.length);
        return;
      }
      records++;
      if (!rootExeced && rec.tgid === rootPid) {
        if (rec.nr !== EXECVE) return;
        // A failed exec of the command itself (not executable, say) is shown, as strace would.
        const failedCommand = rec.ret !== 0n && cString(rec.data) === commandPath;
        if (rec.ret !== 0n && !failedCommand) return;
        if (!failedCommand) rootExeced = true;
        // The command's argv and environment are the ones the wrapper execs it with.
        if (execArgs) fmt.execArgs = execArgs;
      } else if (fmt.execArgs !== undefined) {
        fmt.execArgs = undefined;
      }
      if (rec.nr === EXECVE) {
        const seen = execArgsByTid.get(rec.tid);
        if (seen) {
          execArgsByTid.delete(rec.tid);
          fmt.execArgs = seen;
        }
      }
      const nr = rec.nr;
      const tid = rec.tid;
      if (filter && nr === EXECVE && !traces(filter, EXECVE)) {
        // Not printed, but the process is traced: strace -f prefixes [pid N] while there are two.
        noteThread(rec);
        return;
      }
      if (pending) {
        if (pending.tid === tid) pending = undefined;
        else flushPending();
      }
      const resumed = interrupted.size > 0 && interrupted.delete(tid);
      noteThread(rec);
      // strace starts the line at the call's entry, before the child it makes is counted.
      fmt.pidPrefix = pidColumn ? 'column' : live.size > 1;
      if (opts.follow && FORKS.has(nr) && rec.ret > 0n) live.set(Number(rec.ret), Number(rec.ret));
      if (stamper.active) {
        // A resumed line is stamped when the call ended, as strace stamps each line it prints.
        const ts = resumed ? rec.ts + BigInt(rec.durNs) : rec.ts;
        fmt.leader = stamper.leader(ts);
        if (rec.tgid === rootPid) lastRootTs = ts;
      }
      // rec.ret is a BigInt: read only when -e status= asks about it.
      const shown =
        (filter === undefined || traces(filter, nr)) &&
        (opts.status === undefined || statusShown(rec.ret, opts.status, nr));
      if (!shown) {
        // An exit outside the -e set: only its +++ line.
      } else if (opts.json) {
        const p = lines.parts(rec, view.bytes, fmt);
        out.json({
          pid: rec.tgid,
          tid: rec.tid,
          syscall: p.name,
          call: p.call,
          ret: p.ret,
          duration_ns: rec.durNs,
        });
      } else {
        out.line(resumed ? formatResumed(rec, fmt) : lines.line(rec, view.bytes, fmt));
      }
      // The command's own end is printed once it is reaped, with its real status; a process attached
      // with -p is not bpfkit's child, so its exit_group says how it ended.
      const attached = opts.pid !== undefined;
      const ended =
        (nr === EXIT_GROUP && (rec.tgid !== rootPid || attached)) || (nr === EXIT && tid !== rootPid);
      if (ended && !opts.json) {
        out.line(`${pidLead(tid, fmt)}${fmt.leader ?? ''}+++ exited with ${Number(rec.arg(0) & 0xffn)} +++`);
      }
      if (nr === EXIT_GROUP) {
        const tgid = rec.tgid;
        gone.add(tgid);
        for (const [t, g] of live) if (g === tgid) live.delete(t);
        lastTid = -1;
      } else if (nr === EXIT) {
        live.delete(tid);
        lastTid = -1;
      }
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(() => {
          flushQueued = false;
          out.flush();
        });
      }
    };
    if (!summary) {
      o.ring = new RingBuffer(
        { fd: sink.fd, maxEntries: sink.maxEntries, name: 'strace_events' },
        { lostCounter: lostCount },
      );
      // A timer, not epoll: at strace's rates the ring is never empty, and a level-triggered wait
      // would spin between the reader and its thread. Batches of ~10 ms are cheap and prompt.
      const r = o.ring;
      pollTimer = setInterval(() => r.pollViews(onRecord), STRACE_POLL_MS);
    }

    let done: Promise<number>;
    if (commandPath) {
      const argv = opts.command ?? [];
      // The descriptors bpfkit inherited go on to the command, as strace passes them (a make
      // jobserver's pipe, say); the gate takes the first number above them.
      const passed = inheritedFds();
      const gateFd = Math.max(3, (passed.at(-1) ?? 2) + 1);
      const stdio: ('inherit' | 'ignore' | 'pipe' | number)[] = ['inherit', 'inherit', 'inherit'];
      for (let fd = 3; fd < gateFd; fd++) stdio.push(passed.includes(fd) ? fd : 'ignore');
      stdio.push('pipe');
      const w = wrapper(commandPath, argv, process.env, gateFd);
      child = spawn(w.shell, w.args, { stdio, argv0: 'sh', env: w.env });
      execArgs = { argv: w.argv, envCount: w.envCount };
      const c = child;
      done = new Promise<number>((resolve, reject) => {
        c.on('error', reject);
        c.on('exit', (code, signal) =>
          resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)),
        );
      });
      if (c.pid === undefined) throw new BpfkitError(`strace: could not start ${commandPath}`);
      rootPid = c.pid;
      const held = Buffer.alloc(4);
      held.writeUInt32LE(PID_HELD);
      pids.set(rootPid, held);
      const gate = c.stdio[gateFd] as NodeJS.WritableStream;
      gate.end('\n');
    } else {
      rootPid = opts.pid ?? 0;
      pids.set(rootPid, one);
      opts.ready?.();
      done = new Promise<number>((resolve) => {
        const t = setInterval(() => {
          try {
            process.kill(rootPid, 0);
          } catch {
            clearInterval(t);
            resolve(0);
          }
        }, 200);
        t.unref();
      });
    }
    let exitCode = 0;
    const reason = await waitForStop({
      ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
      done,
    });
    if (reason === 'done') exitCode = await done;
    // Stopped early (-d, a signal): the command runs on untraced, and bpfkit does not wait for it.
    else child?.unref();
    clearInterval(pollTimer);

    // Everything the kernel produced before the command ended is in the ring now: take it all.
    if (o.ring) while (o.ring.pollViews(onRecord) > 0);
    for (const l of o.links.splice(0).reverse()) l.close();
    if (o.ring) while (o.ring.pollViews(onRecord) > 0);
    flushPending();
    await o.ring?.closeAsync();
    if (summary) out.line(formatSummary(readStats(sink)).trimEnd());
    else if (commandPath && reason === 'done' && !opts.json) {
      const sig = child?.signalCode;
      const pfx = pidLead(rootPid, { pidPrefix: pidColumn && 'column' });
      const fatal = rootSignalSent;
      if (sig && fatal && osConstants.signals[sig] === fatal.sig && siginfoSigno(fatal.info) !== 0) {
        const sentLead = stamper.active ? stamper.leader(fatal.ts) : '';
        out.line(`${pfx}${sentLead}${signalLine(fatal.sig, fatal.info)}`);
        if (fatal.ts > lastRootTs) lastRootTs = fatal.ts;
      }
      const lead = stamper.active ? stamper.leader(lastRootTs) : '';
      out.line(
        sig ? `${pfx}${lead}+++ killed by ${sig} +++` : `${pfx}${lead}+++ exited with ${exitCode} +++`,
      );
    }
    out.flush();
    const lostN = lostCount();
    const msg = lostMessage(lostN, 'syscall records');
    if (msg) process.stderr.write(`bpfkit strace: ${msg}\n`);
    return { exitCode: reason === 'done' ? exitCode : 0, records, lost: lostN };
  } finally {
    clearInterval(pollTimer);
    closeObjects(o);
    if (outFd !== 2) closeSync(outFd);
  }
}

const argCache = new Map<number, readonly ArgKind[] | undefined>();

/**
 * tracepointArgs reads a syscall's arguments from its syscalls:sys_enter_* format: pointers print
 * as NULL or hex, integers in decimal. undefined when the kernel has no such event.
 */
export function tracepointArgs(nr: number): readonly ArgKind[] | undefined {
  if (argCache.has(nr)) return argCache.get(nr);
  let kinds: ArgKind[] | undefined;
  const name = btfSyscallName(nr);
  if (name !== undefined) {
    try {
      ensureTracefs();
      kinds = readEventFormat(`syscalls:sys_enter_${name}`)
        .fields.filter((f) => f.name !== '__syscall_nr')
        .map((f) => argKindOfField(f.type, f.size, f.signed));
    } catch {
      // No syscall tracepoints: six hex values, as for a number the kernel does not name.
    }
  }
  argCache.set(nr, kinds);
  return kinds;
}

// Typedefs that are pointers, though their names hide the `*` (capget's header, io_setup's context).
const POINTER_TYPEDEFS = /\b(cap_user_header_t|cap_user_data_t|aio_context_t)$/;

/** argKindOfField maps a syscall tracepoint field's C type to how strace would print it. */
export function argKindOfField(type: string, size: number, signed: boolean): ArgKind {
  if (type.includes('*') || POINTER_TYPEDEFS.test(type)) return 'ptr';
  if (/\bumode_t$/.test(type)) return 'mode';
  if (/\bclockid_t$/.test(type)) return 'clock_id';
  if (signed) return size === 8 ? 'off' : 'int';
  return 'uint';
}

/**
 * inheritedFds lists the descriptors above stderr that bpfkit inherited: Node marks them
 * close-on-exec at start-up, so they are found in the parent, open there without O_CLOEXEC, on the
 * same file as ours. (Run through a launcher that is itself a Node process, none are found.)
 */
export function inheritedFds(ppid = process.ppid): number[] {
  let names: string[];
  try {
    names = readdirSync(`/proc/${ppid}/fd`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    try {
      const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/${ppid}/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags === undefined || (Number.parseInt(flags, 8) & O_CLOEXEC) !== 0) continue;
      const mine = statSync(`/proc/self/fd/${fd}`);
      const theirs = statSync(`/proc/${ppid}/fd/${fd}`);
      if (mine.dev === theirs.dev && mine.ino === theirs.ino) out.push(fd);
    } catch {
      // Closed on either side since the listing, or not ours: not passed.
    }
  }
  return out.sort((a, b) => a - b);
}

const O_CLOEXEC = 0o2000000;

/** Wrapper is how a command is started held: the shell, its arguments, and what the command gets. */
interface Wrapper {
  shell: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** argv is the command's argv as exec'd; envCount the number of variables it gets. */
  argv: string[];
  envCount: number;
}

const BASH = '/bin/bash';

/**
 * wrapper builds the shell that waits on fd 3 until its pid is in the filter, then execs the command
 * in place. bash's `exec -a` keeps the command's own argv[0] (`cat`, not `/usr/bin/cat`), which
 * programs print in their messages; a system without bash gets sh, and argv[0] is the full path.
 */
export function wrapper(
  commandPath: string,
  command: readonly string[],
  env = process.env,
  gateFd = 3,
): Wrapper {
  const rest = command.slice(1);
  const childEnv: NodeJS.ProcessEnv = { ...env };
  let hasBash = false;
  try {
    accessSync(BASH, constants.X_OK);
    hasBash = true;
  } catch {
    // sh below.
  }
  if (hasBash) {
    // bash drops `_` from what it exports and adds PWD and SHLVL when they are missing.
    delete childEnv._;
    const added = (childEnv.PWD === undefined ? 1 : 0) + (childEnv.SHLVL === undefined ? 1 : 0);
    const argv0 = command[0] ?? commandPath;
    return {
      shell: BASH,
      args: [
        '-c',
        `read -r x <&${gateFd}; p=$1; shift; exec -a "$0" "$p" "$@" ${gateFd}<&-`,
        argv0,
        commandPath,
        ...rest,
      ],
      env: childEnv,
      argv: [argv0, ...rest],
      envCount: Object.keys(childEnv).length + added,
    };
  }
  return {
    shell: '/bin/sh',
    args: ['-c', `read _ <&${gateFd}; exec ${gateFd}<&- "$0" "$@"`, commandPath, ...rest],
    env: childEnv,
    argv: [commandPath, ...rest],
    envCount: Object.keys(childEnv).length,
  };
}

// BPF_F_NO_PREALLOC, which task storage requires.
const NO_PREALLOC = 1;
/**
 * stashBtf describes the stash slot for task storage, which must have BTF: an int key and a
 * STASH_VALUE_SIZE-byte struct value, with their type ids.
 */
export function stashBtf(): { blob: Uint8Array; key: number; value: number } {
  const b = new BtfBuilder();
  const key = b.int('int', 4, { signed: true });
  const byte = b.int('unsigned char', 1);
  const bytes = b.array(byte, STASH_VALUE_SIZE, key);
  const value = b.struct('strace_slot', STASH_VALUE_SIZE, [{ name: 'bytes', type: bytes, bitOffset: 0 }]);
  return { blob: b.build(), key, value };
}

/**
 * loadEnter loads sys_enter as a BTF-typed raw tracepoint, which reads the syscall's registers without
 * a helper call, or, on a kernel without vmlinux BTF, as a plain raw tracepoint.
 */
function loadEnter(
  progOpts: StraceProgramOptions,
  maps: Record<string, BpfMap<number, Buffer>>,
): { prog: Program; typed: boolean } {
  let attachBtfId: number | undefined;
  try {
    attachBtfId = loadVmlinux().findType('btf_trace_sys_enter', 'typedef')?.id;
  } catch {
    // No vmlinux BTF: the plain raw tracepoint below.
  }
  if (attachBtfId !== undefined) {
    try {
      const prog = Program.load({
        type: 'tracing',
        expectedAttachType: AttachType.TRACE_RAW_TP,
        attachBtfId,
        insns: sysEnterProgram({ ...progOpts, btfRegs: true }),
        maps,
        name: 'strace_enter',
      });
      return { prog, typed: true };
    } catch {
      // A kernel that refuses tp_btf here still runs the raw tracepoint.
    }
  }
  const prog = Program.load({
    type: 'raw_tracepoint',
    insns: sysEnterProgram(progOpts),
    maps,
    name: 'strace_enter',
  });
  return { prog, typed: false };
}

function readStats(stats: BpfMap<number, Buffer>): Map<number, SyscallStats> {
  const out = new Map<number, SyscallStats>();
  for (let nr = 0; nr < MAX_NR; nr++) {
    const perCpu = stats.getPerCpu(nr);
    if (!perCpu) continue;
    const s = { calls: 0, errors: 0, ns: 0 };
    for (const v of perCpu) {
      s.calls += Number(v.readBigUInt64LE(0));
      s.errors += Number(v.readBigUInt64LE(8));
      s.ns += Number(v.readBigUInt64LE(16));
    }
    if (s.calls > 0) out.set(nr, s);
  }
  return out;
}
