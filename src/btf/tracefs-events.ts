// tracefs-events: list tracepoints under a tracefs root by glob, read their formats, suggest names.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpfkitError } from '../errors/index.js';
import { closest } from './closest.js';
import { BtfError } from './errors.js';
import { globToRegExp } from './glob.js';
import { type EventFormat, parseEventFormat } from './tracefs-format.js';

/** TRACEFS_ROOT is where bpfkit expects tracefs (mounted there if missing, by the kernel layer). */
export const TRACEFS_ROOT = '/sys/kernel/tracing';

/** TraceEvent names one tracepoint: `sched:sched_switch` is { category: 'sched', name: 'sched_switch' }. */
export interface TraceEvent {
  category: string;
  name: string;
}

function eventsDir(root: string): string {
  const dir = join(root, 'events');
  if (!existsSync(dir)) {
    throw new BpfkitError(`tracefs is not mounted at ${root} (no ${dir})`, {
      hint: `mount it with: mount -t tracefs nodev ${root}`,
    });
  }
  return dir;
}

/** listCategories returns the tracepoint categories (subsystems), sorted. */
export function listCategories(root: string = TRACEFS_ROOT): string[] {
  return readdirSync(eventsDir(root), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** allEvents lists every tracepoint, from available_events when readable, else by walking events/. */
export function allEvents(root: string = TRACEFS_ROOT): TraceEvent[] {
  const dir = eventsDir(root);
  const out: TraceEvent[] = [];
  let text: string | undefined;
  try {
    text = readFileSync(join(root, 'available_events'), 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined && text.trim() !== '') {
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) out.push({ category: line.slice(0, colon), name: line.slice(colon + 1).trim() });
    }
  } else {
    for (const category of listCategories(root)) {
      for (const d of readdirSync(join(dir, category), { withFileTypes: true })) {
        if (d.isDirectory()) out.push({ category, name: d.name });
      }
    }
  }
  return out.sort((a, b) => cmp(a.category, b.category) || cmp(a.name, b.name));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * splitEventName splits 'category:name' or 'category/name'; without a separator the category is '*'.
 * A bpftrace-style 'tracepoint:' or 't:' prefix is dropped.
 */
export function splitEventName(pattern: string): TraceEvent {
  const m = /^([^:/]*)[:/](.*)$/.exec(pattern.trim().replace(/^(?:tracepoint|t):(?=[^:]*:)/, ''));
  return m ? { category: m[1]!, name: m[2]! } : { category: '*', name: pattern.trim() };
}

/** listEvents returns tracepoints matching a glob: 'syscalls:sys_enter_*', '*:sched_*', 'sched_switch'. */
export function listEvents(pattern = '*:*', root: string = TRACEFS_ROOT): TraceEvent[] {
  const p = splitEventName(pattern);
  const cat = globToRegExp(p.category === '' ? '*' : p.category);
  const name = globToRegExp(p.name === '' ? '*' : p.name);
  return allEvents(root).filter((e) => cat.test(e.category) && name.test(e.name));
}

/** closestEvents suggests 'category:name' spellings near `event` for "did you mean". */
export function closestEvents(event: string, root: string = TRACEFS_ROOT, limit = 3): string[] {
  const p = splitEventName(event);
  const all = allEvents(root);
  const inCategory = all.filter((e) => e.category === p.category);
  // A right category narrows the candidates to its events; otherwise compare whole names.
  if (inCategory.length > 0) {
    return closest(
      p.name,
      inCategory.map((e) => e.name),
      limit,
    ).map((n) => `${p.category}:${n}`);
  }
  const byName = closest(
    p.name,
    all.map((e) => e.name),
    limit,
  );
  return byName.map((n) => {
    const e = all.find((x) => x.name === n)!;
    return `${e.category}:${e.name}`;
  });
}

/** readEventFormat reads and parses `events/<category>/<name>/format`; 'sched:sched_switch' or parts. */
export function readEventFormat(
  event: string | TraceEvent,
  root: string = TRACEFS_ROOT,
): EventFormat & TraceEvent {
  const e = typeof event === 'string' ? splitEventName(event) : event;
  if (e.category === '*' || /[*?[\]/]|\.\./.test(`${e.category}${e.name}`) || e.name === '') {
    throw new BtfError(
      `'${typeof event === 'string' ? event : `${e.category}:${e.name}`}' is not a tracepoint name (want category:name)`,
    );
  }
  const file = join(eventsDir(root), e.category, e.name, 'format');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new BtfError(
      `no tracepoint ${e.category}:${e.name}`,
      closestEvents(`${e.category}:${e.name}`, root),
    );
  }
  return { ...parseEventFormat(text, file), category: e.category };
}
