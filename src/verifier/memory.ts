// Memory access checks: every load and store through a pointer — stack, context, map value, packet,
// ringbuf record — with bounds, alignment and initialisation, as the kernel's check_mem_access.

import type { Btf } from '../btf/btf.js';
import { safeField, walkStruct } from './btf-access.js';
import { sockCommonLoad } from './context.js';
import { BPF_MAX_VAR_OFF, type Env, noteStackDepth, reject } from './env.js';
import {
  constScalar,
  isConst,
  S64_MIN,
  type Scalar,
  sextScalar,
  truncScalar,
  unknownScalar,
} from './scalar.js';
import {
  frameOf,
  ptrReg,
  type RegState,
  regString,
  SlotKind,
  type State,
  scalarReg,
  stackView,
  typeName,
} from './state.js';
import { tnumAdd, tnumConst } from './tnum.js';

export const STACK = 512;

/** Access describes one memory operation. */
export interface Access {
  /** reg is the pointer register number, for messages. */
  regno: number;
  off: number;
  size: number;
  write: boolean;
  /** value is the register being stored (STX), or undefined for ST / atomics / helpers. */
  value?: RegState;
  /** imm is the immediate of an ST store. */
  imm?: number;
  /** signExtend is set on ldsx loads. */
  signExtend?: boolean;
  /** what names the operation for messages: 'read', 'write', 'helper access'. */
  what?: string;
}

const loadResult = (size: number, sx: boolean | undefined): RegState =>
  scalarReg(sx ? sextScalar(unknownScalar(), size) : truncScalar(unknownScalar(), size));

const isFixed = (v: Scalar): boolean => isConst(v) && v.t.value === 0n;

/** checkMemRegion checks [off + var, off + var + size) lies within [0, limit) (check_mem_region_access). */
function checkMemRegion(env: Env, reg: RegState, a: Access, limit: number, kind: string): void {
  const off = a.off + reg.off;
  const v = reg.v;
  const r = a.regno;
  if (v.smin < 0n && (v.smin === S64_MIN || v.smin + BigInt(off) < 0n)) {
    reject(
      env,
      'negative-offset',
      `R${r} may point below the start of the ${kind} (its minimum offset is negative): check the index is >= 0 or use an unsigned one`,
      [r],
    );
  }
  const lo = v.smin + BigInt(off);
  if (lo < 0n || lo + BigInt(a.size) > BigInt(limit)) {
    reject(
      env,
      'out-of-bounds',
      `invalid access to ${kind}: offset ${lo} size ${a.size} is outside its ${limit} bytes`,
      [r],
    );
  }
  if (v.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    reject(
      env,
      'unbounded-access',
      `R${r} has an unbounded offset into the ${kind}: bound the index first (if (i < N) or i &= mask)`,
      [r],
    );
  }
  const hi = v.umax + BigInt(off);
  if (hi < 0n || hi + BigInt(a.size) > BigInt(limit)) {
    reject(
      env,
      'out-of-bounds',
      `invalid access to ${kind}: the offset may reach ${hi}, and ${hi} + ${a.size} bytes exceeds its ${limit} bytes`,
      [r],
    );
  }
}

function stackByteOk(env: Env, st: State, at: number, a: Access): void {
  const kind = st.stack.bytes[at]!;
  if (kind === SlotKind.INVALID && !env.opts.privileged) {
    reject(
      env,
      'uninit-stack',
      `R${a.regno} reads stack byte fp${at - STACK} before anything was written there`,
      [a.regno],
    );
  }
}

/** scrubSlot forgets the register spilled in slot spi; its bytes become plain data. */
function scrubSlot(st: State, spi: number): void {
  if (!st.stack.spills[spi]) return;
  st.stack.spills[spi] = undefined;
  for (let i = spi * 8; i < spi * 8 + 8; i++) {
    if (st.stack.bytes[i] === SlotKind.SPILL) st.stack.bytes[i] = SlotKind.MISC;
  }
}

/** stackWrite stores at the fixed frame offset `at` (0..511 index from the frame's lowest byte). */
function stackWrite(st: State, at: number, a: Access): void {
  const spi = at >> 3;
  const aligned8 = at % 8 === 0;
  let spill: RegState | undefined;
  let kind: number = SlotKind.MISC;
  if (a.value) {
    if (a.value.type !== 'scalar') {
      if (a.size === 8) spill = a.value;
    } else if (aligned8) {
      spill = a.value;
    } else if (isConst(a.value.v) && a.value.v.t.value === 0n) {
      kind = SlotKind.ZERO;
    }
  } else if (a.imm !== undefined) {
    if (aligned8 && a.size === 8) spill = scalarReg(constScalar(BigInt(a.imm)));
    else if (a.imm === 0) kind = SlotKind.ZERO;
  }
  scrubSlot(st, spi);
  if (spill) {
    st.stack.spills[spi] = spill;
    kind = SlotKind.SPILL;
  }
  for (let i = at; i < at + a.size; i++) st.stack.bytes[i] = kind;
}

