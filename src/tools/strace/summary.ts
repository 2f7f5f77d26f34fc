// The `strace -c` table: time, calls and errors per syscall, sorted by time spent.

import { syscallName } from './format.js';

/** SyscallStats is what -c counts for one syscall. */
export interface SyscallStats {
  calls: number;
  errors: number;
  /** ns is the total time spent inside the syscall. */
  ns: number;
}

const DASHES = '------ ----------- ----------- --------- --------- ----------------';

function row(pct: number, ns: number, calls: number, errors: number, name: string): string {
  const usecs = calls === 0 ? 0 : Math.floor(ns / 1000 / calls);
  return `${pct.toFixed(2).padStart(6)} ${(ns / 1e9).toFixed(6).padStart(11)} ${String(usecs).padStart(11)} ${String(calls).padStart(9)} ${(errors === 0 ? '' : String(errors)).padStart(9)} ${name}`;
}

/** formatSummary renders strace's -c table for per-syscall-number stats. */
export function formatSummary(stats: ReadonlyMap<number, SyscallStats>): string {
  const rows = [...stats.entries()]
    .filter(([, s]) => s.calls > 0)
    .map(([nr, s]) => ({ name: syscallName(nr), ...s }))
    .sort((a, b) => b.ns - a.ns || b.calls - a.calls || a.name.localeCompare(b.name));
  const totalNs = rows.reduce((t, r) => t + r.ns, 0);
  const totalCalls = rows.reduce((t, r) => t + r.calls, 0);
  const totalErrors = rows.reduce((t, r) => t + r.errors, 0);
  const pct = (ns: number): number => (totalNs === 0 ? 0 : (100 * ns) / totalNs);
  const lines = [
    '% time     seconds  usecs/call     calls    errors syscall',
    DASHES,
    ...rows.map((r) => row(pct(r.ns), r.ns, r.calls, r.errors, r.name)),
    DASHES,
    row(totalNs === 0 ? 0 : 100, totalNs, totalCalls, totalErrors, 'total'),
  ];
  return `${lines.join('\n')}\n`;
}
