// killsnoop's event record and output: libbpf-tools killsnoop (sigsnoop) columns,
// TIME PID COMM SIG TPID RESULT.

import { clock, cString, left } from './common/format.js';
import { signalName } from './signals.js';

/** KILLSNOOP_EVENT is the record layout. */
export const KILLSNOOP_EVENT = { pid: 0, tpid: 4, sig: 8, ret: 12, comm: 16, size: 32 } as const;

/** KillEvent is one signal sent (or attempted). */
export interface KillEvent {
  pid: number;
  /** tpid is the target: a pid, or minus a process group. */
  tpid: number;
  sig: number;
  ret: number;
  comm: string;
}

/** decodeKillEvent reads one record. */
export function decodeKillEvent(data: Uint8Array): KillEvent {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const E = KILLSNOOP_EVENT;
  return {
    pid: v.getUint32(E.pid, true),
    tpid: v.getInt32(E.tpid, true),
    sig: v.getInt32(E.sig, true),
    ret: v.getInt32(E.ret, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
  };
}

/** KillFormat holds the output switches. */
export interface KillFormat {
  /** names prints SIGKILL instead of 9 (-n). */
  names?: boolean;
}

/** killsnoopHeader is the header line. */
export function killsnoopHeader(): string {
  return `${left('TIME', 8)} ${left('PID', 7)} ${left('COMM', 16)} ${left('SIG', 9)} ${left('TPID', 7)} ${left('RESULT', 6)}`;
}

/** formatKill prints one signal. */
export function formatKill(e: KillEvent, f: KillFormat, now = new Date()): string {
  // Signal 0 (kill -0, a liveness check) has no name: sigsnoop prints N/A.
  const sig = f.names ? (e.sig === 0 ? 'N/A' : signalName(e.sig)) : e.sig;
  return `${left(clock(now), 8)} ${left(e.pid, 7)} ${left(e.comm, 16)} ${left(sig, 9)} ${left(e.tpid, 7)} ${left(e.ret, 6)}`;
}

/** killJson is the --json object for one signal. */
export function killJson(e: KillEvent): Record<string, unknown> {
  return { pid: e.pid, comm: e.comm, sig: e.sig, signal: signalName(e.sig), tpid: e.tpid, ret: e.ret };
}
