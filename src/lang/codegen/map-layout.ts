// map-layout: the kernel maps a script needs — one per script map, plus globals, the event ring,
// the stack table and the per-CPU scratch buffer.

import type * as A from '../ast.js';
import type { CheckedProgram } from '../check.js';
import { aggValueSize, align8, byteSize, type Ty } from '../types.js';
import type { CompileOptions } from './compile.js';
import {
  EVENTS_MAP,
  GLOBALS_MAP,
  Globals,
  JOIN_MAP,
  MAX_STACK,
  type MapLayout,
  mapRef,
  STACKS_MAP,
  stacksRef,
} from './layout.js';

/** SCRATCH_SIZE is the per-CPU buffer for records too big for the 512-byte stack (join, long printf). */
export const SCRATCH_SIZE = 4096;

/** layoutMaps sizes every map of a checked program. */
export function layoutMaps(checked: CheckedProgram, options: CompileOptions): MapLayout[] {
  const maxEntries = options.maxMapKeys ?? Number(checked.program.config.get('max_map_keys') ?? 4096n);
  const out: MapLayout[] = [];
  for (const info of checked.maps.values()) {
    if (info.value === undefined) continue;
    const keys = info.keys ?? [];
    const keyOffsets: number[] = [];
    let size = 0;
    for (const k of keys) {
      keyOffsets.push(size);
      size += align8(byteSize(k));
    }
    const v = info.value;
    const bucket = v.k === 'agg' && (v.fn === 'hist' || v.fn === 'lhist');
    if (bucket) size += 8;
    if (size === 0) size = 8;
    out.push({
      ref: mapRef(info.name),
      type: v.k === 'agg' ? 'percpu_hash' : 'hash',
      keySize: size,
      valueSize: v.k === 'agg' ? aggValueSize(v.fn) : align8(Math.max(byteSize(v), 8)),
      maxEntries,
      info,
      keyOffsets,
      bucket,
    });
  }
  out.push({ ref: GLOBALS_MAP, type: 'array', keySize: 4, valueSize: Globals.COUNT * 8, maxEntries: 1 });
  out.push({
    ref: EVENTS_MAP,
    type: 'ringbuf',
    keySize: 0,
    valueSize: 0,
    maxEntries: options.ringbufSize ?? (streams(checked.program) ? STREAM_RING : QUIET_RING),
  });
  out.push({ ref: STACKS_MAP, type: 'stack_trace', keySize: 4, valueSize: MAX_STACK * 8, maxEntries: 4096 });
  for (const limit of stackLimits(checked)) {
    if (stacksRef(limit) === STACKS_MAP) continue;
    out.push({
      ref: stacksRef(limit),
      type: 'stack_trace',
      keySize: 4,
      valueSize: limit * 8,
      maxEntries: 4096,
    });
  }
  out.push({
    ref: JOIN_MAP,
    type: 'percpu_array',
    keySize: 4,
    valueSize: SCRATCH_SIZE,
    maxEntries: 1,
  });
  return out;
}

/** stackLimits lists the frame limits of the kstack/ustack expressions of a program. */
function stackLimits(checked: CheckedProgram): Set<number> {
  const out = new Set<number>();
  const visit = (t: Ty): void => {
    if (t.k === 'stack') out.add(t.limit);
    else if (t.k === 'tuple') t.elems.forEach(visit);
  };
  for (const p of checked.probes) for (const v of p.variants) for (const t of v.types.values()) visit(t);
  for (const info of checked.maps.values()) {
    for (const k of info.keys ?? []) visit(k);
    if (info.value) visit(info.value);
  }
  return out;
}

/**
 * STREAM_RING holds a 300k-event/s printf storm with none lost, read every 10 ms and woken when half
 * full. QUIET_RING serves scripts whose repeating probes only aggregate (exit and BEGIN/END output):
 * each ring byte costs two of resident memory, as the kernel maps the data pages twice.
 */
const STREAM_RING = 1 << 20;
const QUIET_RING = 1 << 16;

/** STREAMING_CALLS send an event to user space each time they run. */
const STREAMING_CALLS = new Set(['printf', 'print', 'cat', 'system', 'time', 'join']);

/** streams says whether a probe other than BEGIN and END sends events as it fires. */
function streams(program: A.Program): boolean {
  return program.probes.some(
    (p) => !p.attachPoints.every((a) => /^(begin|end)$/i.test(a.text)) && callsAny([p.predicate, p.body]),
  );
}

function callsAny(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(callsAny);
  if (node === null || typeof node !== 'object') return false;
  const n = node as { kind?: unknown; name?: unknown };
  if (n.kind === 'call' && typeof n.name === 'string' && STREAMING_CALLS.has(n.name)) return true;
  return Object.values(node).some(callsAny);
}
