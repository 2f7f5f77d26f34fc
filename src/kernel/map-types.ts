// Map types by their kernel names, and what each implies for key/value sizes and per-CPU values.

import { readFileSync } from 'node:fs';
import { BpfkitError } from '../errors/index.js';
import { MapType } from '../sys/bpf-cmd.js';

/** MapTypeName is a map type in the kernel's words, lower case: `hash`, `percpu_array`, `ringbuf`. */
export type MapTypeName = Lowercase<Exclude<keyof typeof MapType, 'UNSPEC'>>;

/** mapTypeNumber resolves a name (or passes a number through) to enum bpf_map_type. */
export function mapTypeNumber(type: MapTypeName | number): number {
  if (typeof type === 'number') return type;
  const n = (MapType as Record<string, number>)[type.toUpperCase()];
  if (n === undefined || n === 0) throw new BpfkitError(`unknown map type '${type}'`);
  return n;
}

/** mapTypeName is the lower-case kernel name of a map type number. */
export function mapTypeName(type: number): string {
  for (const [k, v] of Object.entries(MapType)) if (v === type) return k.toLowerCase();
  return `map_type_${type}`;
}

const PER_CPU = new Set<number>([
  MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY,
  MapType.LRU_PERCPU_HASH,
  MapType.PERCPU_CGROUP_STORAGE,
]);

/** isPerCpu says whether user space sees one value per possible CPU. */
export const isPerCpu = (type: number): boolean => PER_CPU.has(type);

/** hasFdValues says whether values are fds on update (programs, maps, perf events). */
export const hasFdValues = (type: number): boolean =>
  type === MapType.PROG_ARRAY ||
  type === MapType.PERF_EVENT_ARRAY ||
  type === MapType.ARRAY_OF_MAPS ||
  type === MapType.HASH_OF_MAPS ||
  type === MapType.CGROUP_ARRAY;

/** isKeyless says whether the type has no user-visible keys (lookups pass NULL). */
export const isKeyless = (type: number): boolean =>
  type === MapType.RINGBUF ||
  type === MapType.USER_RINGBUF ||
  type === MapType.QUEUE ||
  type === MapType.STACK ||
  type === MapType.BLOOM_FILTER;

let cpuCount: number | undefined;

/** possibleCpus is the number of possible CPUs, the length of a per-CPU value array. */
export function possibleCpus(): number {
  if (cpuCount === undefined)
    cpuCount = cpuListLength(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return cpuCount;
}

/** cpuListLength reads a kernel cpu list ("0-3,8") and returns the highest CPU number plus one. */
export function cpuListLength(text: string): number {
  let max = -1;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new BpfkitError(`cannot parse cpu list '${text.trim()}'`);
    max = Math.max(max, Number(m[2] ?? m[1]));
  }
  if (max < 0) throw new BpfkitError('the cpu list is empty');
  return max + 1;
}

/** SizeDefaults fills key/value sizes and max entries the type fixes, given what the user passed. */
export function sizeDefaults(
  type: number,
  given: { keySize?: number | undefined; valueSize?: number | undefined; maxEntries?: number | undefined },
): { keySize: number; valueSize: number; maxEntries: number } {
  let { keySize, valueSize, maxEntries } = given;
  switch (type) {
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      keySize ??= 0;
      valueSize ??= 0;
      maxEntries ??= 256 * 1024;
      break;
    case MapType.PERF_EVENT_ARRAY:
    case MapType.CGROUP_ARRAY:
      keySize ??= 4;
      valueSize ??= 4;
      maxEntries ??= possibleCpus();
      break;
    case MapType.PROG_ARRAY:
    case MapType.ARRAY_OF_MAPS:
    case MapType.HASH_OF_MAPS:
      keySize ??= 4;
      valueSize ??= 4;
      break;
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      keySize ??= 4;
      break;
    case MapType.STACK_TRACE:
      keySize ??= 4;
      valueSize ??= 127 * 8;
      break;
    case MapType.QUEUE:
    case MapType.STACK:
      keySize ??= 0;
      break;
  }
  if (keySize === undefined || valueSize === undefined || maxEntries === undefined) {
    const missing = [
      keySize === undefined && 'keySize',
      valueSize === undefined && 'valueSize',
      maxEntries === undefined && 'maxEntries',
    ]
      .filter(Boolean)
      .join(', ');
    throw new BpfkitError(`map type ${mapTypeName(type)} needs ${missing}`);
  }
  return { keySize, valueSize, maxEntries };
}

