// output: ring buffer records for actions (printf, print, exit, join...) and their wake-up flags.

import { r0, r1, r2, r3, r4, r7, r8, r10 } from '../../asm/builder.js';
import { BPF_RB_FORCE_WAKEUP, ringbufWakeupFlags, wakeAtHalf } from '../../asm/ringbuf-output.js';
import type * as A from '../ast.js';
import { parseFormat } from '../format/printf.js';
import { align8, byteSize } from '../types.js';
import { expr, scalar } from './expressions.js';
import type { Gen } from './gen.js';
import { type Action, type ArgSlot, EVENTS_MAP, Globals, JOIN_MAP } from './layout.js';
import { SCRATCH_SIZE } from './map-layout.js';

const JOIN_ARGS = 16;
const JOIN_WIDTH = 64;
/** STACK_RECORD_MAX is the largest event record built on the stack. */
const STACK_RECORD_MAX = 160;

/** event sends a ring buffer record [action index][args...] for an action. */
export function event(g: Gen, action: Action, args: A.Expr[], pos: number): void {
  const slots: ArgSlot[] = [];
  let size = 8;
  for (const a of args) {
    const t = g.ty(a);
    slots.push({ ty: t, offset: size });
    size += align8(Math.max(byteSize(t), 8));
  }
  if (action.kind === 'printValue') action.arg = slots[0]!;
  if (action.kind === 'exit') action.code = slots[0];
  if (action.kind === 'printf' || action.kind === 'system' || action.kind === 'cat') {
    action.args = slots;
    action.size = size;
  }
  const id = g.out.actions.length;
  g.out.actions.push(action);
  if (size > STACK_RECORD_MAX) {
    scratchEvent(g, id, args, slots, size, pos);
    return;
  }
  const rec = g.alloc(size, pos);
  g.b.st('u64', r10, rec, id);
  args.forEach((a, i) => {
    const save = g.sp;
    const off = rec + slots[i]!.offset;
    const val = expr(g, a);
    g.store(val, off, align8(Math.max(byteSize(slots[i]!.ty), 8)));
    g.sp = save;
  });
  // User symbols resolve against the live process, so those events are read at once.
  const userSyms = slots.some((x) => x.ty.k === 'usym' || (x.ty.k === 'stack' && x.ty.user));
  output(g, rec, size, action.kind === 'exit' || userSyms);
}

/** scratchEvent builds a large record in the per-CPU scratch buffer, one argument at a time. */
export function scratchEvent(
  g: Gen,
  id: number,
  args: A.Expr[],
  slots: ArgSlot[],
  size: number,
  pos: number,
): void {
  const b = g.b;
  if (size > SCRATCH_SIZE) throw g.err(pos, `this event needs ${size} bytes; the limit is ${SCRATCH_SIZE}`);
  const zero = g.alloc(8, pos);
  const skip = g.label('noscratch');
  const lookup = () => {
    b.st('u64', r10, zero, 0);
    b.ldMap(r1, JOIN_MAP);
    g.stackPtr(r2, zero);
    b.call('map_lookup_elem');
    b.jmp('JEQ', r0, 0, skip);
  };
  args.forEach((a, i) => {
    const save = g.sp;
    const slot = slots[i]!;
    const width = align8(Math.max(byteSize(slot.ty), 8));
    const tmp = g.alloc(width, a.pos);
    g.store(expr(g, a), tmp, width);
    lookup();
    for (let k = 0; k < width; k += 8) {
      b.ldx('u64', r1, r10, tmp + k);
      b.st('u64', r0, slot.offset + k, r1);
    }
    g.sp = save;
  });
  wakeupFlags(g, false);
  lookup();
  b.st('u64', r0, 0, id);
  b.mov(r2, r0);
  b.ldMap(r1, EVENTS_MAP);
  send(g, size);
  b.label(skip);
}

