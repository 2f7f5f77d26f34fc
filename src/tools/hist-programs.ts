// Kernel-side pieces of the histogram tools (runqlat, biolatency): a map value of log2 slots plus a
// comm, and the code that adds one sample to it. Layout as libbpf-tools' `struct hist`.

import { type ProgramBuilder, type Reg, r0, r1, r2, r3, r4, r9, r10 } from '../asm/index.js';
import type { MapSpec } from '../kernel/map.js';
import { cString } from './common/format.js';
import { emitLog2 } from './common/histogram.js';

/** HIST_SLOTS is the number of log2 buckets (libbpf-tools MAX_SLOTS). */
export const HIST_SLOTS = 26;
/** HIST_VALUE is `struct hist { u32 slots[26]; char comm[16]; }`. */
export const HIST_VALUE = { slots: 0, comm: HIST_SLOTS * 4, size: HIST_SLOTS * 4 + 16 } as const;

/** histMap is the hists map spec: u32 key (0, a pid or a tid), or a u64 one of two u32s → struct hist. */
export function histMap(name: string, keySize: 4 | 8 = 4): MapSpec<Buffer, Buffer> {
  return { type: 'hash', keySize, valueSize: HIST_VALUE.size, maxEntries: 10240, name };
}

/** Hist is one decoded histogram. */
export interface Hist {
  /** key is the u32 key, or a u64 key's first u32; key2 is a u64 key's second u32. */
  key: number;
  key2?: number;
  comm: string;
  slots: number[];
}

/** decodeHist reads one hists entry. */
export function decodeHist(key: Buffer, value: Buffer): Hist {
  const slots: number[] = [];
  for (let i = 0; i < HIST_SLOTS; i++) slots.push(value.readUInt32LE(HIST_VALUE.slots + i * 4));
  return {
    key: key.readUInt32LE(0),
    ...(key.length >= 8 ? { key2: key.readUInt32LE(4) } : {}),
    comm: cString(value.subarray(HIST_VALUE.comm, HIST_VALUE.comm + 16)),
    slots,
  };
}

/** HistAddOptions places the pieces of emitHistAdd on the stack. */
export interface HistAddOptions {
  /** keyAt is the stack offset of the u32 key. */
  keyAt: number;
  /** scratchAt is the start of HIST_VALUE.size free stack bytes for a new entry. */
  scratchAt: number;
  /** fillComm writes the new entry's comm at r1 (r1 = destination, 16 bytes), when per-process. */
  fillComm?: (b: ProgramBuilder) => void;
  label: string;
  /** exit is the label to go to when the map is full. */
  exit: string;
}

/**
 * emitHistAdd adds one sample of value `delta` (clobbered, with r0-r5 and r9) to hists[key]'s log2
 * slot, creating the entry when missing.
 */
export function emitHistAdd(b: ProgramBuilder, delta: Reg, o: HistAddOptions): void {
  emitLog2(b, r9, delta, `${o.label}_log2`);
  b.jmp('JLE', r9, HIST_SLOTS - 1, `${o.label}_slot`)
    .mov(r9, HIST_SLOTS - 1)
    .label(`${o.label}_slot`)
    .ldMap(r1, 'hists')
    .mov(r2, r10)
    .add(r2, o.keyAt)
    .call('map_lookup_elem')
    .jmp('JNE', r0, 0, `${o.label}_add`);
  for (let off = 0; off < HIST_VALUE.size; off += 8) b.st('u64', r10, o.scratchAt + off, 0);
  if (o.fillComm) {
    b.mov(r1, r10).add(r1, o.scratchAt + HIST_VALUE.comm);
    o.fillComm(b);
  }
  b.ldMap(r1, 'hists')
    .mov(r2, r10)
    .add(r2, o.keyAt)
    .mov(r3, r10)
    .add(r3, o.scratchAt)
    .mov(r4, 1) // BPF_NOEXIST: another CPU may have created it meanwhile
    .call('map_update_elem')
    .ldMap(r1, 'hists')
    .mov(r2, r10)
    .add(r2, o.keyAt)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, o.exit)
    .label(`${o.label}_add`)
    .lsh(r9, 2)
    .add(r0, r9)
    .mov(r1, 1)
    .atomic('add', 'u32', r0, 0, r1);
}
