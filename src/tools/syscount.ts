// syscount: count system calls (and optionally their latency) per syscall or per process, from the
// raw_syscalls tracepoints, as libbpf-tools syscount does.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r4, r6, r7, r8, r9, r10 } from '../asm/index.js';
import { syscallName } from '../btf/syscalls.js';
import { BpfkitError } from '../errors/index.js';
import type { BpfMap } from '../kernel/map.js';
import { Errno } from '../sys/errno.js';
import { CGROUP_MAP, CgroupFilter, cgroupMapSpec, filterCgroup } from './common/cgroup.js';
import type { Output } from './common/output.js';
import type { ToolOptions } from './common/session.js';
import { elapsedSince, filterTask, stampStart } from './common/snippets.js';
import { runSummary } from './common/summary.js';
import {
  decodeSyscountValue,
  formatSyscount,
  SYSCOUNT_VALUE,
  type SyscountFormat,
  type SyscountRow,
  sortRows,
  syscountJson,
} from './syscount-format.js';

/** SyscountOptions are libbpf-tools syscount's options. */
export interface SyscountOptions extends ToolOptions, SyscountFormat {
  pid?: number;
  failures?: boolean; // -x
  /** errno counts only syscalls failing with this error (-e, a number or a name like ENOENT). */
  errno?: number;
  interval?: number; // -i
  /** cgroup counts only tasks under this cgroup v2 directory (-c). */
  cgroup?: string;
  /** onReport receives each report's rows (tests). */
  onReport?: (rows: SyscountRow[]) => void;
}

// raw_syscalls:sys_enter / sys_exit: long id at 8; args at 16 (enter), long ret at 16 (exit).
const ID = 8;
const RET = 16;
const FP_KEY = -4;
const FP_VAL = -40;
const FP_TID = -48;

function enterProgram(o: SyscountOptions): BuiltProgram {
  const b = new ProgramBuilder();
  filterTask(b, { pid: o.pid }, 'out', r6);
  if (o.cgroup !== undefined) filterCgroup(b, 'out');
  b.st('u32', r10, FP_TID, r6);
  stampStart(b, 'start', FP_TID, FP_VAL);
  return b.label('out').mov(r0, 0).exit().build();
}

function exitProgram(o: SyscountOptions): BuiltProgram {
  const V = SYSCOUNT_VALUE;
  const b = new ProgramBuilder().mov(r9, r1);
  filterTask(b, { pid: o.pid }, 'out', r6);
  if (o.cgroup !== undefined) filterCgroup(b, 'out');
  b.ldx('u64', r7, r9, ID).jmp('JEQ', r7, -1, 'out').ldx('u64', r1, r9, RET);
  if (o.failures) b.jmp('JSGE', r1, 0, 'out');
  if (o.errno) b.jmp('JNE', r1, -o.errno, 'out');
  b.mov(r8, 0);
  if (o.latency) {
    b.st('u32', r10, FP_TID, r6);
    elapsedSince(b, 'start', FP_TID, 'out', r8);
  }
  if (o.process) b.mov(r1, r6).rsh(r1, 32).st('u32', r10, FP_KEY, r1);
  else b.st('u32', r10, FP_KEY, r7);
  b.ldMap(r1, 'data').mov(r2, r10).add(r2, FP_KEY).call('map_lookup_elem').jmp('JNE', r0, 0, 'add');
  for (let off = 0; off < V.size; off += 8) b.st('u64', r10, FP_VAL + off, 0);
  b.ldMap(r1, 'data')
    .mov(r2, r10)
    .add(r2, FP_KEY)
    .mov(r3, r10)
    .add(r3, FP_VAL)
    .mov(r4, 1) // BPF_NOEXIST: another CPU may have created it meanwhile
    .call('map_update_elem')
    .ldMap(r1, 'data')
    .mov(r2, r10)
    .add(r2, FP_KEY)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .label('add')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, V.count, r1)
    .atomic('add', 'u64', r0, V.totalNs, r8);
  // The latest comm, as libbpf-tools' save_proc_name: a process that exec()s shows what it became.
  if (o.process) b.mov(r1, r0).add(r1, V.comm).mov(r2, 16).call('get_current_comm');
  return b.label('out').mov(r0, 0).exit().build();
}

/** parseErrno reads -e: a positive number or an errno name (ENOENT). */
export function parseErrno(value: string): number {
  if (/^\d+$/.test(value) && Number(value) > 0) return Number(value);
  const n = Errno[value.toUpperCase()];
  if (n === undefined)
    throw new BpfkitError(`-e: unknown errno '${value}' (give a number or a name like ENOENT)`);
  return n;
}

/** listSyscalls is -l: every known syscall as `NNN: name`, as libbpf-tools prints it. */
export function listSyscalls(): string[] {
  const out: string[] = [];
  for (let nr = 0; nr < 1024; nr++) {
    const name = syscallName(nr);
    if (name) out.push(`${String(nr).padStart(3)}: ${name}`);
  }
  return out;
}

/** drain reads and clears the data map into rows. */
function drain(data: BpfMap, process: boolean): SyscountRow[] {
  const rows: SyscountRow[] = [];
  for (const [k, v] of data.lookupAndDeleteBatch()) {
    const key = k.readUInt32LE(0);
    const d = decodeSyscountValue(v);
    rows.push({
      key,
      name: process ? d.comm : (syscallName(key) ?? `[unknown: ${key}]`),
      count: d.count,
      totalNs: d.totalNs,
    });
  }
  return rows;
}

/** runSyscount counts syscalls until stopped, printing a table every interval and at the end. */
export async function runSyscount(opts: SyscountOptions, out: Output): Promise<void> {
  const programs = [
    {
      name: 'sys_exit',
      type: 'tracepoint' as const,
      insns: exitProgram(opts),
      attach: ['raw_syscalls:sys_exit'],
    },
  ];
  if (opts.latency) {
    programs.push({
      name: 'sys_enter',
      type: 'tracepoint',
      insns: enterProgram(opts),
      attach: ['raw_syscalls:sys_enter'],
    });
  }
  const cgroup = opts.cgroup === undefined ? undefined : new CgroupFilter(opts.cgroup);
  try {
    await runSummary(
      {
        tool: 'syscount',
        programs,
        maps: {
          ...(cgroup ? { [CGROUP_MAP]: cgroupMapSpec } : {}),
          data: {
            type: 'hash',
            keySize: 4,
            valueSize: SYSCOUNT_VALUE.size,
            maxEntries: 1024,
            name: 'syscount_data',
          },
          start: { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8192, name: 'syscount_start' },
        },
        ready: (maps) => {
          cgroup?.install(maps);
          if (!opts.json) out.line(`Tracing syscalls, printing top ${opts.top ?? 10}... Ctrl+C to quit.`);
          opts.ready?.();
        },
        report: (maps) => {
          const rows = drain(maps.data!, opts.process ?? false);
          opts.onReport?.(rows);
          if (rows.length === 0) return;
          if (opts.json) {
            for (const r of sortRows(rows, opts).slice(0, opts.top ?? 10)) out.json(syscountJson(r, opts));
          } else {
            for (const l of formatSyscount(rows, opts)) out.line(l);
          }
        },
      },
      out,
      { interval: opts.interval, seconds: opts.seconds, done: opts.done },
    );
  } finally {
    cgroup?.close();
  }
}
