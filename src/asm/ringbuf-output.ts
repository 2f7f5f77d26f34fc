// Ring buffer output with adaptive wake-up: the instruction fragments a producer uses so the reader is
// woken only when the ring fills up, instead of once per record (each wake-up is an irq_work, i.e. a
// self-IPI, in the traced task). Flag values are include/uapi/linux/bpf.h's.

import type { MapRef, Operand, ProgramBuilder, Reg } from './builder.js';
import { r0, r1, r2, r3, r4 } from './builder.js';

/** BPF_RB_NO_WAKEUP (bpf_ringbuf_output/submit/discard flag) skips the reader's wake-up. */
export const BPF_RB_NO_WAKEUP = 1;
/** BPF_RB_FORCE_WAKEUP wakes the reader even if it has not caught up. */
export const BPF_RB_FORCE_WAKEUP = 2;
/** BPF_RB_AVAIL_DATA asks bpf_ringbuf_query (Linux 5.8) for the bytes not yet consumed. */
export const BPF_RB_AVAIL_DATA = 0;
/** BPF_RB_RING_SIZE asks bpf_ringbuf_query for the ring's data size. */
export const BPF_RB_RING_SIZE = 1;
/** BPF_RB_CONS_POS asks bpf_ringbuf_query for the consumer position. */
export const BPF_RB_CONS_POS = 2;
/** BPF_RB_PROD_POS asks bpf_ringbuf_query for the producer position. */
export const BPF_RB_PROD_POS = 3;

/** RingbufFlag groups the output/submit flags, for codegen that prefers one name. */
export const RingbufFlag = { NO_WAKEUP: BPF_RB_NO_WAKEUP, FORCE_WAKEUP: BPF_RB_FORCE_WAKEUP } as const;

/**
 * wakeAtHalf is the usual threshold for a ring of `ringBytes`: wake the reader once it is half full,
 * so a reader on a timer is called early enough that the producer never finds the ring full.
 */
export function wakeAtHalf(ringBytes: number): number {
  return Math.floor(ringBytes / 2);
}

function checkWakeAt(wakeAt: number): void {
  if (!Number.isInteger(wakeAt) || wakeAt < 0 || wakeAt > 0x7fffffff)
    throw new RangeError(`wakeAt ${wakeAt} is not a byte count from 0 to 2^31-1`);
}

const calleeSaved = (r: Reg) => r.reg >= 6 && r.reg <= 10;

/**
 * ringbufWakeupFlags emits
 *   dst = bpf_ringbuf_query(map, BPF_RB_AVAIL_DATA) > wakeAt ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP
 * Registers: calls a helper, so r0–r5 are clobbered (r0 holds the available bytes afterwards); `dst`
 * (any of r0–r9, typically r4 for ringbuf_output or r2 for ringbuf_submit) receives the flags; r6–r9
 * other than `dst` and the stack are untouched. Uses no labels: emit it any number of times.
 */
export function ringbufWakeupFlags(b: ProgramBuilder, map: MapRef, wakeAt: number, dst: Reg): ProgramBuilder {
  checkWakeAt(wakeAt);
  if (dst.reg === 10) throw new RangeError('the flags cannot go to r10, the frame pointer');
  return b
    .ldMap(r1, map)
    .mov(r2, BPF_RB_AVAIL_DATA)
    .call('ringbuf_query')
    .mov(dst, BPF_RB_NO_WAKEUP)
    .jmp('JLE', r0, wakeAt, 1)
    .mov(dst, BPF_RB_FORCE_WAKEUP);
}

/** AdaptiveOutput describes one bpf_ringbuf_output call for ringbufOutputAdaptive. */
export interface AdaptiveOutput {
  /** map is the ring buffer (a name relocated at load, or an fd). */
  map: MapRef;
  /** data points at the record: r6–r9 or r10 (the frame pointer), so it survives the query call. */
  data: Reg;
  /** offset is added to `data` (e.g. a negative stack offset with r10). */
  offset?: number;
  /** size is the record's byte count: a constant, or r6–r9. */
  size: Operand;
  /** wakeAt is the unread byte count above which the reader is woken (see wakeAtHalf). */
  wakeAt: number;
}

/**
 * ringbufOutputAdaptive emits bpf_ringbuf_output(map, data + offset, size, flags) with the flags of
 * ringbufWakeupFlags: no wake-up while the ring holds at most `wakeAt` unread bytes, a forced one
 * above. Pair it with a reader that drains on a timer (RingBuffer `{ wakeup: 'timer' }`).
 * Registers: r0 = 0 or a negative errno (-EAGAIN when the ring is full: count it as lost); r1–r5
 * clobbered; r6–r9 and the stack untouched. Needs bpf_ringbuf_query (Linux 5.8, like the ring).
 */
export function ringbufOutputAdaptive(b: ProgramBuilder, o: AdaptiveOutput): ProgramBuilder {
  if (!calleeSaved(o.data)) throw new RangeError('data must be in r6–r9 or r10 to survive the query call');
  if (typeof o.size !== 'number' && !calleeSaved(o.size))
    throw new RangeError('size must be a constant or in r6–r9 to survive the query call');
  ringbufWakeupFlags(b, o.map, o.wakeAt, r4);
  b.ldMap(r1, o.map).mov(r2, o.data);
  if (o.offset) b.add(r2, o.offset);
  return b.mov(r3, o.size).call('ringbuf_output');
}

/**
 * ringbufSubmitAdaptive emits bpf_ringbuf_submit(record, flags) for a record from
 * bpf_ringbuf_reserve, with ringbufWakeupFlags' flags. `record` must be in r6–r9 (it survives the
 * query call). Registers: r0–r5 clobbered; r6–r9 and the stack untouched.
 */
export function ringbufSubmitAdaptive(
  b: ProgramBuilder,
  map: MapRef,
  record: Reg,
  wakeAt: number,
): ProgramBuilder {
  if (record.reg < 6 || record.reg > 9)
    throw new RangeError('the record must be in r6–r9 to survive the query call');
  ringbufWakeupFlags(b, map, wakeAt, r2);
  return b.mov(r1, record).call('ringbuf_submit');
}
