// Helper calls: the program type may call it, the license allows it, each argument has the type
// its prototype asks for, memory arguments are in bounds, and the effects on r0..r5 and references.

import { helperName } from '../asm/helpers.js';
import { BPF_MAX_VAR_OFF, type Env, noteStackDepth, reject } from './env.js';
import { type ArgType, helperAllowed, helperProto } from './helper-protos.js';
import type { MapInfo } from './maps.js';
import { checkAccess, checkHelperStackRead, nullSentence } from './memory.js';
import { isConst, rangeScalar, S64_MIN, type Scalar, signedRangeScalar, unknownScalar } from './scalar.js';
import {
  NOT_INIT,
  ptrReg,
  type RegState,
  regString,
  SlotKind,
  type State,
  scalarReg,
  stackView,
  typeName,
} from './state.js';

/** isGplCompatible follows the kernel's license_is_gpl_compatible. */
export function isGplCompatible(license: string): boolean {
  return [
    'GPL',
    'GPL v2',
    'GPL and additional rights',
    'Dual BSD/GPL',
    'Dual MIT/GPL',
    'Dual MPL/GPL',
  ].includes(license);
}

const MEM_TYPES = new Set(['fp', 'map_value', 'pkt', 'pkt_meta', 'mem']);

interface Meta {
  map?: MapInfo;
  /** sizeMax is the largest size passed for the preceding memory argument. */
  sizeMax?: bigint;
  allocSize?: number;
  release?: RegState;
  /** constKey is a lookup key known from the stack (array maps only). */
  constKey?: bigint;
}

/**
 * constantKey reads a key the stack holds as a known constant: zero bytes, or a spilled constant of
 * exactly the key's size (the kernel's get_constant_map_key, 6.13+).
 */
function constantKey(st: State, reg: RegState, keySize: number): bigint | undefined {
  if (reg.type !== 'fp' || !isConst(reg.v)) return undefined;
  const at = 512 + reg.off + Number(BigInt.asIntN(64, reg.v.t.value));
  if (at < 0 || at >= 512) return undefined;
  const end = (at & ~7) + 8;
  let zeros = 0;
  for (let i = at; i < end && st.stack.bytes[i] === SlotKind.ZERO; i++) zeros++;
  if (zeros >= keySize) return 0n;
  const spilled = st.stack.spills[at >> 3];
  if (spilled?.type !== 'scalar') return undefined;
  let spill = 0;
  for (let i = at; i < end && st.stack.bytes[i] === SlotKind.SPILL; i++) spill++;
  if (spill !== keySize || !isConst(spilled.v)) return undefined;
  return spilled.v.t.value;
}

/** readArg returns argument register r, which must be initialised. */
function readArg(env: Env, st: State, r: number, helper: string): RegState {
  const reg = st.regs[r]!;
  if (reg.type === 'not_init') {
    reject(env, 'uninit-arg', `R${r} (argument ${r} of ${helper}) is not set before the call`, [r]);
  }
  return reg;
}

function memArg(env: Env, st: State, r: number, reg: RegState, size: number, write: boolean, helper: string) {
  if (reg.maybeNull) reject(env, 'null-arg', nullSentence(reg, r), [r]);
  if (!MEM_TYPES.has(reg.type)) {
    reject(
      env,
      'arg-type',
      `R${r} (argument ${r} of ${helper}) must point to memory (stack, map value, packet or ringbuf record), not ${typeName(reg)}`,
      [r],
    );
  }
  if (size === 0) {
    // Even an empty buffer must point inside its object; on the stack, below the frame pointer.
    if (reg.type === 'fp') {
      const lo = reg.v.smin + BigInt(reg.off);
      const hi = reg.v.smax + BigInt(reg.off);
      if (reg.v.smin === S64_MIN || lo < -512n || hi > -1n) {
        reject(
          env,
          'stack-bounds',
          `R${r} (argument ${r} of ${helper}) points outside the stack frame (fp${lo})`,
          [r],
        );
      }
      return;
    }
    checkAccess(env, st, reg, { regno: r, off: 0, size: 0, write: false });
    return;
  }
  if (reg.type === 'fp' && !isConst(reg.v)) {
    // A variable-offset stack buffer is checked for bounds only; the helper's writes are not tracked.
    const lo = reg.v.smin + BigInt(reg.off);
    const hi = reg.v.smax + BigInt(reg.off) + BigInt(size);
    if (reg.v.smin === S64_MIN || lo < -512n || hi > 0n) {
      reject(
        env,
        'stack-bounds',
        `R${r} (argument ${r} of ${helper}) may point outside the stack frame: fp${lo}..fp${hi} for ${size} bytes`,
        [r],
      );
    }
    noteStackDepth(env, stackView(st, reg).subprog, -Number(lo));
    return;
  }
  if (reg.type === 'fp' && write) {
    checkHelperStackRead(env, stackView(st, reg), reg, r, size, true);
    for (let i = 0; i < size; i++) checkAccess(env, st, reg, { regno: r, off: i, size: 1, write: true });
    return;
  }
  if (reg.type === 'fp') {
    checkHelperStackRead(env, stackView(st, reg), reg, r, size);
    return;
  }
  // Checking the first and last byte covers the range: offsets are contiguous.
  checkAccess(env, st, reg, { regno: r, off: 0, size: 1, write });
  if (size > 1) checkAccess(env, st, reg, { regno: r, off: size - 1, size: 1, write });
}

