// The 8-byte eBPF instruction slot, and the bytecode codec: programs are arrays of slots, as the kernel
// sees them, so a jump offset is a slot count and LD_IMM64 occupies two slots (the second has code 0).

import { DecodeError } from '../errors/index.js';
import { Class, INSN_SIZE, JmpOp, LD_IMM64, opClass, opOp } from './opcodes.js';

/** Insn is one instruction slot: `off` is a signed 16-bit value, `imm` a signed 32-bit value. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** insn builds a slot, normalising off and imm to their signed widths. */
export function insn(code: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { code: code & 0xff, dst: dst & 0xf, src: src & 0xf, off: (off << 16) >> 16, imm: imm | 0 };
}

/** isWide says whether the slot is the first half of an LD_IMM64. */
export const isWide = (i: Insn): boolean => i.code === LD_IMM64;

/** imm64 joins an LD_IMM64's two immediates into its 64-bit constant. */
export function imm64(first: Insn, second: Insn): bigint {
  return (BigInt(second.imm >>> 0) << 32n) | BigInt(first.imm >>> 0);
}

/** wideSlots splits a 64-bit constant into the two slots of an LD_IMM64 to dst. */
export function wideSlots(dst: number, value: bigint, src = 0): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  return [insn(LD_IMM64, dst, src, 0, Number(v & 0xffffffffn)), insn(0, 0, 0, 0, Number(v >> 32n))];
}

/** encode serialises slots to little-endian bytecode. */
export function encode(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(out.buffer);
  insns.forEach((i, n) => {
    const at = n * INSN_SIZE;
    out[at] = i.code;
    out[at + 1] = (i.dst & 0xf) | ((i.src & 0xf) << 4);
    view.setInt16(at + 2, i.off, true);
    view.setInt32(at + 4, i.imm, true);
  });
  return out;
}

/**
 * decode parses little-endian bytecode into slots. It checks only framing (whole slots, no truncated
 * LD_IMM64); semantic checks belong to the verifier.
 */
export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new DecodeError(
      `bytecode length ${bytes.length} is not a multiple of ${INSN_SIZE} bytes`,
      bytes.length - (bytes.length % INSN_SIZE),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    const regs = bytes[at + 1]!;
    out.push({
      code: bytes[at]!,
      dst: regs & 0xf,
      src: regs >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    });
  }
  for (let n = 0; n < out.length; n++) {
    if (isWide(out[n]!)) {
      if (n + 1 >= out.length) {
        throw new DecodeError(
          `truncated LD_IMM64 at instruction ${n}: its second slot is missing`,
          n * INSN_SIZE,
        );
      }
      n++;
    }
  }
  return out;
}

/** isExit says whether the slot is `exit`. */
export const isExit = (i: Insn): boolean => i.code === (Class.JMP | JmpOp.EXIT);

/** isCall says whether the slot is a helper, kfunc or bpf-to-bpf call. */
export const isCall = (i: Insn): boolean =>
  (opClass(i.code) === Class.JMP || opClass(i.code) === Class.JMP32) && opOp(i.code) === JmpOp.CALL;
