// ALU instructions: scalar arithmetic through the bounds transfer functions, and the kernel's
// pointer-arithmetic rules (which operators, which pointer types, how far an offset may go).

import type { Insn } from '../asm/instruction.js';
import { AluOp, Class, opClass, opOp, opSource, Source } from '../asm/opcodes.js';
import { BPF_MAX_VAR_OFF, type Env, reject } from './env.js';
import {
  aluScalar,
  constScalar,
  isConst,
  S64_MIN,
  type Scalar,
  type ScalarOp,
  sextScalar,
  sync,
  truncScalar,
  U32_MAX,
  unknownScalar,
  zext32,
} from './scalar.js';
import { type RegState, regString, type State, scalarReg, typeName } from './state.js';
import { s32, tnumAdd, tnumCast, tnumSub } from './tnum.js';

const OP_NAMES: Record<number, string> = {
  [AluOp.ADD]: 'add',
  [AluOp.SUB]: 'sub',
  [AluOp.MUL]: 'mul',
  [AluOp.DIV]: 'div',
  [AluOp.OR]: 'or',
  [AluOp.AND]: 'and',
  [AluOp.LSH]: 'lsh',
  [AluOp.RSH]: 'rsh',
  [AluOp.NEG]: 'neg',
  [AluOp.MOD]: 'mod',
  [AluOp.XOR]: 'xor',
  [AluOp.MOV]: 'mov',
  [AluOp.ARSH]: 'arsh',
  [AluOp.END]: 'end',
};

const SCALAR_OPS: Record<number, ScalarOp> = {
  [AluOp.ADD]: 'add',
  [AluOp.SUB]: 'sub',
  [AluOp.MUL]: 'mul',
  [AluOp.OR]: 'or',
  [AluOp.AND]: 'and',
  [AluOp.XOR]: 'xor',
  [AluOp.LSH]: 'lsh',
  [AluOp.RSH]: 'rsh',
  [AluOp.ARSH]: 'arsh',
};

const unknown = (): RegState => scalarReg(unknownScalar());

/** readReg returns register r, which must have been written on this path. */
export function readReg(env: Env, st: State, r: number): RegState {
  validReg(env, r);
  const reg = st.regs[r]!;
  if (reg.type === 'not_init') {
    reject(env, 'uninit-reg', `R${r} is read before it is written on this path`, [r]);
  }
  return reg;
}

/** checkWritable rejects writes to r10. */
function validReg(env: Env, r: number): void {
  if (r > 10) reject(env, 'bad-register', `R${r} is not a register: eBPF has r0 to r10`);
}

export function checkWritable(env: Env, r: number): void {
  validReg(env, r);
  if (r === 10)
    reject(
      env,
      'fp-readonly',
      'R10 is the frame pointer and is read-only: copy it to another register first',
    );
}

function reserved(env: Env, what: string): never {
  return reject(env, 'reserved-fields', `${what} uses reserved fields (a field that must be zero is not)`);
}

/** checkReservedAlu applies the kernel's encoding checks to an ALU instruction. */
function checkReservedAlu(env: Env, i: Insn, op: number, alu64: boolean, x: boolean): void {
  if (op === AluOp.NEG) {
    if (x || i.src !== 0 || i.off !== 0 || i.imm !== 0) reserved(env, 'BPF_NEG');
  } else if (op === AluOp.END) {
    if (i.src !== 0 || i.off !== 0 || (i.imm !== 16 && i.imm !== 32 && i.imm !== 64) || (alu64 && x)) {
      reserved(env, 'BPF_END');
    }
  } else if (op === AluOp.MOV) {
    if (x) {
      const offs = alu64 ? [0, 8, 16, 32] : [0, 8, 16];
      if (i.imm !== 0 || !offs.includes(i.off)) reserved(env, 'BPF_MOV');
    } else if (i.src !== 0 || i.off !== 0) reserved(env, 'BPF_MOV');
  } else if (op > AluOp.END) {
    reject(env, 'bad-opcode', `invalid ALU opcode 0x${op.toString(16)}`);
  } else {
    const offOk = i.off === 0 || (i.off === 1 && (op === AluOp.DIV || op === AluOp.MOD));
    if (!offOk || (x ? i.imm !== 0 : i.src !== 0)) reserved(env, `BPF_ALU ${OP_NAMES[op]}`);
  }
}

function bswapConst(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let b = 0; b < bits / 8; b++) out = (out << 8n) | ((v >> BigInt(b * 8)) & 0xffn);
  return out;
}

