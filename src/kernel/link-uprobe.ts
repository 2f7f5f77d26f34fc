// Uprobe and uretprobe links through the uprobe PMU (Linux 4.17): the probe point is a file offset
// resolved in TypeScript from the ELF symbol tables; `pid` limits it to one process.

import { readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors/index.js';
import { perfEventOpen } from '../sys/perf-event.js';
import { closeOnError, Link, type ProgramLike } from './link.js';
import { attachToPerfEvent } from './link-perf-event.js';
import { loadElf, resolveBinary, resolveUprobe, UprobeTargetError } from './uprobe-resolve.js';

/** UprobeOptions says where to probe: a binary or library and a symbol (or "0x..." address, "+off"). */
export interface UprobeOptions {
  binary: string;
  symbol: string;
  /** retprobe fires on return (uretprobe); the program reads the return value from ctx. */
  retprobe?: boolean;
  /** pid restricts the probe to one process; default: every process that maps the file. */
  pid?: number;
  /**
   * refCtrOffset is the file offset of a u16 the kernel increments while the probe is attached (a
   * usdt semaphore; Linux 4.20), so code guarded by it runs only while traced.
   */
  refCtrOffset?: bigint;
  /** cookie is what bpf_get_attach_cookie returns for this attachment (perf links, Linux 5.15). */
  cookie?: bigint;
}

/** pmuType reads a dynamic PMU's type and a format bit ("retprobe") from sysfs. */
export function dynamicPmu(
  name: 'uprobe' | 'kprobe',
): { type: number; retprobeBit: number; refCtrShift: number | undefined } | undefined {
  const dir = `/sys/bus/event_source/devices/${name}`;
  let type: number;
  try {
    type = Number.parseInt(readFileSync(`${dir}/type`, 'utf8'), 10);
  } catch {
    return undefined;
  }
  let retprobeBit = 0;
  try {
    const m = /config:(\d+)/.exec(readFileSync(`${dir}/format/retprobe`, 'utf8'));
    if (m) retprobeBit = Number(m[1]);
  } catch {
    // old kernels: bit 0
  }
  // PERF_UPROBE_REF_CTR_OFFSET_SHIFT: the field is absent before Linux 4.20.
  let refCtrShift: number | undefined;
  try {
    const m = /config:(\d+)-63/.exec(readFileSync(`${dir}/format/ref_ctr_offset`, 'utf8'));
    if (m) refCtrShift = Number(m[1]);
  } catch {
    refCtrShift = undefined;
  }
  return { type, retprobeBit, refCtrShift };
}

/** attachUprobe attaches a kprobe-type program at binary:symbol (or its return, with `retprobe`). */
export function attachUprobe(prog: ProgramLike, opts: UprobeOptions): Link {
  const kind = opts.retprobe ? 'uretprobe' : 'uprobe';
  const pmu = dynamicPmu('uprobe');
  if (!pmu) {
    throw new NotSupportedError(
      'uprobe',
      'this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe)',
      'uprobes need CONFIG_UPROBE_EVENTS',
    );
  }
  const target = resolveUprobe(opts.binary, opts.symbol);
  const what = `${kind} ${target.path}:${opts.symbol}${opts.pid === undefined ? '' : ` pid ${opts.pid}`}`;
  let config = opts.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
  if (opts.refCtrOffset !== undefined && opts.refCtrOffset !== 0n) {
    if (pmu.refCtrShift === undefined)
      throw new NotSupportedError(
        'uprobe ref_ctr_offset',
        `cannot attach ${what}: this kernel's uprobe PMU has no ref_ctr_offset (usdt semaphores need Linux 4.20)`,
        'probes guarded by a semaphore stay disabled; trace a probe without one',
      );
    config |= opts.refCtrOffset << BigInt(pmu.refCtrShift);
  }
  const event = perfEventOpen(
    {
      type: pmu.type,
      config,
      config1: target.path,
      config2: target.offset,
      samplePeriod: 1,
      wakeupEvents: 1,
    },
    opts.pid ?? -1,
    opts.pid === undefined ? 0 : -1,
    what,
  );
  return closeOnError(
    [event],
    () => new Link(kind, `${target.path}:${opts.symbol}`, attachToPerfEvent(prog, event, what, opts.cookie)),
  );
}

/** UsdtOptions says which SDT site to probe: the binary and the note's probe address. */
export interface UsdtOptions {
  binary: string;
  /** pc is the site's virtual address (UsdtNote.pc). */
  pc: bigint;
  pid?: number;
  cookie?: bigint;
}

/**
 * attachUsdt attaches a kprobe-type program at one SDT site. A site with a semaphore gets it as the
 * uprobe's ref_ctr_offset, so the kernel raises it in every process mapping the binary (now and
 * later) and the traced program's `if (semaphore)` guarded code runs, as with libbpf and bpftrace.
 */
export function attachUsdt(prog: ProgramLike, opts: UsdtOptions): Link {
  const path = resolveBinary(opts.binary);
  const note = loadElf(path)
    .usdtNotes()
    .find((n) => n.pc === opts.pc);
  const o: UprobeOptions = { binary: path, symbol: `0x${opts.pc.toString(16)}` };
  if (opts.pid !== undefined) o.pid = opts.pid;
  if (opts.cookie !== undefined) o.cookie = opts.cookie;
  if (note && note.semaphore !== 0n) {
    const off = loadElf(path).semaphoreOffset(note.semaphore);
    if (off === undefined)
      throw new UprobeTargetError(
        `usdt ${note.provider}:${note.name} in ${path}: semaphore 0x${note.semaphore.toString(16)} is outside the file's sections`,
      );
    o.refCtrOffset = off;
  }
  return attachUprobe(prog, o);
}
