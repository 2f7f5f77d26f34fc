// attach: connect a loaded probe program to its event — tracepoints, raw tracepoints, uprobes, perf
// events for profile/interval/software/hardware. kprobe and fentry fail with the tracepoint
// alternative when this kernel lacks them.

import { NotSupportedError } from '../../errors/index.js';
import { Link, type ProgramLike } from '../../kernel/link.js';
import { attachKprobe, kprobesSupported, kprobeUnsupported } from '../../kernel/link-kprobe.js';
import { attachToPerfEvent } from '../../kernel/link-perf-event.js';
import { attachRawTracepoint } from '../../kernel/link-raw-tracepoint.js';
import { attachTracepoint } from '../../kernel/link-tracepoint.js';
import { attachUprobe } from '../../kernel/link-uprobe.js';
import { onlineCpus } from '../../kernel/perfbuf.js';
import type { FD } from '../../sys/fd.js';
import { PerfType, perfEventOpen, SwEvent } from '../../sys/perf-event.js';
import type { ProbeSpec } from '../probes.js';

export interface AttachOptions {
  /** pid restricts uprobes (and perf events) to one process. */
  pid?: number;
}

const SOFTWARE_CONFIG: Record<string, [number, number]> = {
  // name: [config, default period]
  'cpu-clock': [SwEvent.CPU_CLOCK, 1000000],
  cpu: [SwEvent.CPU_CLOCK, 1000000],
  'task-clock': [SwEvent.TASK_CLOCK, 1000000],
  'page-faults': [SwEvent.PAGE_FAULTS, 100],
  faults: [SwEvent.PAGE_FAULTS, 100],
  'context-switches': [SwEvent.CONTEXT_SWITCHES, 1000],
  cs: [SwEvent.CONTEXT_SWITCHES, 1000],
  'cpu-migrations': [4, 1],
  'minor-faults': [5, 100],
  'major-faults': [6, 1],
  'alignment-faults': [7, 1],
  'emulation-faults': [8, 1],
  dummy: [9, 1],
  'bpf-output': [SwEvent.BPF_OUTPUT, 1],
};

const HARDWARE_CONFIG: Record<string, number> = {
  'cpu-cycles': 0,
  cycles: 0,
  instructions: 1,
  'cache-references': 2,
  'cache-misses': 3,
  'branch-instructions': 4,
  branches: 4,
  'branch-misses': 5,
  'bus-cycles': 6,
  'frontend-stalls': 7,
  'backend-stalls': 8,
  'ref-cycles': 9,
};

const NS: Record<string, number> = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 };

function perfLink(
  prog: ProgramLike,
  name: string,
  attr: Parameters<typeof perfEventOpen>[0],
  cpus: number[],
  pid: number,
): Link {
  const fds: FD[] = [];
  try {
    for (const cpu of cpus) {
      const what = `${name} on cpu ${cpu}`;
      const event = perfEventOpen(attr, pid, cpu, what);
      fds.push(event);
      const held = attachToPerfEvent(prog, event, what);
      if (held.length > 1) fds.splice(fds.length - 1, 0, ...held.slice(0, -1));
    }
  } catch (err) {
    for (const f of fds.reverse()) f.close();
    throw err;
  }
  return new Link('perf_event', name, fds);
}

/** attachSpec attaches `prog` for one expanded probe spec. */
export function attachSpec(prog: ProgramLike, spec: ProbeSpec, opts: AttachOptions = {}): Link {
  switch (spec.type) {
    case 'tracepoint':
      return attachTracepoint(prog, spec.target, spec.func);
    case 'rawtracepoint':
      return attachRawTracepoint(prog, spec.func);
    case 'uprobe':
    case 'uretprobe': {
      const o: Parameters<typeof attachUprobe>[1] = {
        binary: spec.target,
        symbol:
          spec.address !== undefined
            ? `0x${spec.address.toString(16)}`
            : spec.offset
              ? `${spec.func}+${spec.offset}`
              : spec.func,
        retprobe: spec.type === 'uretprobe',
      };
      if (opts.pid !== undefined) o.pid = opts.pid;
      return attachUprobe(prog, o);
    }
    case 'kprobe':
    case 'kretprobe': {
      if (!kprobesSupported()) throw kprobeUnsupported(spec.type, spec.func);
      const o: { retprobe: boolean; offset?: number } = { retprobe: spec.type === 'kretprobe' };
      if (spec.offset !== undefined) o.offset = spec.offset;
      return attachKprobe(prog, spec.func, o);
    }
    case 'profile': {
      const cpus = onlineCpus();
      const attr =
        spec.unit === 'hz'
          ? { type: PerfType.SOFTWARE, config: SwEvent.CPU_CLOCK, samplePeriod: spec.rate!, freq: true }
          : {
              type: PerfType.SOFTWARE,
              config: SwEvent.CPU_CLOCK,
              samplePeriod: BigInt(spec.rate! * NS[spec.unit!]!),
            };
      return perfLink(prog, spec.name, attr, cpus, opts.pid ?? -1);
    }
    case 'interval': {
      // One CPU, so the probe fires once per period, as bpftrace's interval does.
      const period = spec.unit === 'hz' ? Math.round(1e9 / spec.rate!) : spec.rate! * NS[spec.unit!]!;
      const attr = { type: PerfType.SOFTWARE, config: SwEvent.CPU_CLOCK, samplePeriod: BigInt(period) };
      return perfLink(prog, spec.name, attr, [onlineCpus()[0] ?? 0], -1);
    }
    case 'software': {
      const [config, period] = SOFTWARE_CONFIG[spec.unit!]!;
      const attr = { type: PerfType.SOFTWARE, config, samplePeriod: spec.rate ?? period };
      return perfLink(prog, spec.name, attr, opts.pid !== undefined ? [-1] : onlineCpus(), opts.pid ?? -1);
    }
    case 'hardware': {
      const attr = {
        type: PerfType.HARDWARE,
        config: HARDWARE_CONFIG[spec.unit!]!,
        samplePeriod: spec.rate ?? 1000000,
      };
      try {
        return perfLink(prog, spec.name, attr, opts.pid !== undefined ? [-1] : onlineCpus(), opts.pid ?? -1);
      } catch (err) {
        throw new NotSupportedError(
          'hardware',
          `cannot open hardware event ${spec.unit}: ${(err as Error).message}`,
          'this machine may have no PMU (virtual machines often do not); use software:cpu-clock',
        );
      }
    }
    case 'fentry':
    case 'fexit':
      throw new NotSupportedError(
        spec.type,
        `cannot attach ${spec.name}: fentry/fexit need kernel function tracing, which this kernel does not offer`,
        'use tracepoint:… or rawtracepoint:… instead',
      );
    case 'usdt':
      throw new NotSupportedError(
        'usdt',
        `cannot attach ${spec.name}: usdt probes are not supported yet`,
        'use uprobe:BINARY:FUNCTION instead',
      );
    case 'begin':
    case 'end':
      throw new Error('BEGIN and END are run, not attached');
  }
}
