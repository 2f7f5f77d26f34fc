// exitsnoop's event record and output: libbpf-tools' columns (PCOMM PID PPID TID AGE(s) EXIT_CODE).

import { clock, cString, left } from './common/format.js';
import { strsignal } from './signals.js';

/** EXITSNOOP_EVENT is the record layout. */
export const EXITSNOOP_EVENT = {
  startNs: 0,
  exitNs: 8,
  pid: 16,
  tid: 20,
  ppid: 24,
  /** exitCode holds task->exit_code: status << 8 | core dump flag (0x80) | signal. */
  exitCode: 28,
  comm: 32,
  size: 48,
} as const;

/** ExitEvent is one task exit. */
export interface ExitEvent {
  pid: number;
  tid: number;
  ppid: number;
  comm: string;
  ageNs: number;
  /** code is the exit status; sig the terminating signal (0 for a normal exit). */
  code: number;
  sig: number;
  coreDumped: boolean;
}

/** decodeExitEvent reads one record. */
export function decodeExitEvent(data: Uint8Array): ExitEvent {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const E = EXITSNOOP_EVENT;
  const raw = v.getUint32(E.exitCode, true);
  return {
    pid: v.getUint32(E.pid, true),
    tid: v.getUint32(E.tid, true),
    ppid: v.getUint32(E.ppid, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
    ageNs: Number(v.getBigUint64(E.exitNs, true) - v.getBigUint64(E.startNs, true)),
    code: (raw >> 8) & 0xff,
    sig: raw & 0x7f,
    coreDumped: (raw & 0x80) !== 0,
  };
}

/** ExitFormat holds the output switches. */
export interface ExitFormat {
  timestamp?: boolean; // -t
}

/** exitsnoopHeader is the header line. */
export function exitsnoopHeader(f: ExitFormat): string {
  return `${f.timestamp ? `${left('TIME(s)', 8)} ` : ''}${left('PCOMM', 16)} ${left('PID', 7)} ${left('PPID', 7)} ${left('TID', 7)} ${left('AGE(s)', 7)} EXIT_CODE`;
}

/** exitDescription is the EXIT_CODE column: "0", "code 3", "signal 9 (Killed)", ", core dumped". */
export function exitDescription(e: ExitEvent): string {
  if (e.sig === 0 && !e.coreDumped) return e.code === 0 ? '0' : `code ${e.code}`;
  return `${e.sig ? `signal ${e.sig} (${strsignal(e.sig)})` : ''}${e.coreDumped ? ', core dumped' : ''}`;
}

/** formatExit prints one exit. */
export function formatExit(e: ExitEvent, f: ExitFormat, now = new Date()): string {
  return `${f.timestamp ? `${left(clock(now), 8)} ` : ''}${left(e.comm, 16)} ${left(e.pid, 7)} ${left(e.ppid, 7)} ${left(e.tid, 7)} ${left((e.ageNs / 1e9).toFixed(2), 7)} ${exitDescription(e)}`;
}

/** exitJson is the --json object for one exit. */
export function exitJson(e: ExitEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    ppid: e.ppid,
    tid: e.tid,
    comm: e.comm,
    age_s: e.ageNs / 1e9,
    exit_code: e.code,
    signal: e.sig,
    core_dumped: e.coreDumped,
  };
}
