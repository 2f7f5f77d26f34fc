// Tracepoint links: a perf event of PERF_TYPE_TRACEPOINT for events/<category>/<name>, with the
// program attached to it (program type tracepoint, Linux 4.7).

import { BpfkitError } from '../errors/index.js';
import { PerfType, perfEventOpen } from '../sys/perf-event.js';
import { closeOnError, Link, type ProgramLike } from './link.js';
import { attachToPerfEvent } from './link-perf-event.js';
import { tracepointId } from './tracefs-mount.js';

/** TracepointOptions: `cookie` is what bpf_get_attach_cookie returns for this attachment (5.15). */
export interface TracepointOptions {
  cookie?: bigint;
}

/**
 * attachTracepoint attaches a tracepoint program to `category:name` ("syscalls", "sys_enter_openat").
 * A missing tracepoint throws TracepointNotFoundError naming the closest ones.
 */
export function attachTracepoint(
  prog: ProgramLike,
  category: string,
  name?: string,
  opts: TracepointOptions = {},
): Link {
  if (name === undefined) {
    const [c, n] = category.split(':');
    if (!c || !n) throw new BpfkitError(`tracepoint '${category}' must be written category:name`);
    category = c;
    name = n;
  }
  const what = `tracepoint ${category}:${name}`;
  const id = tracepointId(category, name);
  // pid -1 / cpu 0: the program runs for the event on every CPU, not only CPU 0.
  const event = perfEventOpen(
    { type: PerfType.TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1 },
    -1,
    0,
    what,
  );
  const fds = [event];
  return closeOnError(
    fds,
    () => new Link('tracepoint', `${category}:${name}`, attachToPerfEvent(prog, event, what, opts.cookie)),
  );
}
