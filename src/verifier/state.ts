// Verifier state: the abstract registers and stack of one path through the program, the references
// it holds, and the comparisons state pruning needs (the kernel's regsafe / stacksafe / refsafe).

import type { MapInfo } from './maps.js';
import { type Scalar, scalarEquals, scalarString, scalarWithin, unknownScalar } from './scalar.js';

/** RegType is the kind of value a register holds, named as in the kernel's enum bpf_reg_type. */
export type RegType =
  | 'not_init'
  | 'scalar'
  | 'ctx'
  | 'fp'
  | 'map_ptr'
  | 'map_value'
  | 'pkt'
  | 'pkt_meta'
  | 'pkt_end'
  | 'mem'
  | 'btf_id'
  | 'sock_common';

/** RegState is one register; pointers keep a fixed offset `off` and a variable offset in `v`. */
export interface RegState {
  type: RegType;
  /** maybeNull is set on `*_or_null` pointers until a null check. */
  maybeNull: boolean;
  /** v is the value of a scalar, or the variable part of a pointer's offset. */
  v: Scalar;
  off: number;
  /** id links copies: of a scalar (bounds learnt on one apply to all), or of a maybe-null pointer. */
  id: number;
  /**
   * addConst marks a linked scalar copy that had a constant added (`r2 = r1; r2 += 4`): its value is
   * the linked value plus `off`, so a bound learnt on either applies to both (kernel 6.11+).
   */
  addConst?: boolean;
  /** refId is the acquired reference (a ringbuf record) this pointer is. */
  refId: number;
  map?: MapInfo;
  /** size is the byte size of a `mem` pointer's object. */
  size?: number;
  /** range is how many bytes past a packet pointer are known to be inside the packet. */
  range?: number;
  /** origin is the instruction that produced a maybe-null pointer, for messages. */
  origin?: number;
  /** helper is the helper that produced a maybe-null pointer, for messages. */
  helper?: string;
  /** btfType is the BTF id of the struct a `btf_id` pointer points to, when BTF was given. */
  btfType?: number;
  /** btfTag is a `btf_id` pointer's `user` or `percpu` type tag: memory the program may not read directly. */
  btfTag?: string;
  /** trusted marks a `btf_id` pointer the kernel trusts (PTR_TRUSTED or MEM_RCU): its safe fields stay non-null. */
  trusted?: boolean;
  /** frame is the call frame whose stack an `fp` pointer points into (0, the main program, if unset). */
  frame?: number;
}

export const NOT_INIT: RegState = Object.freeze({
  type: 'not_init',
  maybeNull: false,
  v: unknownScalar(),
  off: 0,
  id: 0,
  refId: 0,
}) as RegState;

export function scalarReg(v: Scalar, id = 0): RegState {
  return { type: 'scalar', maybeNull: false, v, off: 0, id, refId: 0 };
}

export function ptrReg(type: RegType, extra: Partial<RegState> = {}): RegState {
  return { type, maybeNull: false, v: zeroOffset(), off: 0, id: 0, refId: 0, ...extra };
}

let zero: Scalar | undefined;
function zeroOffset(): Scalar {
  if (!zero) {
    zero = unknownScalar();
    zero.t = { value: 0n, mask: 0n };
    zero.umin = zero.umax = zero.smin = zero.smax = 0n;
    zero.u32min = zero.u32max = zero.s32min = zero.s32max = 0n;
  }
  return zero;
}

/** Slot byte kinds, as the kernel's STACK_INVALID / STACK_MISC / STACK_ZERO / STACK_SPILL. */
export const SlotKind = { INVALID: 0, MISC: 1, ZERO: 2, SPILL: 3 } as const;

/** StackState is the 512-byte frame: a kind per byte, and the register spilled in each 8-byte slot. */
export interface StackState {
  /** bytes[i] is the kind of byte at frame offset i - 512. */
  bytes: Uint8Array;
  spills: (RegState | undefined)[];
}

/** Reference is an acquired object that must be released before exit. */
export interface Reference {
  id: number;
  pc: number;
  helper: string;
}

/** CallFrame is a caller suspended at a bpf-to-bpf call: its registers and stack, where it resumes. */
export interface CallFrame {
  regs: RegState[];
  stack: StackState;
  /** ret is the instruction after the call. */
  ret: number;
  /** subprog is the index of the caller's subprogram. */
  subprog: number;
}

/**
 * State is one path: registers r0..r10 and the stack of the running function, the held references,
 * and the callers suspended below it (outermost first).
 */
