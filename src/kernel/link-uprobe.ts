// Uprobe and uretprobe links through the uprobe PMU (Linux 4.17): the probe point is a file offset
// resolved in TypeScript from the ELF symbol tables; `pid` limits it to one process.

import { readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors/index.js';
import { perfEventOpen } from '../sys/perf-event.js';
import { closeOnError, Link, type ProgramLike } from './link.js';
import { attachToPerfEvent } from './link-perf-event.js';
import { resolveUprobe } from './uprobe-resolve.js';

/** UprobeOptions says where to probe: a binary or library and a symbol (or "0x..." address, "+off"). */
export interface UprobeOptions {
  binary: string;
  symbol: string;
  /** retprobe fires on return (uretprobe); the program reads the return value from ctx. */
  retprobe?: boolean;
  /** pid restricts the probe to one process; default: every process that maps the file. */
  pid?: number;
}

/** pmuType reads a dynamic PMU's type and a format bit ("retprobe") from sysfs. */
export function dynamicPmu(name: 'uprobe' | 'kprobe'): { type: number; retprobeBit: number } | undefined {
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
  return { type, retprobeBit };
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
  const event = perfEventOpen(
    {
      type: pmu.type,
      config: opts.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
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
    () => new Link(kind, `${target.path}:${opts.symbol}`, attachToPerfEvent(prog, event, what)),
  );
}
