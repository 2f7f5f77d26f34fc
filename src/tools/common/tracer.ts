// runTracer: the shared body of the event tools — create maps, load and attach programs, stream the
// ring buffer to a callback until stopped, then detach, drain, flush and report lost events.

import { detachAll, type Link } from '../../kernel/link.js';
import { BpfMap, type MapSpec } from '../../kernel/map.js';
import type { Program } from '../../kernel/program.js';
import { RingBuffer } from '../../kernel/ringbuf.js';
import { ensureTracefs } from '../../kernel/tracefs-mount.js';
import { attachPrograms, type TracerProgram } from './attach.js';
import type { Output } from './output.js';
import { lostMessage, requireRoot, type StopReason, waitForStop } from './session.js';
import { RING_BYTES } from './snippets.js';

export type { TracerProgram } from './attach.js';

/** POLL_MS bounds how long an event waits in the ring before it is printed. */
export const POLL_MS = 20;

/** TracerSpec describes one tool's kernel side. Every program may use maps `events` and `lost`. */
export interface TracerSpec {
  tool: string;
  programs: TracerProgram[];
  /** maps are the tool's other maps, by the names its programs use. */
  maps?: Record<string, MapSpec<Buffer, Buffer>>;
  /**
   * ringBytes is the ring buffer size, a power of two (default RING_BYTES, 2 MiB, which snippets'
   * WAKE_AT is a quarter of). Its pages are mapped twice and count fully in the tool's RSS, so it is
   * sized for bursts, not for minutes of backlog.
   */
  ringBytes?: number;
  onRecord(data: Uint8Array): void;
  /** ready runs once everything is attached (to print a header, start a workload...). */
  ready?(maps: Record<string, BpfMap>): void;
}

/** TracerResult says why and how a tool ended. */
export interface TracerResult {
  reason: StopReason;
  lost: number;
}

/** lostProgramCounter reads the `lost` array map's u64. */
function lostOf(lost: BpfMap): number {
  const v = lost.get(Buffer.alloc(4));
  return v ? Number(v.readBigUInt64LE(0)) : 0;
}

/**
 * runTracer runs a tool until Ctrl-C, SIGTERM, `seconds`, or `done`; lines go through `out`, which is
 * flushed after every batch of records. Lost events are reported on stderr.
 */
export async function runTracer(
  spec: TracerSpec,
  out: Output,
  opts: { seconds?: number; done?: Promise<unknown> } = {},
): Promise<TracerResult> {
  requireRoot(spec.tool);
  ensureTracefs();
  const maps: Record<string, BpfMap> = {};
  const progs: Program[] = [];
  const links: Link[] = [];
  let ring: RingBuffer | undefined;
  try {
    maps.events = BpfMap.create({
      type: 'ringbuf',
      maxEntries: spec.ringBytes ?? RING_BYTES,
      name: `${spec.tool}_ev`,
    });
    maps.lost = BpfMap.create({
      type: 'array',
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      name: `${spec.tool}_lost`,
    });
    for (const [name, m] of Object.entries(spec.maps ?? {})) maps[name] = BpfMap.create(m);
    attachPrograms(spec.programs, maps, progs, links);
    let queued = false;
    const onRecord = (data: Uint8Array): void => {
      spec.onRecord(data);
      if (!queued) {
        queued = true;
        // One flush per wake-up: the microtask runs once the reader's batch is done.
        queueMicrotask(() => {
          queued = false;
          out.flush();
        });
      }
    };
    const events = maps.events;
    ring = new RingBuffer(
      { fd: events.fd, maxEntries: events.maxEntries, name: events.name },
      // The programs send without waking the reader (snippets' ringOutput), so it drains on a short
      // timer; the wake-up they force when the ring is a quarter full drains it at once.
      { lostCounter: () => lostOf(maps.lost!), wakeup: 'timer', intervalMs: POLL_MS },
    );
    spec.ready?.(maps);
    out.flush();
    const reading = ring.start(onRecord);
    // A callback that throws ends the session as its end would, and is rethrown below.
    const reason = await waitForStop({
      ...opts,
      done: opts.done ? Promise.race([opts.done, reading]) : reading,
    });
    await detachAll(links.splice(0).reverse());
    while (ring.poll(onRecord) > 0) {
      // Drain what was produced before the programs were detached.
    }
    await ring.closeAsync();
    await reading;
    out.flush();
    const lost = lostOf(maps.lost);
    const msg = lostMessage(lost);
    if (msg) process.stderr.write(`${spec.tool}: ${msg}\n`);
    return { reason, lost };
  } finally {
    for (const l of links.reverse()) l.close();
    // On an error path the reader may still be watching the ring's fd: wait for the watch to close,
    // so that nothing outlives the tool (close() alone would let it close on a later turn).
    await ring?.closeAsync().catch(() => undefined);
    ring?.close();
    for (const p of progs) p.close();
    for (const m of Object.values(maps)) m.close();
  }
}
