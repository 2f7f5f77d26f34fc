// interpret: the reference tier — one instruction at a time, registers as unsigned 64-bit BigInts,
// written to be obviously right rather than fast. The compiled tier is checked against it.

import type { Insn } from '../asm/instruction.js';
import { AluOp, AtomicOp, Class, JmpOp, Mode, PseudoSrc, Source } from '../asm/opcodes.js';
import { JCOND, LOAD_ACQ, STORE_REL } from '../asm/syntax.js';
import { VmError } from './errors.js';
import { addressOf, type Region } from './memory.js';
import { FRAME_STACK_SIZE, FUNC_PTR_HI, MAX_CALL_FRAMES, MAY_GOTO_LOOPS, type VmProgram } from './program.js';
import { mapPointer, type Runtime, Stop } from './runtime.js';

/** StepHook sees each executed instruction with the registers before and after it. */
export type StepHook = (pc: number, insn: Insn, before: readonly bigint[], after: readonly bigint[]) => void;

/** RunState is what a tier gets: the program, runtime, per-frame stacks, initial r1/r2, and the budget. */
export interface RunState {
  program: VmProgram;
  rt: Runtime;
  /** stacks holds one 512-byte region per call frame, so each frame's accesses are checked on their own. */
  stacks: Region[];
  /** stackHi lists the stacks' region numbers, for the compiled tier. */
  stackHi: Int32Array;
  r1: bigint;
  r2: bigint;
  /** budget is how many more instructions may run; tiers decrement it. */
  budget: number;
  onStep?: StepHook;
}

const M64 = 0xffffffffffffffffn;
const M32 = 0xffffffffn;
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const sx = (bits: number, v: bigint): bigint => BigInt.asIntN(bits, v);

function swap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i += 8) out = (out << 8n) | ((v >> BigInt(i)) & 0xffn);
  return out;
}

/** alu computes one ALU operation on unsigned BigInts of width `bits`; the compiled tier uses it for 64-bit division. */
export function alu(op: number, off: number, a: bigint, b: bigint, bits: 32 | 64): bigint {
  const mask = bits === 64 ? M64 : M32;
  const bb = BigInt(bits);
  switch (op) {
    case AluOp.ADD:
      return (a + b) & mask;
    case AluOp.SUB:
      return (a - b) & mask;
    case AluOp.MUL:
      return (a * b) & mask;
    case AluOp.DIV:
      if (b === 0n) return 0n;
      return off === 1 ? BigInt.asUintN(bits, sx(bits, a) / sx(bits, b)) : a / b;
    case AluOp.MOD:
      if (b === 0n) return a;
      return off === 1 ? BigInt.asUintN(bits, sx(bits, a) % sx(bits, b)) : a % b;
    case AluOp.OR:
      return a | b;
    case AluOp.AND:
      return a & b;
    case AluOp.XOR:
      return a ^ b;
    case AluOp.LSH:
      return (a << (b & (bb - 1n))) & mask;
    case AluOp.RSH:
      return a >> (b & (bb - 1n));
    case AluOp.ARSH:
      return BigInt.asUintN(bits, sx(bits, a) >> (b & (bb - 1n)));
    case AluOp.NEG:
      return -a & mask;
    case AluOp.MOV:
      return off === 0 ? b : BigInt.asUintN(bits, sx(off, b));
    default:
      throw new Error(`bpfkit bug: alu op 0x${op.toString(16)} passed validation`);
  }
}

function jump(op: number, a: bigint, b: bigint, bits: 32 | 64): boolean {
  switch (op) {
    case JmpOp.JEQ:
      return a === b;
    case JmpOp.JNE:
      return a !== b;
    case JmpOp.JGT:
      return a > b;
    case JmpOp.JGE:
      return a >= b;
    case JmpOp.JLT:
      return a < b;
    case JmpOp.JLE:
      return a <= b;
    case JmpOp.JSET:
      return (a & b) !== 0n;
    case JmpOp.JSGT:
      return sx(bits, a) > sx(bits, b);
    case JmpOp.JSGE:
      return sx(bits, a) >= sx(bits, b);
    case JmpOp.JSLT:
      return sx(bits, a) < sx(bits, b);
    default:
      return sx(bits, a) <= sx(bits, b);
  }
}

const SIZES = [4, 2, 1, 8] as const;

interface Frame {
  ret: number;
  saved: bigint[];
}