function stackRead(env: Env, st: State, at: number, a: Access): RegState {
  const spi = at >> 3;
  const spilled = st.stack.spills[spi];
  if (spilled) {
    let spillSize = 0;
    for (let i = spi * 8; i < spi * 8 + 8 && st.stack.bytes[i] === SlotKind.SPILL; i++) spillSize++;
    if (a.size === 8 && spillSize === 8) {
      if (a.signExtend && spilled.type === 'scalar') return scalarReg(sextScalar(spilled.v, 8));
      return spilled;
    }
    if (spilled.type !== 'scalar') {
      reject(
        env,
        'partial-fill',
        `R${a.regno} reads ${a.size} of the 8 bytes of a spilled ${typeName(spilled)}: pointers on the stack can only be reloaded whole`,
        [a.regno],
      );
    }
    if (at % 8 === 0 && a.size <= spillSize) {
      return scalarReg(a.signExtend ? sextScalar(spilled.v, a.size) : truncScalar(spilled.v, a.size));
    }
  }
  let zero = true;
  for (let i = at; i < at + a.size; i++) {
    stackByteOk(env, st, i, a);
    if (st.stack.bytes[i] !== SlotKind.ZERO) zero = false;
  }
  if (zero) return scalarReg(constScalar(0n));
  return loadResult(a.size, a.signExtend);
}

function stackAccess(env: Env, st: State, reg: RegState, a: Access): RegState | undefined {
  const r = a.regno;
  const fixed = isFixed(reg.v);
  const t = tnumAdd(reg.v.t, tnumConst(BigInt(reg.off + a.off)));
  if ((t.value | t.mask) & BigInt(a.size - 1) && a.size > 1) {
    reject(
      env,
      'misaligned-stack',
      `misaligned stack access: fp${reg.off + a.off >= 0 ? '+' : ''}${reg.off + a.off} is not a multiple of the ${a.size}-byte access size`,
      [r],
    );
  }
  const minOff = reg.v.smin + BigInt(reg.off + a.off);
  const maxOff = reg.v.smax + BigInt(reg.off + a.off);
  if (minOff < -BigInt(STACK) || maxOff + BigInt(a.size) > 0n || reg.v.smin === S64_MIN) {
    const where = fixed ? `fp${minOff}` : `fp${minOff}..fp${maxOff}`;
    reject(
      env,
      'stack-bounds',
      `invalid ${a.write ? 'write to' : 'read from'} stack at ${where} size ${a.size}: the frame is fp-512..fp-1`,
      [r],
    );
  }
  noteStackDepth(env, st.subprog, -Number(minOff));
  if (a.write && a.value?.type === 'fp' && frameOf(reg) !== st.callers.length) {
    reject(
      env,
      'caller-stack-spill',
      `R${r}: a pointer to the stack cannot be stored in a caller's stack frame`,
      [r],
    );
  }
  if (!fixed) {
    // Variable offsets: writes make every byte they may touch plain data; reads give an unknown value.
    const lo = Number(minOff) + STACK;
    const hi = Number(maxOff) + STACK + a.size;
    if (a.write) {
      for (let i = lo; i < hi; i++) {
        scrubSlot(st, i >> 3);
        st.stack.bytes[i] = SlotKind.MISC;
      }
      return undefined;
    }
    for (let i = lo; i < hi; i++) stackByteOk(env, st, i, a);
    return loadResult(a.size, a.signExtend);
  }
  const at = Number(minOff) + STACK;
  if (a.write) {
    if (a.value && a.value.type !== 'scalar' && a.size !== 8) {
      reject(
        env,
        'partial-spill',
        `R${r}: storing ${a.size} bytes of a ${typeName(a.value)} to the stack; pointers are spilled whole (8 bytes)`,
        [r],
      );
    }
    stackWrite(st, at, a);
    return undefined;
  }
  return stackRead(env, st, at, a);
}

