// Runtime: the state one interpreter run shares with its helpers — memory, maps, the task it
// pretends to run in, and the flags a helper raises to stop the run (unwind, tail call).

import type { VmMap } from './maps.js';
import type { Memory, Region } from './memory.js';

/** TaskContext is what get_current_pid_tgid / uid_gid / comm report. */
export interface TaskContext {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  comm: string;
}

/** ProbeMemory is memory that only probe_read* can read, at an address the caller chooses. */
export interface ProbeMemory {
  address: bigint;
  bytes: Uint8Array;
  /** kind says which probe_read flavour may read it; both if unset. */
  kind?: 'user' | 'kernel';
}

/** HelperFn implements one helper: arguments r1..r5, result r0; `pc` is the calling instruction. */
export type HelperFn = (
  rt: Runtime,
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
  pc: number,
) => bigint;

/** Stop says why a helper ended the run early. */
export const Stop = { None: 0, Unwind: 1, TailCall: 2 } as const;

/** Runtime is the per-vm state helpers use. */
export interface Runtime {
  memory: Memory;
  /** maps by the fd an LD_IMM64 (src 1 or 2) names. */
  maps: Map<number, VmMap>;
  helpers: Map<number, HelperFn>;
  task: TaskContext;
  cpu: number;
  clock: () => bigint;
  random: () => number;
  probeMemory: ProbeMemory[];
  printk: (line: string) => void;
  stop: number;
  /** tailTarget is the program a successful bpf_tail_call switches to. */
  tailTarget: unknown;
  /** tailCtx is the r1 the tail-called program starts with. */
  tailCtx: bigint;
  tailCalls: number;
  /** reserved maps each ring buffer record not yet submitted or discarded to its ring buffer. */
  reserved: Map<Region, VmMap>;
}

/** MAP_PTR_HI is the high word of the fake pointer an LD_IMM64 of a map fd yields; low word = fd. */
export const MAP_PTR_HI = 0xb9f00000;

/** mapPointer is the value an LD_IMM64 src=1 loads for map fd `fd`. */
export const mapPointer = (fd: number): bigint => (BigInt(MAP_PTR_HI) << 32n) | BigInt(fd >>> 0);

/** mapFromPointer resolves a map pointer argument, or undefined if it is not one. */
export function mapFromPointer(rt: Runtime, ptr: bigint): VmMap | undefined {
  if (ptr >> 32n !== BigInt(MAP_PTR_HI)) return undefined;
  return rt.maps.get(Number(ptr & 0xffffffffn));
}

/** mulberry32 is a small seedable PRNG for bpf_get_prandom_u32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}