/** interpret runs `state.program` to its exit and returns r0, or throws a VmError with the pc. */
export function interpret(state: RunState): bigint {
  const { rt, program, onStep } = state;
  const insns = program.insns;
  const mem = rt.memory;
  const r: bigint[] = new Array<bigint>(11).fill(0n);
  r[1] = u64(state.r1);
  r[2] = u64(state.r2);
  r[10] = addressOf(state.stacks[0]!, FRAME_STACK_SIZE);
  const frames: Frame[] = [];
  let pc = 0;
  let mayGoto = MAY_GOTO_LOOPS;

  // An access is [base + off, +size): it must stay inside the region base points into.
  const locate = (base: bigint, off: number, size: number, write: boolean): [Region, number] => {
    const region = mem.region(Number(base >> 32n));
    const offset = Number(base & M32) + off;
    if (!region || offset < 0 || offset + size > region.len || (write && !region.writable)) {
      throw mem.fault(base, off, size, write, pc);
    }
    return [region, offset];
  };
  const load = (base: bigint, off: number, size: number): bigint => {
    const [g, o] = locate(base, off, size, false);
    if (size === 8) return g.view.getBigUint64(o, true);
    if (size === 4) return BigInt(g.view.getUint32(o, true));
    if (size === 2) return BigInt(g.view.getUint16(o, true));
    return BigInt(g.view.getUint8(o));
  };
  const store = (base: bigint, off: number, size: number, v: bigint): void => {
    const [g, o] = locate(base, off, size, true);
    if (size === 8) g.view.setBigUint64(o, u64(v), true);
    else if (size === 4) g.view.setUint32(o, Number(v & M32), true);
    else if (size === 2) g.view.setUint16(o, Number(v & 0xffffn), true);
    else g.view.setUint8(o, Number(v & 0xffn));
  };
  const callLocal = (target: number): number => {
    if (frames.length + 1 >= MAX_CALL_FRAMES) {
      throw new VmError('call-depth', pc, `bpf-to-bpf calls nest deeper than ${MAX_CALL_FRAMES} frames`);
    }
    frames.push({ ret: pc + 1, saved: [r[6]!, r[7]!, r[8]!, r[9]!, r[10]!] });
    r[10] = addressOf(state.stacks[frames.length]!, FRAME_STACK_SIZE);
    return target;
  };
  const callHelper = (id: number): boolean => {
    const helper = rt.helpers.get(id);
    if (!helper) throw new VmError('unknown-helper', pc, `unknown helper ${id}`);
    r[0] = u64(helper(rt, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!, pc));
    return rt.stop !== Stop.None;
  };

  for (;;) {
    if (pc >= insns.length) throw new VmError('fell-off-end', pc, 'execution ran past the last instruction');
    if (--state.budget < 0)
      throw new VmError('budget', pc, 'instruction budget exhausted (is there an endless loop?)');
    const i = insns[pc]!;
    const before = onStep ? r.slice() : undefined;
    const cls = i.code & 0x07;
    const op = i.code & 0xf0;
    const x = (i.code & Source.X) !== 0;
    let next = pc + 1;
    switch (cls) {
      case Class.ALU64:
      case Class.ALU: {
        const bits = cls === Class.ALU64 ? 64 : 32;
        const a = bits === 64 ? r[i.dst]! : r[i.dst]! & M32;
        if (op === AluOp.END) {
          const width = i.imm;
          const v = r[i.dst]! & (width === 64 ? M64 : (1n << BigInt(width)) - 1n);
          r[i.dst] = cls === Class.ALU64 || x ? swap(v, width) : v;
        } else {
          let b: bigint;
          if (x) b = bits === 64 ? r[i.src]! : r[i.src]! & M32;
          else b = bits === 64 ? u64(BigInt(i.imm)) : BigInt(i.imm >>> 0);
          r[i.dst] = alu(op, i.off, a, b, bits);
        }
        break;
      }
      case Class.JMP:
      case Class.JMP32: {
        if (op === JmpOp.EXIT) {
          const frame = frames.pop();
          if (!frame) {
            onStep?.(pc, i, before!, r);
            return r[0]!;
          }
          for (let k = 0; k < 5; k++) r[6 + k] = frame.saved[k]!;
          next = frame.ret;
        } else if (op === JmpOp.CALL) {
          if (x) {
            const v = r[i.dst]!;
            if (v >> 32n === BigInt(FUNC_PTR_HI)) {
              if (!program.functions.has(Number(v & M32))) {
                throw new VmError('invalid-instruction', pc, 'callx target is not the start of a function');
              }
              next = callLocal(Number(v & M32));
            } else if (callHelper(Number(v & M32))) {
              onStep?.(pc, i, before!, r);
              return stopped(rt, r);
            }
          } else if (i.src === PseudoSrc.CALL) {
            next = callLocal(pc + 1 + i.imm);
          } else if (callHelper(i.imm)) {
            onStep?.(pc, i, before!, r);
            return stopped(rt, r);
          }
        } else if (op === JmpOp.JA) {
          next = pc + 1 + (cls === Class.JMP ? i.off : i.imm);
        } else if (op === JCOND) {
          if (mayGoto === 0) next = pc + 1 + i.off;
          else mayGoto--;
        } else {
          const bits = cls === Class.JMP ? 64 : 32;
          const mask = bits === 64 ? M64 : M32;
          const a = r[i.dst]! & mask;
          const b = x ? r[i.src]! & mask : u64(BigInt(i.imm)) & mask;
          if (jump(op, a, b, bits)) next = pc + 1 + i.off;
        }
        break;
      }
      case Class.LD: {
        // validate() admits only LD_IMM64 here.
        const hi = insns[pc + 1]!.imm;
        if (i.src === PseudoSrc.MAP_FD || i.src === PseudoSrc.MAP_VALUE) {
          const map = rt.maps.get(i.imm);
          if (!map)
            throw new VmError('unknown-map', pc, `lddw names map fd ${i.imm}, which the vm was not given`);
          if (i.src === PseudoSrc.MAP_FD) r[i.dst] = mapPointer(i.imm);
          else {
            const key = new Uint8Array(Math.max(4, map.spec.keySize));
            const value = map.isArray ? map.lookup(key) : undefined;
            if (!value)
              throw new VmError(
                'unknown-map',
                pc,
                `direct value access needs an array map, ${map.name} is not`,
              );
            r[i.dst] = addressOf(mem.regionFor(map.valueName, value), hi >>> 0);
          }
        } else if (i.src === PseudoSrc.FUNC) {
          r[i.dst] = (BigInt(FUNC_PTR_HI) << 32n) | BigInt(pc + 1 + i.imm);
        } else {
          r[i.dst] = (BigInt(hi >>> 0) << 32n) | BigInt(i.imm >>> 0);
        }
        next = pc + 2;
        break;
      }
      case Class.LDX: {
        const size = SIZES[(i.code >> 3) & 3]!;
        const v = load(r[i.src]!, i.off, size);
        r[i.dst] = (i.code & 0xe0) === Mode.MEMSX ? u64(sx(size * 8, v)) : v;
        break;
      }
      case Class.ST:
        store(r[i.dst]!, i.off, SIZES[(i.code >> 3) & 3]!, u64(BigInt(i.imm)));
        break;
      default: {
        const size = SIZES[(i.code >> 3) & 3]!;
        const base = r[i.dst]!;
        if ((i.code & 0xe0) === Mode.MEM || i.imm === STORE_REL) {
          store(base, i.off, size, r[i.src]!);
          break;
        }
        if (i.imm === LOAD_ACQ) {
          r[i.dst] = load(r[i.src]!, i.off, size);
          break;
        }
        const mask = size === 8 ? M64 : M32;
        const old = load(base, i.off, size);
        const v = r[i.src]! & mask;
        const aop = i.imm & ~AtomicOp.FETCH;
        if (i.imm === AtomicOp.CMPXCHG) {
          if (old === (r[0]! & mask)) store(base, i.off, size, v);
          r[0] = old;
        } else if (i.imm === AtomicOp.XCHG) {
          store(base, i.off, size, v);
          r[i.src] = old;
        } else {
          const res =
            aop === AtomicOp.ADD
              ? (old + v) & mask
              : aop === AtomicOp.OR
                ? old | v
                : aop === AtomicOp.AND
                  ? old & v
                  : old ^ v;
          store(base, i.off, size, res);
          if (i.imm & AtomicOp.FETCH) r[i.src] = old;
        }
      }
    }
    if (onStep) onStep(pc, i, before!, r);
    pc = next;
  }
}

/** stopped ends a run a helper stopped: unwind yields r0 = 0; a tail call yields to the runner. */
function stopped(rt: Runtime, r: bigint[]): bigint {
  if (rt.stop === Stop.Unwind) return 0n;
  return r[0]!;
}