/**
 * btfAccess checks a load through a BTF-typed pointer: read only, at a constant offset, inside one
 * member; a pointer member yields a pointer to its struct, NULL-able when the kernel says it may be.
 */
function btfAccess(env: Env, btf: Btf, reg: RegState, a: Access): RegState {
  const r = a.regno;
  const struct = reg.btfType === 0 ? 'untrusted memory' : btf.nameOf(reg.btfType!);
  if (a.write) {
    reject(env, 'btf-access', `R${r}: struct ${struct} is kernel memory; it can be read, not written`, [r]);
  }
  if (reg.btfTag !== undefined) {
    reject(env, 'btf-access', `R${r} points to __${reg.btfTag} memory, which cannot be read directly`, [r]);
  }
  if (reg.v.t.mask !== 0n || reg.v.t.value !== 0n) {
    reject(env, 'btf-access', `R${r}: struct ${struct} fields must be read at a constant offset`, [r]);
  }
  const off = reg.off + a.off;
  if (off < 0) reject(env, 'btf-access', `R${r}: negative offset ${off} into struct ${struct}`, [r]);
  // Memory behind a pointer to a non-struct is read with fault handling: any constant offset will do.
  if (reg.btfType === 0) return loadResult(a.size, a.signExtend);
  const w = walkStruct(btf, reg.btfType!, off, a.size);
  if (w.kind === 'error') reject(env, 'btf-access', `R${r}: ${w.sentence}`, [r]);
  if (w.kind === 'scalar') return loadResult(a.size, a.signExtend);
  // The kernel's lists name the field by the pointer's own struct, even inside an anonymous member.
  const safe = (suffix: string): boolean => !!reg.trusted && safeField(btf, struct, w.field, suffix);
  const out = ptrReg('btf_id', { btfType: w.type });
  if (w.tag === 'user' || w.tag === 'percpu') return { ...out, btfTag: w.tag };
  if (w.type === 0) return out;
  // The kernel's rules for pointers read inside an RCU read section (every non-sleepable program):
  // listed fields of trusted pointers stay trusted or may be NULL; others are plain, never NULL.
  if (safe('__safe_trusted') || safe('__safe_rcu')) return { ...out, trusted: true };
  if (w.tag === 'rcu' || safe('__safe_rcu_or_null') || safe('__safe_trusted_or_null')) {
    return { ...out, maybeNull: true, id: env.nextId(), origin: env.pc, helper: `the load of ${w.field}` };
  }
  return out;
}

/** canWritePacket says the program type may store into packet data. */
const canWritePacket = (env: Env): boolean => env.opts.type === 'sched_cls' || env.opts.type === 'xdp';

function packetAccess(env: Env, reg: RegState, a: Access): RegState | undefined {
  const r = a.regno;
  if (a.write && !canWritePacket(env)) {
    reject(env, 'packet-readonly', `cannot write into packet: ${env.opts.type} programs may only read it`, [
      r,
    ]);
  }
  if (reg.v.smin < 0n) {
    reject(
      env,
      'negative-offset',
      `R${r} may point before the packet start (negative variable offset): use an unsigned index`,
      [r],
    );
  }
  const off = reg.off + a.off;
  const range = reg.range ?? 0;
  if (off < 0 || off + a.size > range) {
    reject(
      env,
      'packet-bounds',
      range === 0
        ? `R${r} reads packet byte ${off} without a bounds check: compare R${r} + ${off + a.size} against data_end first`
        : `invalid access to packet: bytes ${off}..${off + a.size - 1} but only ${range} bytes after R${r} were checked against data_end`,
      [r],
    );
  }
  return a.write ? undefined : loadResult(a.size, a.signExtend);
}

function ctxAccess(env: Env, reg: RegState, a: Access): RegState | undefined {
  const r = a.regno;
  if (reg.off !== 0 || !isFixed(reg.v)) {
    reject(
      env,
      'modified-ctx',
      `R${r} is the context pointer moved by ${reg.off}${isFixed(reg.v) ? '' : ' plus a variable'}: access context fields through the original pointer with an instruction offset`,
      [r],
    );
  }
  if (a.write) {
    if (!env.rules.store(a.off, a.size)) {
      reject(env, 'ctx-access', `${env.rules.name} field at offset ${a.off} size ${a.size} is not writable`, [
        r,
      ]);
    }
    return undefined;
  }
  const kind = env.rules.load(a.off, a.size);
  if (kind === undefined || (a.signExtend && kind !== 'scalar')) {
    reject(
      env,
      'ctx-access',
      `invalid ${env.rules.name} access at offset ${a.off} size ${a.size}: no readable field there at that width`,
      [r],
    );
  }
  switch (kind) {
    case 'scalar':
      return loadResult(a.size, a.signExtend);
    case 'sock_common_or_null':
      return { ...ptrReg('sock_common'), maybeNull: true, id: env.nextId() };
    case 'pkt':
      return ptrReg('pkt', { range: 0 });
    case 'pkt_meta':
      return ptrReg('pkt_meta', { range: 0 });
    default:
      return ptrReg('pkt_end');
  }
}

