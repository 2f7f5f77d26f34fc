// tracefs: mounts it at /sys/kernel/tracing when the system has not, and looks up tracepoint ids with
// "did you mean" suggestions for names that do not exist.

import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { BpfkitError, NotSupportedError } from '../errors/index.js';
import { mount } from '../sys/mount.js';

/** TRACEFS is where bpfkit expects (and if needed mounts) tracefs. */
export const TRACEFS = '/sys/kernel/tracing';

let mounted: string | undefined;

/**
 * ensureTracefs returns the tracefs root, mounting tracefs at /sys/kernel/tracing when it is missing.
 * It throws NotSupportedError when that is impossible (no root, or tracefs not built in).
 */
export function ensureTracefs(): string {
  if (mounted !== undefined) return mounted;
  for (const root of [TRACEFS, '/sys/kernel/debug/tracing']) {
    if (existsSync(`${root}/events`)) return (mounted = root);
  }
  // tracefs is mode 0700: for anyone but root a mounted tracefs looks empty, and mounting is no cure.
  if (!canSearch(TRACEFS)) {
    throw new BpfkitError(`cannot read tracefs at ${TRACEFS}: permission denied`, {
      hint: 'needs root or CAP_BPF (with CAP_PERFMON and read access to tracefs)',
    });
  }
  try {
    mount('tracefs', TRACEFS, 'tracefs');
  } catch (err) {
    throw new NotSupportedError(
      'tracefs',
      `tracefs is not mounted and mounting it at ${TRACEFS} failed: ${(err as Error).message}`,
      `run as root, or mount it yourself: mount -t tracefs tracefs ${TRACEFS}`,
    );
  }
  if (!existsSync(`${TRACEFS}/events`)) {
    throw new NotSupportedError('tracefs', `tracefs mounted at ${TRACEFS} has no events directory`);
  }
  return (mounted = TRACEFS);
}

function canSearch(dir: string): boolean {
  try {
    accessSync(dir, constants.X_OK);
    return true;
  } catch (err) {
    // A missing directory is fine: mount(2) will say what is wrong with it.
    return (err as NodeJS.ErrnoException).code !== 'EACCES';
  }
}

/** TracepointNotFoundError is a tracepoint name that does not exist; the hint lists the closest ones. */
export class TracepointNotFoundError extends BpfkitError {}

/** tracepointId reads events/<category>/<name>/id, or throws TracepointNotFoundError with suggestions. */
export function tracepointId(category: string, name: string): number {
  if (!/^[\w.-]+$/.test(category) || !/^[\w.-]+$/.test(name)) {
    throw new TracepointNotFoundError(`'${category}:${name}' is not a tracepoint name`, {
      hint: 'tracepoints are written category:name, e.g. syscalls:sys_enter_openat',
    });
  }
  const root = ensureTracefs();
  const path = `${root}/events/${category}/${name}/id`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const near = closestTracepoints(root, category, name, 3);
    throw new TracepointNotFoundError(
      `tracepoint ${category}:${name} does not exist`,
      near.length > 0 ? { hint: `did you mean ${near.join(', ')}?` } : {},
    );
  }
  return Number.parseInt(text.trim(), 10);
}

/** listTracepoints returns every "category:name" under tracefs. */
export function listTracepoints(root = ensureTracefs()): string[] {
  const out: string[] = [];
  for (const cat of safeReaddir(`${root}/events`)) {
    for (const ev of safeReaddir(`${root}/events/${cat}`)) {
      if (ev !== 'enable' && ev !== 'filter') out.push(`${cat}:${ev}`);
    }
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

function closestTracepoints(root: string, category: string, name: string, n: number): string[] {
  const wanted = `${category}:${name}`;
  const all = listTracepoints(root);
  return nearest(wanted, all, n);
}

/** nearest ranks `candidates` by edit distance to `word` and returns the best `n` plausible ones. */
export function nearest(word: string, candidates: readonly string[], n: number): string[] {
  const scored = candidates.map((c) => ({ c, d: editDistance(word, c) }));
  scored.sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  const limit = Math.max(3, Math.ceil(word.length / 2));
  return scored
    .filter((s) => s.d <= limit || s.c.includes(word) || word.includes(s.c))
    .slice(0, n)
    .map((s) => s.c);
}

/** editDistance is the Levenshtein distance between a and b. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