export interface State {
  regs: RegState[];
  stack: StackState;
  refs: Reference[];
  callers: CallFrame[];
  /** subprog is the index of the running function's subprogram (0 is the main program). */
  subprog: number;
}

const cloneStack = (s: StackState): StackState => ({ bytes: s.bytes.slice(), spills: s.spills.slice() });

export function cloneState(s: State): State {
  return {
    regs: s.regs.slice(),
    stack: cloneStack(s.stack),
    refs: s.refs.slice(),
    callers: s.callers.map((c) => ({ ...c, regs: c.regs.slice(), stack: cloneStack(c.stack) })),
    subprog: s.subprog,
  };
}

/** frameOf is the frame number of an `fp` pointer. */
export const frameOf = (r: RegState): number => r.frame ?? 0;

/**
 * stackView is the state as seen by an access through `fp` pointer reg: the stack (and subprogram)
 * of the frame it points into, which is a caller's when a callee was passed a pointer to it.
 */
export function stackView(st: State, reg: RegState): State {
  const f = frameOf(reg);
  const caller = f < st.callers.length ? st.callers[f] : undefined;
  if (!caller) return st;
  return { ...st, stack: caller.stack, subprog: caller.subprog };
}

/** IdMap pairs ids of an old state with ids of the current one; pairing must be one to one. */
class IdMap {
  private readonly fwd = new Map<number, number>();
  private readonly back = new Map<number, number>();
  private fresh = -1;

  /** check pairs ids of pointers: both zero, or both set and consistently paired (check_ids). */
  check(old: number, cur: number): boolean {
    if ((old === 0) !== (cur === 0)) return false;
    if (old === 0) return true;
    const f = this.fwd.get(old);
    const b = this.back.get(cur);
    if (f === undefined && b === undefined) {
      this.fwd.set(old, cur);
      this.back.set(cur, old);
      return true;
    }
    return f === cur && b === old;
  }

  /**
   * checkScalar pairs ids of scalars (check_scalar_ids): an unlinked old scalar matches anything; an
   * unlinked current one gets a fresh id, so two linked old scalars cannot both match unlinked ones.
   */
  checkScalar(old: number, cur: number): boolean {
    if (old === 0) return true;
    return this.check(old, cur === 0 ? this.fresh-- : cur);
  }
}

const sameBtf = (a: RegState, b: RegState): boolean =>
  a.btfType === b.btfType && a.btfTag === b.btfTag && !!a.trusted === !!b.trusted;

function regSafe(old: RegState, cur: RegState, ids: IdMap, exact: boolean): boolean {
  if (exact) return regExact(old, cur, ids);
  if (old.type === 'not_init') return true;
  if (old.type !== cur.type) return false;
  switch (old.type) {
    case 'scalar':
      return (
        scalarWithin(old.v, cur.v) &&
        ids.checkScalar(old.id, cur.id) &&
        (old.id === 0 || (old.off === cur.off && !!old.addConst === !!cur.addConst))
      );
    case 'pkt':
    case 'pkt_meta':
      return (
        old.off === cur.off &&
        (old.range ?? 0) <= (cur.range ?? 0) &&
        scalarWithin(old.v, cur.v) &&
        ids.check(old.id, cur.id)
      );
    default:
      return (
        old.maybeNull === cur.maybeNull &&
        old.off === cur.off &&
        frameOf(old) === frameOf(cur) &&
        sameBtf(old, cur) &&
        old.map === cur.map &&
        old.size === cur.size &&
        scalarWithin(old.v, cur.v) &&
        ids.check(old.id, cur.id) &&
        ids.check(old.refId, cur.refId)
      );
  }
}

function regExact(old: RegState, cur: RegState, ids: IdMap): boolean {
  if (old.type !== cur.type) return false;
  if (old.type === 'not_init') return true;
  return (
    old.maybeNull === cur.maybeNull &&
    old.off === cur.off &&
    frameOf(old) === frameOf(cur) &&
    sameBtf(old, cur) &&
    old.map === cur.map &&
    old.size === cur.size &&
    (old.range ?? 0) === (cur.range ?? 0) &&
    !!old.addConst === !!cur.addConst &&
    scalarEquals(old.v, cur.v) &&
    ids.check(old.id, cur.id) &&
    ids.check(old.refId, cur.refId)
  );
}

/** holdsPointer says the 8-byte slot has a spilled pointer in it. */
const holdsPointer = (st: StackState, slot: number): boolean => {
  const r = st.spills[slot];
  return r !== undefined && r.type !== 'scalar';
};

