// Sampling links: a CPU-clock perf event at N Hz on every online CPU, each running the program
// (program type perf_event, Linux 4.9) on every sample.

import { readFileSync } from 'node:fs';
import { BpfkitError } from '../errors/index.js';
import type { FD } from '../sys/fd.js';
import { PerfType, perfEventOpen, SwEvent } from '../sys/perf-event.js';
import { closeOnError, Link, type ProgramLike } from './link.js';
import { attachToPerfEvent } from './link-perf-event.js';
import { onlineCpus } from './perfbuf.js';

/** SamplingOptions: frequency in Hz (default 99), the CPUs (default all online), and an optional pid. */
export interface SamplingOptions {
  frequency?: number;
  cpus?: number[];
  pid?: number;
  /** cookie is what bpf_get_attach_cookie returns for every CPU's sample (perf links, 5.15). */
  cookie?: bigint;
}

/** attachPerfSampling attaches a perf_event program to a CPU-clock sampler on each CPU. */
export function attachPerfSampling(prog: ProgramLike, opts: SamplingOptions = {}): Link {
  const hz = opts.frequency ?? 99;
  checkFrequency(hz);
  const cpus = opts.cpus ?? onlineCpus();
  const fds: FD[] = [];
  return closeOnError(fds, () => {
    for (const cpu of cpus) {
      const what = `cpu-clock sampling at ${hz} Hz on cpu ${cpu}`;
      const event = perfEventOpen(
        { type: PerfType.SOFTWARE, config: SwEvent.CPU_CLOCK, samplePeriod: hz, freq: true },
        opts.pid ?? -1,
        cpu,
        what,
      );
      fds.push(event);
      const held = attachToPerfEvent(prog, event, what, opts.cookie);
      // keep the link fd(s) ahead of the event so close() detaches before the event goes
      if (held.length > 1) fds.splice(fds.length - 1, 0, ...held.slice(0, -1));
    }
    return new Link('perf_event', `cpu-clock@${hz}Hz`, fds);
  });
}

/** MAX_RATE_FILE holds the highest sampling rate the kernel accepts (it lowers it under load). */
const MAX_RATE_FILE = '/proc/sys/kernel/perf_event_max_sample_rate';

function checkFrequency(hz: number): void {
  // perf_event_open takes 0 Hz without complaint and then never samples.
  if (!Number.isInteger(hz) || hz < 1) {
    throw new BpfkitError(`sampling frequency must be a whole number of Hz of at least 1 (got ${hz})`);
  }
  let max: number;
  try {
    max = Number.parseInt(readFileSync(MAX_RATE_FILE, 'utf8'), 10);
  } catch {
    return; // the kernel will say so itself
  }
  if (hz > max) {
    throw new BpfkitError(`sampling at ${hz} Hz is above this kernel's limit of ${max} Hz`, {
      hint: `use at most ${max} Hz, or raise ${MAX_RATE_FILE}`,
    });
  }
}
