// perf_event_open(2): the perf_event_attr layout from include/uapi/linux/perf_event.h and an owned FD.

import { SysError } from './errno.js';
import { FD } from './fd.js';
import { errno, koffi, rawSyscall5, SYS } from './libc.js';

/** PerfType is perf_event_attr.type for the built-in PMUs (dynamic ones such as uprobe come from sysfs). */
export const PerfType = {
  HARDWARE: 0,
  SOFTWARE: 1,
  TRACEPOINT: 2,
  HW_CACHE: 3,
  RAW: 4,
  BREAKPOINT: 5,
} as const;

/** SwEvent is perf_event_attr.config for PERF_TYPE_SOFTWARE. */
export const SwEvent = {
  CPU_CLOCK: 0,
  TASK_CLOCK: 1,
  PAGE_FAULTS: 2,
  CONTEXT_SWITCHES: 3,
  BPF_OUTPUT: 10,
} as const;

/** SampleType is perf_event_attr.sample_type bits. */
export const SampleType = { IP: 1 << 0, TID: 1 << 1, TIME: 1 << 2, CPU: 1 << 7, RAW: 1 << 10 } as const;

/** RecordType is perf_event_header.type for records in a perf ring. */
export const RecordType = { LOST: 2, SAMPLE: 9 } as const;

/** PERF_FLAG_FD_CLOEXEC keeps perf fds out of child processes. */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

/** PERF_ATTR_SIZE is PERF_ATTR_SIZE_VER7 (Linux 6.3+ accepts it, older kernels accept any zero tail). */
export const PERF_ATTR_SIZE = 128;

/** PerfEventAttr is the subset of perf_event_attr bpfkit sets; unset fields are zero. */
export interface PerfEventAttr {
  type: number;
  config?: bigint | number;
  /** samplePeriod, or the frequency in Hz when `freq` is set. */
  samplePeriod?: bigint | number;
  sampleType?: number;
  disabled?: boolean;
  freq?: boolean;
  /** watermark makes `wakeupEvents` count bytes instead of events. */
  watermark?: boolean;
  wakeupEvents?: number;
  /** config1 is also uprobe_path / kprobe_func: pass the path string, bpfkit keeps it alive. */
  config1?: bigint | number | string;
  /** config2 is also probe_offset. */
  config2?: bigint | number;
}

// Bit positions in the flags word at offset 40.
const FLAG_DISABLED = 1n << 0n;
const FLAG_FREQ = 1n << 10n;
const FLAG_WATERMARK = 1n << 14n;

/** encodePerfEventAttr lays out the attribute; `keep` receives buffers that must outlive the syscall. */
export function encodePerfEventAttr(attr: PerfEventAttr, keep: Buffer[] = []): Buffer {
  const b = Buffer.alloc(PERF_ATTR_SIZE);
  b.writeUInt32LE(attr.type, 0);
  b.writeUInt32LE(PERF_ATTR_SIZE, 4);
  b.writeBigUInt64LE(BigInt(attr.config ?? 0), 8);
  b.writeBigUInt64LE(BigInt(attr.samplePeriod ?? 0), 16);
  b.writeBigUInt64LE(BigInt(attr.sampleType ?? 0), 24);
  let flags = 0n;
  if (attr.disabled) flags |= FLAG_DISABLED;
  if (attr.freq) flags |= FLAG_FREQ;
  if (attr.watermark) flags |= FLAG_WATERMARK;
  b.writeBigUInt64LE(flags, 40);
  b.writeUInt32LE(attr.wakeupEvents ?? 0, 48);
  let config1 = 0n;
  if (typeof attr.config1 === 'string') {
    const path = Buffer.from(`${attr.config1}\0`);
    keep.push(path);
    config1 = BigInt(koffi.address(path));
  } else if (attr.config1 !== undefined) {
    config1 = BigInt(attr.config1);
  }
  b.writeBigUInt64LE(config1, 56);
  b.writeBigUInt64LE(BigInt(attr.config2 ?? 0), 64);
  return b;
}

/**
 * perfEventOpen opens a perf event for `pid` (-1: every process) on `cpu` (-1: any CPU) and returns
 * its owned FD. `what` names the event in errors ("tracepoint syscalls:sys_enter_openat").
 */
export function perfEventOpen(attr: PerfEventAttr, pid: number, cpu: number, what: string): FD {
  if (!SYS) throw new SysError(`perf_event_open ${what}`, 38 /* ENOSYS */);
  const keep: Buffer[] = [];
  const buf = encodePerfEventAttr(attr, keep);
  const fd = Number(rawSyscall5(SYS.perf_event_open, buf, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
  keep.length = 0;
  if (fd < 0) throw new SysError(`perf_event_open ${what}`, errno());
  return new FD(fd, `perf event ${what}`);
}