/**
 * checkHelperStackRead checks that a helper may read `size` bytes of stack at a fixed offset: inside
 * the frame, and initialised unless root (root may also pass spilled pointers, as the kernel allows).
 */
export function checkHelperStackRead(
  env: Env,
  st: State,
  reg: RegState,
  regno: number,
  size: number,
  write = false,
): void {
  const start = reg.off + Number(BigInt.asIntN(64, reg.v.t.value));
  if (start < -STACK || start + size > 0) {
    reject(
      env,
      'stack-bounds',
      `R${regno} points at fp${start}, and ${size} bytes from there leave the frame fp-512..fp-1`,
      [regno],
    );
  }
  noteStackDepth(env, st.subprog, -start);
  if (env.opts.privileged || write) return;
  for (let i = start + STACK; i < start + STACK + size; i++) {
    const kind = st.stack.bytes[i]!;
    const spilled = st.stack.spills[i >> 3];
    if (kind === SlotKind.INVALID || (kind === SlotKind.SPILL && spilled && spilled.type !== 'scalar')) {
      reject(
        env,
        'uninit-stack',
        `R${regno} passes stack byte fp${i - STACK} that holds no data to a helper`,
        [regno],
      );
    }
  }
}

/** nullSentence explains a dereference of a maybe-null pointer. */
export function nullSentence(reg: RegState, r: number): string {
  const from = reg.helper
    ? `the result of ${reg.helper}${reg.origin !== undefined ? ` (insn ${reg.origin})` : ''}`
    : 'it';
  return `R${r} might be NULL here: check ${from} before dereferencing it`;
}

/**
 * checkAccess checks one load or store through register `reg` and returns what a load yields. It
 * may change the stack in `st` (stores, spills).
 */
export function checkAccess(env: Env, st: State, reg: RegState, a: Access): RegState | undefined {
  const r = a.regno;
  if (reg.maybeNull) reject(env, 'null-deref', nullSentence(reg, r), [r]);
  switch (reg.type) {
    case 'fp':
      return stackAccess(env, stackView(st, reg), reg, a);
    case 'ctx':
      return ctxAccess(env, reg, a);
    case 'map_value': {
      checkMemRegion(env, reg, a, reg.map!.valueSize, `map value (value_size=${reg.map!.valueSize})`);
      return a.write ? undefined : loadResult(a.size, a.signExtend);
    }
    case 'mem': {
      checkMemRegion(env, reg, a, reg.size ?? 0, `ringbuf record (size ${reg.size ?? 0})`);
      return a.write ? undefined : loadResult(a.size, a.signExtend);
    }
    case 'pkt':
    case 'pkt_meta':
      return packetAccess(env, reg, a);
    case 'sock_common':
      if (a.write) reject(env, 'sock-readonly', `R${r} points to a socket, which programs cannot write`, [r]);
      if (reg.off !== 0 || !isFixed(reg.v) || !sockCommonLoad(a.off, a.size) || a.signExtend) {
        reject(
          env,
          'sock-access',
          `invalid struct bpf_sock access at offset ${reg.off + a.off} size ${a.size} through R${r}`,
          [r],
        );
      }
      return loadResult(a.size, false);
    case 'btf_id':
      if (reg.btfType === undefined || !env.opts.btf) {
        return reject(
          env,
          'btf-access',
          `R${r} is a BTF-typed kernel pointer (${typeName(reg)}); without the kernel's BTF (the btf option) bpfkit's verifier cannot check field access through it`,
          [r],
        );
      }
      return btfAccess(env, env.opts.btf, reg, a);
    case 'not_init':
      return reject(env, 'uninit-reg', `R${r} is used as a pointer before it is set`, [r]);
    default:
      return reject(
        env,
        'invalid-mem',
        `R${r} is ${reg.type === 'scalar' ? 'a number' : `a ${typeName(reg)}`}, not a pointer to memory it may ${a.write ? 'write' : 'read'} (${regString(reg)})`,
        [r],
      );
  }
}
