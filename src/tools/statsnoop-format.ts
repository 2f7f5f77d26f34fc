// statsnoop's event record and output: libbpf-tools' columns (PID COMM RET ERR PATH).

import { cString, left } from './common/format.js';

/** STATSNOOP_PATH is the path bytes copied per call (NAME_MAX + 1). */
export const STATSNOOP_PATH = 256;

/** STATSNOOP_EVENT is the record layout. */
export const STATSNOOP_EVENT = {
  tsNs: 0,
  pid: 8,
  ret: 12,
  comm: 16,
  path: 32,
  size: 32 + STATSNOOP_PATH,
} as const;

/** StatEvent is one completed stat-family call. */
export interface StatEvent {
  tsNs: number;
  pid: number;
  ret: number;
  comm: string;
  path: string;
}

/** decodeStatEvent reads one record. */
export function decodeStatEvent(data: Uint8Array): StatEvent {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const E = STATSNOOP_EVENT;
  return {
    tsNs: Number(v.getBigUint64(E.tsNs, true)),
    pid: v.getUint32(E.pid, true),
    ret: v.getInt32(E.ret, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
    path: cString(data.subarray(E.path, E.path + STATSNOOP_PATH)),
  };
}

/** StatFormat holds the output switches. */
export interface StatFormat {
  timestamp?: boolean; // -t
}

/** statsnoopHeader is the header line. */
export function statsnoopHeader(f: StatFormat): string {
  return `${f.timestamp ? `${left('TIME(s)', 14)} ` : ''}${left('PID', 7)} ${left('COMM', 20)} ${left('RET', 4)} ${left('ERR', 4)} PATH`;
}

/** formatStat prints one call; RET is the return value (-1 on failure) and ERR the errno, as libbpf-tools. */
export function formatStat(e: StatEvent, f: StatFormat, startNs = e.tsNs): string {
  const fd = e.ret >= 0 ? e.ret : -1;
  const err = e.ret >= 0 ? 0 : -e.ret;
  const ts = f.timestamp ? `${left(((e.tsNs - startNs) / 1e9).toFixed(9), 14)} ` : '';
  return `${ts}${left(e.pid, 7)} ${left(e.comm, 20)} ${left(fd, 4)} ${left(err, 4)} ${e.path}`;
}

/** statJson is the --json object for one call. */
export function statJson(e: StatEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    comm: e.comm,
    ret: e.ret >= 0 ? e.ret : -1,
    errno: e.ret >= 0 ? 0 : -e.ret,
    path: e.path,
  };
}
