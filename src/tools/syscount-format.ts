// syscount's counts and output: libbpf-tools syscount's tables (by syscall or by process, with or
// without latency), each under a [HH:MM:SS] stamp.

import { clock, cString, left, right } from './common/format.js';

/** SYSCOUNT_VALUE is the data map value: `struct data_t { u64 count; u64 total_ns; char comm[16]; }`. */
export const SYSCOUNT_VALUE = { count: 0, totalNs: 8, comm: 16, size: 32 } as const;

/** SyscountRow is one line: a syscall (or a process with -P), its count and total time. */
export interface SyscountRow {
  key: number;
  /** name is the syscall name, or the process's comm with -P. */
  name: string;
  count: number;
  totalNs: number;
}

/** decodeSyscountValue reads one data value. */
export function decodeSyscountValue(data: Uint8Array): { count: number; totalNs: number; comm: string } {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    count: Number(v.getBigUint64(SYSCOUNT_VALUE.count, true)),
    totalNs: Number(v.getBigUint64(SYSCOUNT_VALUE.totalNs, true)),
    comm: cString(data.subarray(SYSCOUNT_VALUE.comm, SYSCOUNT_VALUE.comm + 16)),
  };
}

/** SyscountFormat holds the output switches. */
export interface SyscountFormat {
  latency?: boolean; // -L
  milliseconds?: boolean; // -m
  process?: boolean; // -P
  top?: number; // -T, default 10
}

/** sortRows orders rows as libbpf-tools does: by total time with -L, else by count, largest first. */
export function sortRows(rows: SyscountRow[], f: SyscountFormat): SyscountRow[] {
  return [...rows].sort((a, b) => (f.latency ? b.totalNs - a.totalNs : b.count - a.count));
}

/** formatSyscount prints one report: the stamp, the header, the top rows and a blank line. */
export function formatSyscount(rows: SyscountRow[], f: SyscountFormat, now = new Date()): string[] {
  const col = f.process ? 'PID    COMM' : 'SYSCALL';
  const out = [`[${clock(now)}]`];
  const agg = (r: SyscountRow): string => (f.process ? `${left(r.key, 6)} ${left(r.name, 15)}` : r.name);
  const sorted = sortRows(rows, f).slice(0, f.top ?? 10);
  if (f.latency) {
    const div = f.milliseconds ? 1e6 : 1e3;
    out.push(
      `${left(col, 22)} ${right('COUNT', 8)} ${right(f.milliseconds ? 'TIME (ms)' : 'TIME (us)', 16)}`,
    );
    for (const r of sorted)
      out.push(`${left(agg(r), 22)} ${right(r.count, 8)} ${right((r.totalNs / div).toFixed(3), 16)}`);
  } else {
    out.push(`${left(col, 22)} ${right('COUNT', 8)}`);
    for (const r of sorted) out.push(`${left(agg(r), 22)} ${right(r.count, 8)}`);
  }
  out.push('');
  return out;
}

/** syscountJson is the --json object for one row. */
export function syscountJson(r: SyscountRow, f: SyscountFormat): Record<string, unknown> {
  const o: Record<string, unknown> = f.process
    ? { pid: r.key, comm: r.name }
    : { syscall: r.name, nr: r.key };
  o.count = r.count;
  if (f.latency) o.total_ns = r.totalNs;
  return o;
}
