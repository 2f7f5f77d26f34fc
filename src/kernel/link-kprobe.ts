// Kprobe and kretprobe links through the kprobe PMU (Linux 4.17). Kernels built without
// CONFIG_KPROBES have no such PMU; attaching then fails with a NotSupportedError naming alternatives.

import { NotSupportedError } from '../errors/index.js';
import { perfEventOpen } from '../sys/perf-event.js';
import { closeOnError, Link, type ProgramLike } from './link.js';
import { attachToPerfEvent } from './link-perf-event.js';
import { dynamicPmu } from './link-uprobe.js';

/** kprobesSupported says whether this kernel has the kprobe PMU. */
export function kprobesSupported(): boolean {
  return dynamicPmu('kprobe') !== undefined;
}

/** kprobeUnsupported is the error for a kernel without kprobes, with the tracepoint alternative. */
export function kprobeUnsupported(kind: 'kprobe' | 'kretprobe', fn: string): NotSupportedError {
  return new NotSupportedError(
    kind,
    `cannot attach ${kind}:${fn}: kprobes are not built into this kernel (CONFIG_KPROBES is off)`,
    `use tracepoint:… or rawtracepoint:… instead (e.g. tracepoint:syscalls:sys_enter_openat for do_sys_openat2)`,
  );
}

/** attachKprobe attaches a kprobe program at a kernel function (or its return with `retprobe`). */
export function attachKprobe(
  prog: ProgramLike,
  fn: string,
  opts: { retprobe?: boolean; offset?: number } = {},
): Link {
  const kind = opts.retprobe ? 'kretprobe' : 'kprobe';
  const pmu = dynamicPmu('kprobe');
  if (!pmu) throw kprobeUnsupported(kind, fn);
  const what = `${kind} ${fn}`;
  const event = perfEventOpen(
    {
      type: pmu.type,
      config: opts.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
      config1: fn,
      config2: opts.offset ?? 0,
      samplePeriod: 1,
      wakeupEvents: 1,
    },
    -1,
    0,
    what,
  );
  return closeOnError([event], () => new Link(kind, fn, attachToPerfEvent(prog, event, what)));
}