/** checkAlu checks and applies one ALU or ALU64 instruction. */
export function checkAlu(env: Env, st: State, i: Insn): void {
  const alu64 = opClass(i.code) === Class.ALU64;
  const op = opOp(i.code);
  const x = opSource(i.code) === Source.X;
  checkReservedAlu(env, i, op, alu64, x);

  if (op === AluOp.END || op === AluOp.NEG) {
    const dst = readReg(env, st, i.dst);
    checkWritable(env, i.dst);
    if (dst.type !== 'scalar') {
      st.regs[i.dst] = unknown();
      return;
    }
    if (op === AluOp.NEG) {
      st.regs[i.dst] = scalarReg(aluScalar('sub', constScalar(0n), dst.v, !alu64));
      return;
    }
    const bytes = i.imm / 8;
    const toLe = !alu64 && !x;
    if (toLe) {
      // On a little-endian machine, to-little-endian only truncates.
      st.regs[i.dst] = scalarReg(truncScalar(dst.v, bytes));
      return;
    }
    // Swapping bytes permutes known and unknown bits alike, so the tnum swaps exactly.
    const t = tnumCast(dst.v.t, bytes);
    const swapped = { value: bswapConst(t.value, i.imm), mask: bswapConst(t.mask, i.imm) };
    st.regs[i.dst] = scalarReg(sync({ ...unknownScalar(), t: swapped }));
    return;
  }

  if (op === AluOp.MOV) {
    checkMov(env, st, i, alu64, x);
    return;
  }

  const src: RegState = x
    ? readReg(env, st, i.src)
    : scalarReg(constScalar(alu64 ? BigInt(i.imm) : BigInt(i.imm >>> 0)));
  const dst = readReg(env, st, i.dst);
  checkWritable(env, i.dst);
  if (!x && (op === AluOp.DIV || op === AluOp.MOD) && i.imm === 0) {
    reject(env, 'div-by-zero', `division by the constant zero`);
  }
  if (!x && (op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH)) {
    const width = alu64 ? 64 : 32;
    if (i.imm < 0 || i.imm >= width) reject(env, 'bad-shift', `shift by ${i.imm} is outside 0..${width - 1}`);
  }
  if (dst.type !== 'scalar' || src.type !== 'scalar') {
    st.regs[i.dst] = pointerAlu(env, i, op, alu64, dst, src, x);
    return;
  }
  const result = scalarReg(scalarAlu(op, dst.v, src.v, alu64));
  if (op === AluOp.ADD && alu64 && dst.id !== 0 && isConst(src.v)) {
    // A linked copy plus a small constant stays linked, remembering the constant; a second addition
    // (or a large constant) breaks the link, as in the kernel.
    const val = src.v.t.value;
    if (!dst.addConst && val <= S32_MAX_U) {
      result.id = dst.id;
      result.addConst = true;
      result.off = Number(val);
    }
  }
  st.regs[i.dst] = result;
}

const S32_MAX_U = 0x7fffffffn;

function checkMov(env: Env, st: State, i: Insn, alu64: boolean, x: boolean): void {
  if (!x) {
    checkWritable(env, i.dst);
    st.regs[i.dst] = scalarReg(constScalar(alu64 ? BigInt(i.imm) : BigInt(i.imm >>> 0)));
    return;
  }
  let src = readReg(env, st, i.src);
  checkWritable(env, i.dst);
  if (alu64 && i.off === 0) {
    if (src.type === 'scalar' && src.id === 0 && !isConst(src.v)) {
      // Link the copies: a bound learnt on one applies to the other (the kernel's linked scalars).
      src = { ...src, id: env.nextId() };
      st.regs[i.src] = src;
    }
    st.regs[i.dst] = src;
    return;
  }
  if (src.type !== 'scalar') {
    st.regs[i.dst] = scalarReg(alu64 ? unknownScalar() : zext32(unknownScalar()));
    return;
  }
  if (i.off !== 0) {
    const v = sextScalar(src.v, i.off / 8);
    st.regs[i.dst] = scalarReg(alu64 ? v : zext32(v));
    return;
  }
  if (src.v.umax <= U32_MAX) {
    // A value that fits in 32 bits is its own zero extension: the copy stays linked to it.
    if (src.id === 0) {
      src = { ...src, id: env.nextId() };
      st.regs[i.src] = src;
    }
    st.regs[i.dst] = src;
    return;
  }
  st.regs[i.dst] = scalarReg(zext32(src.v));
}

/** scalarAlu computes a scalar result; operators the kernel does not track give an unknown value. */
function scalarAlu(op: number, dst: Scalar, src: Scalar, alu64: boolean): Scalar {
  const sop = SCALAR_OPS[op];
  const width = alu64 ? 64n : 32n;
  if (sop === undefined) return unknownScalar();
  if (sop === 'lsh' || sop === 'rsh' || sop === 'arsh') {
    const known = alu64 ? isConst(src) : src.u32min === src.u32max;
    const amount = alu64 ? src.umax : src.u32max;
    if (!known || amount >= width) return unknownScalar();
  }
  return aluScalar(sop, dst, src, !alu64);
}

const MATH_OK = new Set(['ctx', 'fp', 'map_value', 'pkt', 'pkt_meta', 'mem', 'btf_id']);