function sizeArg(env: Env, r: number, reg: RegState, zeroOk: boolean, helper: string): Scalar {
  if (reg.type !== 'scalar') {
    reject(env, 'arg-type', `R${r} (size argument of ${helper}) must be a number, not ${typeName(reg)}`, [r]);
  }
  const v = reg.v;
  if (v.smin < 0n) {
    reject(
      env,
      'size-negative',
      `R${r} (size argument of ${helper}) may be negative (${regString(reg)}): bound it with if (size < N) or size &= mask`,
      [r],
    );
  }
  if (v.umin === 0n && !zeroOk) {
    reject(
      env,
      'size-zero',
      `R${r} (size argument of ${helper}) may be zero, and ${helper} needs at least 1 byte`,
      [r],
    );
  }
  if (v.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    reject(
      env,
      'size-unbounded',
      `R${r} (size argument of ${helper}) is unbounded: bound it with if (size < N) or size &= mask`,
      [r],
    );
  }
  return v;
}

function checkArg(
  env: Env,
  st: State,
  args: readonly ArgType[],
  i: number,
  meta: Meta,
  helper: string,
): void {
  const type = args[i]!;
  const r = i + 1;
  const reg = readArg(env, st, r, helper);
  switch (type) {
    case 'anything':
      return;
    case 'ctx':
      if (reg.type !== 'ctx') {
        reject(
          env,
          'arg-type',
          `R${r} (argument ${r} of ${helper}) must be the context pointer, not ${typeName(reg)}`,
          [r],
        );
      }
      if (reg.off !== 0 || !isConst(reg.v) || reg.v.t.value !== 0n) {
        reject(
          env,
          'modified-ctx',
          `R${r}: pass the original context pointer to ${helper}, not ctx+${reg.off}`,
          [r],
        );
      }
      return;
    case 'map':
      if (reg.type !== 'map_ptr') {
        reject(
          env,
          'arg-type',
          `R${r} (argument ${r} of ${helper}) must be a map (r${r} = map[...] ll), not ${typeName(reg)}`,
          [r],
        );
      }
      meta.map = reg.map!;
      return;
    case 'key':
    case 'value':
    case 'uninit_value': {
      if (!meta.map) reject(env, 'arg-type', `${helper} has no map argument before its key or value`, [r]);
      const size = type === 'key' ? meta.map.keySize : meta.map.valueSize;
      if (type === 'key' && (meta.map.type === 'array' || meta.map.type === 'percpu_array')) {
        const k = constantKey(stackView(st, reg), reg, size);
        if (k !== undefined) meta.constKey = k;
      }
      memArg(env, st, r, reg, size, type === 'uninit_value', helper);
      return;
    }
    case 'mem':
    case 'mem_or_null':
    case 'uninit_mem': {
      // The size is the next argument; check it first so the access can use its maximum.
      const sizeType = args[i + 1];
      const sizeReg = readArg(env, st, r + 1, helper);
      const zeroOk = sizeType === 'size_or_zero';
      if (type === 'mem_or_null' && reg.type === 'scalar' && isConst(reg.v) && reg.v.t.value === 0n) {
        const v = sizeArg(env, r + 1, sizeReg, zeroOk, helper);
        if (v.umax !== 0n) {
          reject(env, 'arg-type', `R${r} is NULL, so its size R${r + 1} must be 0`, [r, r + 1]);
        }
        return;
      }
      const v = sizeArg(env, r + 1, sizeReg, zeroOk, helper);
      meta.sizeMax = v.umax;
      memArg(env, st, r, reg, Number(v.umax), type === 'uninit_mem', helper);
      return;
    }
    case 'size':
    case 'size_or_zero':
      return;
    case 'alloc_size':
      if (reg.type !== 'scalar' || !isConst(reg.v)) {
        reject(env, 'alloc-size', `R${r} (size of ${helper}) must be a known constant`, [r]);
      }
      meta.allocSize = Number(reg.v.t.value);
      return;
    case 'ringbuf_mem':
      if (reg.type !== 'mem' || reg.refId === 0) {
        reject(
          env,
          'arg-type',
          `R${r} (argument ${r} of ${helper}) must be a record from bpf_ringbuf_reserve that is not yet submitted or discarded, not ${typeName(reg)}`,
          [r],
        );
      }
      if (reg.maybeNull) reject(env, 'null-arg', nullSentence(reg, r), [r]);
      if (reg.off !== 0 || !isConst(reg.v) || reg.v.t.value !== 0n) {
        reject(
          env,
          'release-offset',
          `R${r} must point to the start of the ringbuf record when passed to ${helper}`,
          [r],
        );
      }
      meta.release = reg;
      return;
  }
}