function stackSafe(
  old: StackState,
  cur: StackState,
  ids: IdMap,
  exact: boolean,
  uninitOk: boolean,
  neededSlots: bigint,
): boolean {
  // Slots whose value no longer matters only need to hold data, not pointers, on both sides.
  const skip = new Uint8Array(old.spills.length);
  if (!exact && uninitOk) {
    for (let slot = 0; slot < skip.length; slot++) {
      if ((neededSlots >> BigInt(slot)) & 1n) continue;
      if (!holdsPointer(old, slot) && !holdsPointer(cur, slot)) skip[slot] = 1;
    }
  }
  for (let i = 0; i < old.bytes.length; i++) {
    if (skip[i >> 3]) continue;
    const o = old.bytes[i]!;
    const c = cur.bytes[i]!;
    if (o === c) continue;
    if (exact) return false;
    if (o === SlotKind.INVALID && (!uninitOk || c !== SlotKind.SPILL)) continue;
    if (o === SlotKind.MISC && (c === SlotKind.ZERO || (uninitOk && c === SlotKind.INVALID))) continue;
    return false;
  }
  for (let s = 0; s < old.spills.length; s++) {
    const o = old.spills[s];
    const c = cur.spills[s];
    if (!o || skip[s]) continue;
    if (!c || !regSafe(o, c, ids, exact)) return false;
  }
  return true;
}

/**
 * statesCover says the old, fully explored state is at least as permissive as cur, so cur needs no
 * further exploration; with exact, the states must be identical (infinite-loop detection).
 */
export function statesCover(
  old: State,
  cur: State,
  exact: boolean,
  uninitOk: boolean,
  needed: { regs: number; slots: bigint } = { regs: 0x7ff, slots: (1n << 64n) - 1n },
): boolean {
  const ids = new IdMap();
  for (let r = 0; r < old.regs.length; r++) {
    const o = old.regs[r]!;
    const c = cur.regs[r]!;
    // A number whose value no longer matters matches any number (the kernel's imprecise scalars).
    if (!exact && o.type === 'scalar' && c.type === 'scalar' && (needed.regs & (1 << r)) === 0) continue;
    if (!regSafe(o, c, ids, exact)) return false;
  }
  if (!stackSafe(old.stack, cur.stack, ids, exact, uninitOk, needed.slots)) return false;
  if (old.subprog !== cur.subprog || old.callers.length !== cur.callers.length) return false;
  for (let f = 0; f < old.callers.length; f++) {
    const o = old.callers[f]!;
    const c = cur.callers[f]!;
    if (o.ret !== c.ret) return false;
    for (let r = 0; r < o.regs.length; r++) {
      if (!regSafe(o.regs[r]!, c.regs[r]!, ids, exact)) return false;
    }
    if (!stackSafe(o.stack, c.stack, ids, exact, uninitOk, (1n << 64n) - 1n)) return false;
  }
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++) {
    if (!ids.check(old.refs[i]!.id, cur.refs[i]!.id)) return false;
  }
  return true;
}

const TYPE_NAMES: Record<RegType, string> = {
  not_init: 'uninitialised',
  scalar: 'scalar',
  ctx: 'ctx',
  fp: 'fp',
  map_ptr: 'map_ptr',
  map_value: 'map_value',
  pkt: 'pkt',
  pkt_meta: 'pkt_meta',
  pkt_end: 'pkt_end',
  mem: 'mem',
  btf_id: 'ptr_to_btf_id',
  sock_common: 'sock_common',
};

/** typeName is the kernel's name of a register type (`map_value_or_null`). */
export function typeName(r: RegState): string {
  return TYPE_NAMES[r.type] + (r.maybeNull ? '_or_null' : '');
}

/** regString prints a register the way the kernel's log does, briefly (`map_value(off=4,ks=4,vs=8)`). */
export function regString(r: RegState): string {
  if (r.type === 'not_init') return 'uninitialised';
  if (r.type === 'scalar') return `scalar(${scalarString(r.v)})`;
  const parts: string[] = [];
  if (r.off !== 0) parts.push(`off=${r.off}`);
  if (r.v.t.mask !== 0n || r.v.t.value !== 0n) parts.push(`var=${scalarString(r.v)}`);
  if (r.map) parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  if (r.size !== undefined) parts.push(`sz=${r.size}`);
  if (r.range !== undefined && (r.type === 'pkt' || r.type === 'pkt_meta')) parts.push(`r=${r.range}`);
  if (r.refId) parts.push(`ref_obj_id=${r.refId}`);
  return `${typeName(r)}(${parts.join(',')})`;
}
