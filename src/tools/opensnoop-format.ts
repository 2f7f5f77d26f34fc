// opensnoop's event record and output: libbpf-tools' columns (PID COMM FD ERR [FLAGS MODE] PATH).

import { DecodeError } from '../errors/index.js';
import { clock, cString, left, right } from './common/format.js';

export const OPENSNOOP_PATH_SIZE = 256;

/** OPENSNOOP_EVENT is the record layout emitted at syscall exit. */
export const OPENSNOOP_EVENT = {
  tsNs: 0,
  pid: 8,
  tid: 12,
  uid: 16,
  ret: 20,
  flags: 24,
  mode: 28,
  comm: 32, // char[16]
  path: 48, // char[OPENSNOOP_PATH_SIZE]
  size: 48 + OPENSNOOP_PATH_SIZE,
} as const;

/**
 * OPENSNOOP_CWD extends the record for -F: the names of the directories from the cwd up to the root,
 * innermost first, one per NAME_MAX slot (a mount's root reads as "/"), as libbpf-tools walks them.
 * depth is how many slots hold the path; failed says a name could not be read.
 */
export const OPENSNOOP_CWD = {
  depth: OPENSNOOP_EVENT.size,
  failed: OPENSNOOP_EVENT.size + 4,
  parts: OPENSNOOP_EVENT.size + 8,
  slot: 256,
  /** maxDepth is libbpf-tools' MAX_PATH_DEPTH: slot 0 is the file name, so 31 directories at most. */
  maxDepth: 32,
  size: OPENSNOOP_EVENT.size + 8 + 31 * 256,
} as const;

/**
 * joinCwd builds -F's path as libbpf-tools prints it: "/" before each directory and the file name,
 * mount roots skipped; an absolute name is kept; a walk that failed or hit maxDepth loses its
 * leading "/" (the top is unknown).
 */
export function joinCwd(name: string, dirs: readonly string[], failed: boolean): string {
  if (name.startsWith('/')) return name;
  const parts = [...dirs].reverse();
  const partial = failed || dirs.length === OPENSNOOP_CWD.maxDepth - 1;
  let out = '';
  parts.forEach((p, i) => {
    if (p === '/') return;
    out += (i === 0 && partial) || p.startsWith('/') ? p : `/${p}`;
  });
  return `${out}${partial && parts.length === 0 ? '' : '/'}${name}`;
}

/** OpenEvent is one open, openat or openat2. */
export interface OpenEvent {
  tsNs: number;
  pid: number;
  tid: number;
  uid: number;
  ret: number;
  flags: number;
  mode: number;
  comm: string;
  path: string;
}

/** decodeOpenEvent reads one record. */
export function decodeOpenEvent(data: Uint8Array): OpenEvent {
  const E = OPENSNOOP_EVENT;
  if (data.length < E.path)
    throw new DecodeError(`opensnoop record of ${data.length} bytes, under ${E.path}`, 0);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    tsNs: Number(v.getBigUint64(E.tsNs, true)),
    pid: v.getUint32(E.pid, true),
    tid: v.getUint32(E.tid, true),
    uid: v.getUint32(E.uid, true),
    ret: v.getInt32(E.ret, true),
    flags: v.getInt32(E.flags, true),
    mode: v.getUint32(E.mode, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
    path: decodePath(data, v),
  };
}

function decodePath(data: Uint8Array, v: DataView): string {
  const E = OPENSNOOP_EVENT;
  const name = cString(data.subarray(E.path, Math.min(data.length, E.path + OPENSNOOP_PATH_SIZE)));
  const C = OPENSNOOP_CWD;
  // Only -F's records are longer than the path; they carry the cwd walk.
  if (data.length < C.parts) return name;
  const depth = Math.min(v.getUint32(C.depth, true), C.maxDepth - 1);
  const dirs: string[] = [];
  for (let i = 0; i < depth && C.parts + (i + 1) * C.slot <= data.length; i++) {
    dirs.push(cString(data.subarray(C.parts + i * C.slot, C.parts + (i + 1) * C.slot)));
  }
  return joinCwd(name, dirs, v.getUint32(C.failed, true) !== 0);
}

/** OpenFormat holds the output switches. */
export interface OpenFormat {
  clock?: boolean; // -T
  printUid?: boolean; // -U
  extended?: boolean; // -e
}

/** opensnoopHeader is the header line. */
export function opensnoopHeader(f: OpenFormat): string {
  let s = '';
  if (f.clock) s += `${left('TIME', 8)} `;
  if (f.printUid) s += `${left('UID', 7)} `;
  s += `${left('PID', 6)} ${left('COMM', 16)} ${right('FD', 3)} ${right('ERR', 3)} `;
  if (f.extended) s += `${left('FLAGS', 8)} ${left('MODE', 5)} `;
  return `${s}PATH`;
}

const O_CREAT = 0o100;
const O_TMPFILE = 0o20200000;

/** formatOpen prints one open like libbpf-tools: fd -1 and a positive errno on failure. */
export function formatOpen(e: OpenEvent, f: OpenFormat, now = new Date()): string {
  const fd = e.ret >= 0 ? e.ret : -1;
  const err = e.ret >= 0 ? 0 : -e.ret;
  let s = '';
  if (f.clock) s += `${left(clock(now), 8)} `;
  if (f.printUid) s += `${left(e.uid, 7)} `;
  s += `${left(e.pid, 6)} ${left(e.comm, 16)} ${right(fd, 3)} ${right(err, 3)} `;
  if (f.extended) {
    const flags = (e.flags >>> 0).toString(8).padStart(8, '0');
    const noMode = e.mode === 0 && (e.flags & O_CREAT) === 0 && (e.flags & O_TMPFILE) !== O_TMPFILE;
    s += noMode ? `${flags} n/a  ` : `${flags} ${e.mode.toString(8).padStart(4, '0')} `;
  }
  return `${s}${e.path}`;
}

/** openJson is the --json object for one open. */
export function openJson(e: OpenEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    tid: e.tid,
    uid: e.uid,
    comm: e.comm,
    fd: e.ret >= 0 ? e.ret : -1,
    err: e.ret >= 0 ? 0 : -e.ret,
    flags: e.flags,
    mode: e.mode,
    path: e.path,
  };
}
