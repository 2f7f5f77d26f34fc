// attach: connect a loaded probe program to its event — tracepoints, raw tracepoints, uprobes, perf
// events for profile/interval/software/hardware. kprobe and fentry fail with the tracepoint
// alternative when this kernel lacks them.

import { NotSupportedError } from '../../errors/index.js';
import type { Link, ProgramLike } from '../../kernel/link.js';
import type { FD } from '../../sys/fd.js';
import type { PerfEventAttr } from '../../sys/perf-event.js';
import type { ProbeSpec } from '../probes.js';

// Attach modules load on first use: a tracepoint script never pays for the ELF reader or perf code.

export interface AttachOptions {
  /** pid restricts uprobes (and perf events) to one process. */
  pid?: number;
  /**
   * cookie is what bpf_get_attach_cookie returns for this attachment; only probe types attached
   * through perf links take one (tracepoint, uprobe, uretprobe, usdt, profile, interval, software,
   * hardware).
   */
  cookie?: bigint;
}

// perf_sw_ids from include/uapi/linux/perf_event.h.
const SW_CPU_CLOCK = 0;
const PERF_TYPE_HARDWARE = 0;
const PERF_TYPE_SOFTWARE = 1;
const SOFTWARE_CONFIG: Record<string, [number, number]> = {
  // name: [config, default period]
  'cpu-clock': [SW_CPU_CLOCK, 1000000],
  cpu: [SW_CPU_CLOCK, 1000000],
  'task-clock': [1, 1000000],
  'page-faults': [2, 100],
  faults: [2, 100],
  'context-switches': [3, 1000],
  cs: [3, 1000],
  'cpu-migrations': [4, 1],
  'minor-faults': [5, 100],
  'major-faults': [6, 1],
  'alignment-faults': [7, 1],
  'emulation-faults': [8, 1],
  dummy: [9, 1],
  'bpf-output': [10, 1],
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

async function perfLink(
  prog: ProgramLike,
  name: string,
  attr: PerfEventAttr,
  cpus: number[],
  pid: number,
  cookie: bigint | undefined,
): Promise<Link> {
  const { perfEventOpen } = await import('../../sys/perf-event.js');
  const { attachToPerfEvent } = await import('../../kernel/link-perf-event.js');
  const { Link } = await import('../../kernel/link.js');
  const fds: FD[] = [];
  try {
    for (const cpu of cpus) {
      const what = `${name} on cpu ${cpu}`;
      const event = perfEventOpen(attr, pid, cpu, what);
      fds.push(event);
      const held = attachToPerfEvent(prog, event, what, cookie);
      if (held.length > 1) fds.splice(fds.length - 1, 0, ...held.slice(0, -1));
    }
  } catch (err) {
    for (const f of fds.reverse()) f.close();
    throw err;
  }
  return new Link('perf_event', name, fds);
}

/** eventLink counts a software or hardware event in one process (-p), or on every CPU. */
async function eventLink(
  prog: ProgramLike,
  spec: ProbeSpec,
  attr: PerfEventAttr,
  opts: AttachOptions,
): Promise<Link> {
  const cpus = opts.pid !== undefined ? [-1] : await cpuList();
  return perfLink(prog, spec.name, attr, cpus, opts.pid ?? -1, opts.cookie);
}

/** attachSpec attaches `prog` for one expanded probe spec. */
export async function attachSpec(
  prog: ProgramLike,
  spec: ProbeSpec,
  opts: AttachOptions = {},
): Promise<Link> {
  switch (spec.type) {
    case 'tracepoint': {
      const { attachTracepoint } = await import('../../kernel/link-tracepoint.js');
      return attachTracepoint(prog, spec.target, spec.func, cookieOf(opts));
    }
    case 'rawtracepoint': {
      const { attachRawTracepoint } = await import('../../kernel/link-raw-tracepoint.js');
      return attachRawTracepoint(prog, spec.func);
    }
    case 'uprobe':
    case 'uretprobe':
    case 'usdt': {
      // A usdt site is a uprobe at the note's address (run.ts expanded the spec to its sites).
      if (spec.type === 'usdt' && spec.address === undefined)
        throw new NotSupportedError(
          'usdt',
          `cannot attach ${spec.name}: the probe was not resolved to a site`,
        );
      const { attachUprobe, attachUsdt } = await import('../../kernel/link-uprobe.js');
      // attachUsdt also hands the kernel the site's semaphore, if it has one.
      if (spec.type === 'usdt')
        return attachUsdt(prog, {
          binary: spec.target,
          pc: spec.address!,
          ...(opts.pid === undefined ? {} : { pid: opts.pid }),
          ...cookieOf(opts),
        });
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
      if (opts.cookie !== undefined) o.cookie = opts.cookie;
      return attachUprobe(prog, o);
    }
    case 'kprobe':
    case 'kretprobe': {
      const { attachKprobe, kprobesSupported, kprobeUnsupported } = await import(
        '../../kernel/link-kprobe.js'
      );
      if (!kprobesSupported()) throw kprobeUnsupported(spec.type, spec.func);
      const o: { retprobe: boolean; offset?: number } = { retprobe: spec.type === 'kretprobe' };
      if (spec.offset !== undefined) o.offset = spec.offset;
      return attachKprobe(prog, spec.func, o);
    }
    case 'profile': {
      const cpus = await cpuList();
      const attr =
        spec.unit === 'hz'
          ? { type: PERF_TYPE_SOFTWARE, config: SW_CPU_CLOCK, samplePeriod: spec.rate!, freq: true }
          : {
              type: PERF_TYPE_SOFTWARE,
              config: SW_CPU_CLOCK,
              samplePeriod: BigInt(spec.rate! * NS[spec.unit!]!),
            };
      return perfLink(prog, spec.name, attr, cpus, opts.pid ?? -1, opts.cookie);
    }
    case 'interval': {
      // One CPU, so the probe fires once per period, as bpftrace's interval does.
      const period = spec.unit === 'hz' ? Math.round(1e9 / spec.rate!) : spec.rate! * NS[spec.unit!]!;
      const attr = { type: PERF_TYPE_SOFTWARE, config: SW_CPU_CLOCK, samplePeriod: BigInt(period) };
      return perfLink(prog, spec.name, attr, [(await cpuList())[0] ?? 0], -1, opts.cookie);
    }
    case 'software': {
      const [config, period] = SOFTWARE_CONFIG[spec.unit!]!;
      const attr = { type: PERF_TYPE_SOFTWARE, config, samplePeriod: spec.rate ?? period };
      return eventLink(prog, spec, attr, opts);
    }
    case 'hardware': {
      const attr = {
        type: PERF_TYPE_HARDWARE,
        config: HARDWARE_CONFIG[spec.unit!]!,
        samplePeriod: spec.rate ?? 1000000,
      };
      try {
        return await eventLink(prog, spec, attr, opts);
      } catch (err) {
        throw new NotSupportedError(
          'hardware',
          `cannot open hardware event ${spec.unit}: ${(err as Error).message}`,
          'this machine may have no PMU (virtual machines often do not); use software:cpu-clock',
        );
      }
    }
    case 'fentry':
    case 'fexit': {
      // Feature-probe first, so the message says what this kernel lacks.
      const { ensureTracing, attachTracing } = await import('../../kernel/link-tracing.js');
      ensureTracing(spec.type, spec.func);
      // run's preflight asks with fd -1 only to learn whether the kernel can: nothing to attach.
      if (prog.fd < 0) {
        const { Link: Attached } = await import('../../kernel/link.js');
        return new Attached(spec.type, spec.func, []);
      }
      // The target function was fixed when the program loaded (attach_btf_id).
      return attachTracing(prog, spec.type, spec.func);
    }
    case 'begin':
    case 'end':
      throw new Error('BEGIN and END are run, not attached');
  }
}

function cookieOf(opts: AttachOptions): { cookie?: bigint } {
  return opts.cookie === undefined ? {} : { cookie: opts.cookie };
}

async function cpuList(): Promise<number[]> {
  const { onlineCpus } = await import('../../kernel/perfbuf.js');
  return onlineCpus();
}