function pointerAlu(
  env: Env,
  i: Insn,
  op: number,
  alu64: boolean,
  dst: RegState,
  src: RegState,
  x: boolean,
): RegState {
  const name = OP_NAMES[op] ?? '?';
  if (dst.type !== 'scalar' && src.type !== 'scalar') {
    // Combining two pointers yields a number; only subtraction is allowed (root may leak pointers).
    if (op === AluOp.SUB && env.opts.privileged) return unknown();
    reject(env, 'ptr-ptr', `R${i.dst} ${name} R${i.src}: arithmetic between two pointers is not allowed`, [
      i.dst,
      i.src,
    ]);
  }
  const ptrIsDst = dst.type !== 'scalar';
  const ptr = ptrIsDst ? dst : src;
  const offReg = ptrIsDst ? src : dst;
  const pr = ptrIsDst ? i.dst : i.src;
  if (!alu64) {
    if (op === AluOp.SUB && env.opts.privileged) return unknown();
    reject(env, 'ptr-alu32', `R${pr} is a pointer; 32-bit arithmetic on pointers is not allowed`, [pr]);
  }
  if (ptr.maybeNull) {
    reject(
      env,
      'null-ptr-math',
      `R${pr} might be NULL (${typeName(ptr)}): null-check it before doing arithmetic on it`,
      [pr],
    );
  }
  const off = offReg.v;
  const known = isConst(off);
  const allowed =
    MATH_OK.has(ptr.type) || (ptr.type === 'map_ptr' && known && off.t.value === 0n && op === AluOp.ADD);
  if (!allowed) {
    reject(env, 'ptr-math', `R${pr} is a ${typeName(ptr)}; arithmetic on it is not allowed`, [pr]);
  }
  if (op === AluOp.SUB && !ptrIsDst) {
    reject(
      env,
      'scalar-minus-ptr',
      `R${i.dst} -= R${i.src}: subtracting a pointer from a number is not allowed`,
      [i.dst, i.src],
    );
  }
  if (op === AluOp.AND || op === AluOp.OR || op === AluOp.XOR) {
    reject(env, 'ptr-bitwise', `R${pr}: bitwise ${name} on a pointer is not allowed`, [pr]);
  }
  if (op !== AluOp.ADD && op !== AluOp.SUB) {
    reject(env, 'ptr-op', `R${pr}: ${name} on a pointer is not allowed, only add and subtract`, [pr]);
  }
  if (op === AluOp.SUB && ptr.type === 'fp') {
    reject(
      env,
      'fp-sub',
      `R${pr}: subtracting a register from the stack pointer is not allowed; add a negative number`,
      [pr],
    );
  }
  saneOffset(env, offReg, ptr, pr, x ? (ptrIsDst ? i.src : i.dst) : -1);
  saneOffset(env, ptr, ptr, pr, pr);
  let res: RegState;
  const fixed = known ? BigInt.asIntN(64, off.t.value) : 0n;
  if (known) {
    const n = op === AluOp.ADD ? BigInt(ptr.off) + fixed : BigInt(ptr.off) - fixed;
    if (n === BigInt(s32(n))) {
      res = { ...ptr, off: Number(n) };
    } else {
      res = varOffset(env, ptr, off, op);
    }
  } else {
    res = varOffset(env, ptr, off, op);
  }
  saneOffset(env, res, res, pr, pr);
  return res;
}

function varOffset(env: Env, ptr: RegState, off: Scalar, op: number): RegState {
  const v = ptr.v;
  let nv: Scalar;
  if (op === AluOp.ADD) {
    nv = sync({
      ...aluScalar('add', v, off, false),
      t: tnumAdd(v.t, off.t),
    });
  } else {
    nv = sync({ ...aluScalar('sub', v, off, false), t: tnumSub(v.t, off.t) });
  }
  const res: RegState = { ...ptr, v: nv };
  if (ptr.type === 'pkt' || ptr.type === 'pkt_meta') {
    // A variable offset makes a new packet pointer: no range is known for it yet.
    res.id = env.nextId();
    res.range = 0;
  }
  return res;
}

/** saneOffset is the kernel's check_reg_sane_offset: offsets stay within ±2^29. */
function saneOffset(env: Env, reg: RegState, ptr: RegState, pr: number, shown: number): void {
  const v = reg.v;
  const lim = BigInt(BPF_MAX_VAR_OFF);
  const kind = typeName(ptr);
  const regs = shown >= 0 ? [shown] : [];
  if (isConst(v)) {
    const val = BigInt.asIntN(64, v.t.value);
    if (val >= lim || val <= -lim) {
      reject(env, 'ptr-offset', `R${pr}: adding ${val} to a ${kind} pointer is out of bounds`, regs);
    }
  }
  if (reg.off >= BPF_MAX_VAR_OFF || reg.off <= -BPF_MAX_VAR_OFF) {
    reject(env, 'ptr-offset', `R${pr}: ${kind} pointer offset ${reg.off} is out of bounds`, regs);
  }
  if (v.smin === S64_MIN) {
    reject(
      env,
      'ptr-unbounded',
      `R${pr}: adding a number with no lower bound to a ${kind} pointer (${regString(reg)}): bound it first`,
      regs,
    );
  }
  if (v.smin >= lim || v.smin <= -lim) {
    reject(env, 'ptr-offset', `R${pr}: offset ${v.smin} makes the ${kind} pointer out of bounds`, regs);
  }
}
