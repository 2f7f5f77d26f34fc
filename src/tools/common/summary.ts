// runSummary: the shared body of the summarising tools (syscount, biolatency, runqlat, profile-like
// counters): create maps, load and attach programs, print the maps' contents every interval and at
// the end, then detach and release everything. Unlike runTracer there is no event stream.

import { detachAll, type Link } from '../../kernel/link.js';
import { BpfMap, type MapSpec } from '../../kernel/map.js';
import type { Program } from '../../kernel/program.js';
import { ensureTracefs } from '../../kernel/tracefs-mount.js';
import { attachPrograms, type TracerProgram } from './attach.js';
import type { Output } from './output.js';
import { requireRoot, type StopReason, waitForStop } from './session.js';

/** SummarySpec describes a summarising tool's kernel side and its report. */
export interface SummarySpec {
  tool: string;
  programs: TracerProgram[];
  maps: Record<string, MapSpec<Buffer, Buffer>>;
  /** ready runs once everything is attached (to print a header, start a workload...). */
  ready?(maps: Record<string, BpfMap>): void;
  /** report prints (and usually clears) what the maps hold; `last` is true for the final report. */
  report(maps: Record<string, BpfMap>, last: boolean): void;
}

/** SummaryOptions: `interval` seconds between reports (none: report at the end only), and the end. */
export interface SummaryOptions {
  interval?: number | undefined;
  /** count ends the session after this many interval reports. */
  count?: number | undefined;
  seconds?: number | undefined;
  done?: Promise<unknown> | undefined;
}

/** runSummary runs a tool until Ctrl-C, SIGTERM, `seconds`, `count` reports, or `done`. */
export async function runSummary(
  spec: SummarySpec,
  out: Output,
  opts: SummaryOptions = {},
): Promise<StopReason> {
  requireRoot(spec.tool);
  if (spec.programs.some((p) => p.type === 'tracepoint')) ensureTracefs();
  const maps: Record<string, BpfMap> = {};
  const progs: Program[] = [];
  const links: Link[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const [name, m] of Object.entries(spec.maps)) maps[name] = BpfMap.create(m);
    attachPrograms(spec.programs, maps, progs, links);
    spec.ready?.(maps);
    out.flush();
    let reports = 0;
    let stopEarly: () => void = () => {};
    const enough = new Promise<void>((r) => (stopEarly = r));
    // The interval timer (or a long idle one) also keeps the event loop alive while the kernel counts.
    timer = setInterval(
      () => {
        if (opts.interval === undefined) return;
        spec.report(maps, false);
        out.flush();
        if (opts.count !== undefined && ++reports >= opts.count) stopEarly();
      },
      opts.interval === undefined ? 1 << 30 : opts.interval * 1000,
    );
    const done = opts.done ? Promise.race([opts.done, enough]) : enough;
    const reason = await waitForStop({
      ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
      done,
    });
    clearInterval(timer);
    await detachAll(links.splice(0).reverse());
    // With -i and a count, the last interval report was the final one.
    if (!(opts.count !== undefined && reports >= opts.count)) spec.report(maps, true);
    out.flush();
    return reason;
  } finally {
    if (timer) clearInterval(timer);
    for (const l of links.reverse()) l.close();
    for (const p of progs) p.close();
    for (const m of Object.values(maps)) m.close();
  }
}
