// What codegen hands the runtime: map layouts, the table of asynchronous actions (printf, print,
// exit...) that programs send through the ring buffer, and one program per probe variant.

import type { BuiltProgram } from '../../asm/index.js';
import type { MapInfo } from '../check.js';
import type { Segment } from '../format/printf.js';
import type { ProbeSpec } from '../probes.js';
import type { Ty } from '../types.js';

/** MapLayout is a map to create; `info` is set for the script's own @maps. */
export interface MapLayout {
  /** ref is the name programs use for it in relocations. */
  ref: string;
  type: 'hash' | 'percpu_hash' | 'ringbuf' | 'array' | 'percpu_array' | 'stack_trace';
  keySize: number;
  valueSize: number;
  maxEntries: number;
  info?: MapInfo;
  /** keyOffsets are where each key element starts; hist/lhist maps add a u64 bucket after them. */
  keyOffsets?: number[];
  bucket?: boolean;
}

/** ArgSlot is one value in an event record. */
export interface ArgSlot {
  ty: Ty;
  offset: number;
}

/**
 * ArgField is one member of a probe's `args` in a print(args) record: a u64 per integer (`count`
 * of them for an array), or a NUL-padded string of `count` bytes.
 */
export interface ArgField {
  name: string;
  offset: number;
  show: 'int' | 'uint' | 'hex' | 'str';
  /** count is the element count of an array (0 for a scalar), or the string's byte length. */
  count: number;
}

/** Action is what an event record asks user space to do; records start with the action's index. */
export type Action =
  | { kind: 'printf' | 'system' | 'cat'; fmt: Segment[]; args: ArgSlot[]; size: number }
  | { kind: 'print'; map: string; top: number; div: number }
  | { kind: 'printValue'; arg: ArgSlot }
  | { kind: 'printArgs'; fields: ArgField[] }
  | { kind: 'clear' | 'zero'; map: string }
  | { kind: 'exit'; code: ArgSlot | undefined }
  | { kind: 'time'; fmt: string }
  | { kind: 'join'; delim: string; count: number; width: number };

/** ProgramType is the kernel program type a probe variant loads as. */
export type ProgramType = 'raw_tracepoint' | 'tracepoint' | 'kprobe' | 'perf_event' | 'tracing';

/** BPF_TRACE_FENTRY and BPF_TRACE_FEXIT are enum bpf_attach_type values (include/uapi/linux/bpf.h). */
export const BPF_TRACE_FENTRY = 24;
export const BPF_TRACE_FEXIT = 25;

/** TracingTarget fixes an fentry/fexit program to its kernel function at load time. */
export interface TracingTarget {
  /** btfId is the BTF FUNC's id, the load's attach_btf_id. */
  btfId: number;
  expectedAttachType: typeof BPF_TRACE_FENTRY | typeof BPF_TRACE_FEXIT;
  /** module is the kernel module whose BTF holds the function ('' for vmlinux). */
  module: string;
  func: string;
}

export interface CompiledProgram {
  /** name is the probe's first attach point, used in `-d` listings and error messages. */
  name: string;
  probeIndex: number;
  specs: ProbeSpec[];
  type: ProgramType;
  built: BuiltProgram;
  /** srcMap pairs instruction indexes with the source offset of the expression that emitted them. */
  srcMap: Array<[pc: number, pos: number]> /** tracing is set for fentry/fexit programs (type 'tracing'). */;
  tracing?: TracingTarget;
}

/** Globals are u64 slots of the `__globals` array map. */
export const Globals = {
  /** START is ktime at start, for `elapsed`; user space sets it before attaching. */
  START: 0,
  /** MAP_DROPS counts map updates the kernel refused (map full). */
  MAP_DROPS: 1,
  /** LOST_EVENTS counts records the ring buffer had no room for. */
  LOST_EVENTS: 2,
  /** STR_TRUNCATED is set when a str() filled its buffer, so the runtime can say so once. */
  STR_TRUNCATED: 3,
  /** CPID is the pid of the `-c` command; user space sets it before BEGIN runs. */
  CPID: 4,
  COUNT: 5,
} as const;

export const GLOBALS_MAP = '__globals';
export const EVENTS_MAP = '__events';
export const STACKS_MAP = '__stacks';
/** MAX_STACK is the deepest stack kept (the kernel's default perf_event_max_stack). */
export const MAX_STACK = 127;

/**
 * stacksRef names the stack table for stacks of `limit` frames. Each limit has its own table, sized
 * to it, so the kernel hashes only those frames and kstack(2) gives one key per distinct 2 frames.
 */
export const stacksRef = (limit: number): string =>
  limit >= MAX_STACK ? STACKS_MAP : `${STACKS_MAP}_${limit}`;
export const JOIN_MAP = '__join';

/** mapRef is the relocation name of a script map (`@` is the anonymous one). */
export const mapRef = (name: string): string => `map${name}`;

/** posForPc finds the source offset of the expression that emitted instruction `pc`. */
export function posForPc(p: CompiledProgram, pc: number): number | undefined {
  let best: number | undefined;
  for (const [at, pos] of p.srcMap) {
    if (at <= pc) best = pos;
    else break;
  }
  return best;
}