/**
 * wakeupFlags leaves ringbuf_output flags in r8: wake the reader only once the ring is half full (or
 * always, for exit()), since a wake-up per event costs the traced task more than the event itself;
 * user space drains on a short timer, so sparse events still arrive promptly. The threshold is half
 * the ring, not a fixed size: a busy probe fills a small fixed threshold between two timer ticks and
 * would then wake the reader on every event until it catches up.
 */
export function wakeupFlags(g: Gen, force: boolean): void {
  const b = g.b;
  if (force) {
    b.mov(r8, BPF_RB_FORCE_WAKEUP);
    return;
  }
  ringbufWakeupFlags(b, EVENTS_MAP, Math.min(wakeAtHalf(g.ringSize), 0x7fffffff), r8);
}

export function output(g: Gen, rec: number, size: number, force = false): void {
  const b = g.b;
  wakeupFlags(g, force);
  b.ldMap(r1, EVENTS_MAP);
  g.stackPtr(r2, rec);
  send(g, size);
}

/** send outputs the `size`-byte record at r2 to the ring in r1 with the flags in r8, counting a loss. */
function send(g: Gen, size: number): void {
  g.b.mov(r3, size);
  g.b.mov(r4, r8);
  g.callCounted('ringbuf_output', 'JEQ', Globals.LOST_EVENTS, 'sent');
}

export function printf(g: Gen, e: A.Call): void {
  const fmt = (e.args[0] as A.StrLit).value;
  event(g, { kind: e.name as 'printf', fmt: parseFormat(fmt), args: [], size: 0 }, e.args.slice(1), e.pos);
}

/** join reads a NULL-terminated array of user string pointers (argv) into the per-CPU scratch map. */
export function join(g: Gen, e: A.Call): void {
  const b = g.b;
  const delim = e.args[1] ? (e.args[1] as A.StrLit).value : ' ';
  const id = g.out.actions.length;
  g.out.actions.push({ kind: 'join', delim, count: JOIN_ARGS, width: JOIN_WIDTH });
  const ptrs = g.alloc(8, e.pos);
  scalar(g, e.args[0]!);
  b.st('u64', r10, ptrs, r0);
  const zero = g.alloc(8, e.pos);
  b.st('u64', r10, zero, 0);
  b.ldMap(r1, JOIN_MAP);
  g.stackPtr(r2, zero);
  b.call('map_lookup_elem');
  const done = g.label('joindone');
  b.jmp('JEQ', r0, 0, done);
  b.mov(r7, r0);
  b.st('u64', r7, 0, id);
  const tmp = g.alloc(8, e.pos);
  const space = g.spec.type === 'tracepoint' && g.spec.target !== 'syscalls' ? 'kernel' : 'user';
  for (let i = 0; i < JOIN_ARGS; i++) {
    b.st('u8', r7, 8 + i * JOIN_WIDTH, 0);
  }
  const end = g.label('joinend');
  for (let i = 0; i < JOIN_ARGS; i++) {
    g.stackPtr(r1, tmp);
    b.mov(r2, 8);
    b.ldx('u64', r3, r10, ptrs);
    b.add(r3, i * 8);
    b.call(space === 'user' ? 'probe_read_user' : 'probe_read_kernel');
    b.ldx('u64', r3, r10, tmp);
    b.jmp('JEQ', r3, 0, end);
    b.mov(r1, r7);
    b.add(r1, 8 + i * JOIN_WIDTH);
    b.mov(r2, JOIN_WIDTH);
    b.call(space === 'user' ? 'probe_read_user_str' : 'probe_read_kernel_str');
  }
  b.label(end);
  wakeupFlags(g, false);
  b.ldMap(r1, EVENTS_MAP);
  b.mov(r2, r7);
  b.mov(r3, 8 + JOIN_ARGS * JOIN_WIDTH);
  b.mov(r4, r8);
  b.call('ringbuf_output');
  b.label(done);
}