const ARRAY_LIKE = new Set<number>([
  MapType.ARRAY,
  MapType.PERCPU_ARRAY,
  MapType.PROG_ARRAY,
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.ARRAY_OF_MAPS,
]);
const FD_VALUED = new Set<number>([
  MapType.PROG_ARRAY,
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
]);
const HASH_LIKE = new Set<number>([
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
  MapType.HASH_OF_MAPS,
]);

/**
 * explainMapCreate names the field the kernel most likely refused (EINVAL from MAP_CREATE), from the
 * per-type rules in kernel/bpf/*map*.c; undefined when every field looks acceptable.
 */
export function explainMapCreate(
  type: number,
  a: { keySize: number; valueSize: number; maxEntries: number; flags: number },
): string | undefined {
  const name = mapTypeName(type);
  if (ARRAY_LIKE.has(type) && a.keySize !== 4) return `keySize must be 4 for ${name} maps (got ${a.keySize})`;
  if (FD_VALUED.has(type) && a.valueSize !== 4)
    return `valueSize must be 4 for ${name} maps (got ${a.valueSize})`;
  if (HASH_LIKE.has(type) && a.keySize === 0) return `keySize must be greater than 0 for ${name} maps`;
  if (type === MapType.RINGBUF || type === MapType.USER_RINGBUF) {
    if (a.keySize !== 0 || a.valueSize !== 0) return `keySize and valueSize must be 0 for ${name} maps`;
    const m = a.maxEntries;
    if (m < 4096 || (m & (m - 1)) !== 0) {
      return `maxEntries (the ring size in bytes) must be a power of two and at least the page size (4096) for ${name} maps (got ${m})`;
    }
  }
  if (type === MapType.QUEUE || type === MapType.STACK || type === MapType.BLOOM_FILTER) {
    if (a.keySize !== 0) return `keySize must be 0 for ${name} maps (got ${a.keySize})`;
  }
  if (type === MapType.STACK_TRACE) {
    if (a.keySize !== 4) return `keySize must be 4 for stack_trace maps (got ${a.keySize})`;
    if (a.valueSize === 0 || a.valueSize % 8 !== 0)
      return `valueSize must be a non-zero multiple of 8 for stack_trace maps (got ${a.valueSize})`;
  }
  if (type === MapType.LPM_TRIE) {
    if ((a.flags & 1) === 0) return 'lpm_trie maps need the NO_PREALLOC flag';
    if (a.keySize < 5)
      return `keySize must be at least 5 (a u32 prefix length plus data) for lpm_trie maps (got ${a.keySize})`;
  }
  const keyless = type === MapType.RINGBUF || type === MapType.USER_RINGBUF;
  if (!keyless && a.valueSize === 0 && type !== MapType.ARENA)
    return `valueSize must be greater than 0 for ${name} maps`;
  if (a.maxEntries === 0 && !STORAGE_TYPES.has(type))
    return `maxEntries must be greater than 0 for ${name} maps`;
  return undefined;
}

const STORAGE_TYPES = new Set<number>([
  MapType.SK_STORAGE,
  MapType.INODE_STORAGE,
  MapType.TASK_STORAGE,
  MapType.CGRP_STORAGE,
  MapType.CGROUP_STORAGE,
  MapType.PERCPU_CGROUP_STORAGE,
]);