/** forEachReg visits every register and spilled register of a state, replacing it with fn's result. */
export function mapRegs(st: State, fn: (r: RegState) => RegState): void {
  // Callers' registers and stacks too: a released or invalidated pointer dies in every frame.
  for (const f of [...st.callers, st]) {
    for (let i = 0; i < f.regs.length; i++) f.regs[i] = fn(f.regs[i]!);
    for (let s = 0; s < f.stack.spills.length; s++) {
      const sp = f.stack.spills[s];
      if (sp) f.stack.spills[s] = fn(sp);
    }
  }
}

const unknownReg = (): RegState => scalarReg(unknownScalar());

/** checkCall checks a helper call at env.pc and applies its effects to st. */
export function checkCall(env: Env, st: State, id: number): void {
  const name = helperName(id) ?? `unknown#${id}`;
  const proto = helperProto(id);
  if (!proto) {
    if (helperName(id) === undefined) reject(env, 'unknown-helper', `call to unknown helper #${id}`);
    reject(
      env,
      'unsupported-helper',
      `${name}#${id} is not modelled by bpfkit's verifier; the kernel may still accept it`,
    );
  }
  if (!helperAllowed(proto, env.opts.type)) {
    reject(env, 'helper-not-allowed', `${env.opts.type} programs cannot call ${name}#${id}`);
  }
  if (proto.gplOnly && !isGplCompatible(env.opts.license)) {
    reject(
      env,
      'gpl-only',
      `${name} is GPL-only, and the program's license '${env.opts.license}' is not GPL-compatible`,
    );
  }
  const meta: Meta = {};
  const t = env.opts.type;
  const skb = t === 'socket_filter' || t === 'sched_cls' || t === 'cgroup_skb';
  const args = skb && proto.skbArgs ? proto.skbArgs : proto.args;
  for (let i = 0; i < args.length; i++) checkArg(env, st, args, i, meta, name);
  if (meta.map && proto.mapTypes && !proto.mapTypes.includes(meta.map.type)) {
    reject(env, 'map-type', `${name} cannot take the ${meta.map.type} map '${meta.map.name}'`, [1]);
  }
  if (!proto.mapTypes && meta.map && meta.map.type === 'ringbuf') {
    reject(env, 'map-type', `${name} cannot take the ringbuf map '${meta.map.name}'`, [1]);
  }
  if (meta.release) {
    const refId = meta.release.refId;
    st.refs = st.refs.filter((ref) => ref.id !== refId);
    mapRegs(st, (r) => (r.refId === refId ? unknownReg() : r));
  }
  if (proto.changesPacket) {
    mapRegs(st, (r) =>
      r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end' ? unknownReg() : r,
    );
  }
  for (let r = 1; r <= 5; r++) st.regs[r] = NOT_INIT;
  switch (proto.ret) {
    case 'void':
      st.regs[0] = NOT_INIT;
      break;
    case 'integer':
      st.regs[0] = retInteger(env, proto.name, meta);
      break;
    case 'map_value_or_null': {
      // An array lookup with a constant key inside the array cannot fail.
      const maybeNull = !(
        proto.name === 'bpf_map_lookup_elem' &&
        meta.constKey !== undefined &&
        meta.constKey < BigInt(meta.map!.maxEntries)
      );
      st.regs[0] = {
        ...ptrReg('map_value'),
        maybeNull,
        map: meta.map!,
        id: maybeNull ? env.nextId() : 0,
        origin: env.pc,
        helper: name,
      };
      break;
    }
    case 'ringbuf_mem_or_null': {
      const refId = env.nextId();
      st.refs = [...st.refs, { id: refId, pc: env.pc, helper: name }];
      st.regs[0] = {
        ...ptrReg('mem'),
        maybeNull: true,
        size: meta.allocSize ?? 0,
        id: refId,
        refId,
        origin: env.pc,
        helper: name,
      };
      break;
    }
    case 'btf_task': {
      const task = env.opts.btf?.findType('task_struct', 'struct');
      st.regs[0] = task ? ptrReg('btf_id', { btfType: task.id, trusted: true }) : ptrReg('btf_id');
      break;
    }
  }
}

/** retInteger narrows helpers whose result the kernel bounds: string copies return at most the size. */
function retInteger(env: Env, name: string, meta: Meta): RegState {
  if (name === 'bpf_get_smp_processor_id') {
    return scalarReg(rangeScalar(0n, BigInt(env.opts.possibleCpus - 1)));
  }
  if (
    meta.sizeMax !== undefined &&
    (name === 'bpf_probe_read_str' ||
      name === 'bpf_probe_read_user_str' ||
      name === 'bpf_probe_read_kernel_str' ||
      name === 'bpf_get_stack')
  ) {
    return scalarReg(signedRangeScalar(-4095n, meta.sizeMax));
  }
  return unknownReg();
}
