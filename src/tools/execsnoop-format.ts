// execsnoop's event record and output: libbpf-tools' columns (PCOMM PID PPID RET ARGS) and options.

import { DecodeError } from '../errors/index.js';
import { clock, cString, left, right } from './common/format.js';

/**
 * EXECSNOOP_MAX_ARGS (the default of --max-args) and EXECSNOOP_ARG_SIZE bound what the kernel program
 * copies per exec; --max-args goes up to EXECSNOOP_TOTAL_MAX_ARGS, as in libbpf-tools.
 */
export const EXECSNOOP_MAX_ARGS = 20;
export const EXECSNOOP_TOTAL_MAX_ARGS = 60;
export const EXECSNOOP_ARG_SIZE = 128;

/**
 * EXECSNOOP_EVENT is the record layout: the args area holds up to EXECSNOOP_MAX_ARGS NUL-terminated
 * strings in fixed EXECSNOOP_ARG_SIZE slots; argsCount is how many were copied.
 */
export const EXECSNOOP_EVENT = {
  tsNs: 0,
  pid: 8,
  ppid: 12,
  uid: 16,
  retval: 20,
  argsCount: 24,
  comm: 28, // char[16]
  truncated: 44, // u32: argv had more arguments than were copied
  args: 48,
  size: 48 + EXECSNOOP_MAX_ARGS * EXECSNOOP_ARG_SIZE,
} as const;

/** execEventSize is the size of a record with room for `maxArgs` arguments (EXECSNOOP_EVENT's is 20). */
export const execEventSize = (maxArgs: number): number => EXECSNOOP_EVENT.args + maxArgs * EXECSNOOP_ARG_SIZE;

/** ExecEvent is one exec. */
export interface ExecEvent {
  tsNs: number;
  pid: number;
  ppid: number;
  uid: number;
  retval: number;
  comm: string;
  args: string[];
  /** truncated says there were more arguments than were copied. */
  truncated: boolean;
}

/** decodeExecEvent reads one record. */
export function decodeExecEvent(data: Uint8Array): ExecEvent {
  const E = EXECSNOOP_EVENT;
  if (data.length < E.args)
    throw new DecodeError(`execsnoop record of ${data.length} bytes, under ${E.args}`, 0);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = v.getInt32(E.argsCount, true);
  const args: string[] = [];
  for (let i = 0; i < Math.min(count, EXECSNOOP_TOTAL_MAX_ARGS); i++) {
    const at = E.args + i * EXECSNOOP_ARG_SIZE;
    if (at + EXECSNOOP_ARG_SIZE > data.length) break;
    args.push(cString(data.subarray(at, at + EXECSNOOP_ARG_SIZE)));
  }
  return {
    tsNs: Number(v.getBigUint64(E.tsNs, true)),
    pid: v.getUint32(E.pid, true),
    ppid: v.getUint32(E.ppid, true),
    uid: v.getUint32(E.uid, true),
    retval: v.getInt32(E.retval, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
    args,
    truncated: v.getUint32(E.truncated, true) !== 0,
  };
}

/** ExecFormat holds the output switches. */
export interface ExecFormat {
  clock?: boolean; // -T
  relative?: boolean; // -t
  printUid?: boolean; // -U
  quote?: boolean; // -q
}

/** execsnoopHeader is the header line. */
export function execsnoopHeader(f: ExecFormat): string {
  let s = '';
  if (f.clock) s += left('TIME', 9);
  if (f.relative) s += `${left('TIME(s)', 8)} `;
  if (f.printUid) s += `${left('UID', 6)} `;
  return `${s}${left('PCOMM', 16)} ${left('PID', 6)} ${left('PPID', 6)} ${right('RET', 3)} ARGS`;
}

const quoteArg = (a: string): string => `"${a.replace(/"/g, '\\"')}"`;

/** formatExec prints one exec; `startNs` is the tool's start time for -t. */
export function formatExec(e: ExecEvent, f: ExecFormat, now = new Date(), startNs = e.tsNs): string {
  let s = '';
  if (f.clock) s += `${left(clock(now), 8)} `;
  if (f.relative) s += `${left(((e.tsNs - startNs) / 1e9).toFixed(3), 8)} `;
  if (f.printUid) s += left(e.uid, 6);
  const args = (f.quote ? e.args.map(quoteArg) : e.args).join(' ');
  return `${s}${left(e.comm, 16)} ${left(e.pid, 6)} ${left(e.ppid, 6)} ${right(e.retval, 3)} ${args}${e.truncated ? ' ...' : ''}`;
}

/** execJson is the --json object for one exec. */
export function execJson(e: ExecEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    ppid: e.ppid,
    uid: e.uid,
    comm: e.comm,
    ret: e.retval,
    args: e.args,
    truncated: e.truncated,
  };
}
