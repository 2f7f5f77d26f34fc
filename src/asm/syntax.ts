// The operator and width spellings shared by the assembler and the disassembler, as the kernel's
// kernel/bpf/disasm.c and LLVM's BPF printer write them.

import { AluOp, JmpOp, Size } from './opcodes.js';

/** ALU_OPS maps a compound-assignment operator to its ALU op; `=` is MOV. */
export const ALU_OPS: ReadonlyMap<string, number> = new Map([
  ['+=', AluOp.ADD],
  ['-=', AluOp.SUB],
  ['*=', AluOp.MUL],
  ['/=', AluOp.DIV],
  ['|=', AluOp.OR],
  ['&=', AluOp.AND],
  ['<<=', AluOp.LSH],
  ['>>=', AluOp.RSH],
  ['%=', AluOp.MOD],
  ['^=', AluOp.XOR],
  ['=', AluOp.MOV],
  ['s>>=', AluOp.ARSH],
]);

/** SIGNED_ALU_OPS are the ISA v4 signed division forms, encoded with off = 1. */
export const SIGNED_ALU_OPS: ReadonlyMap<string, number> = new Map([
  ['s/=', AluOp.DIV],
  ['s%=', AluOp.MOD],
]);

/** JMP_OPS maps a comparison operator to its conditional jump op. */
export const JMP_OPS: ReadonlyMap<string, number> = new Map([
  ['==', JmpOp.JEQ],
  ['>', JmpOp.JGT],
  ['>=', JmpOp.JGE],
  ['&', JmpOp.JSET],
  ['!=', JmpOp.JNE],
  ['s>', JmpOp.JSGT],
  ['s>=', JmpOp.JSGE],
  ['<', JmpOp.JLT],
  ['<=', JmpOp.JLE],
  ['s<', JmpOp.JSLT],
  ['s<=', JmpOp.JSLE],
]);

/** ATOMIC_ALU names the read-modify-write atomics by their AtomicOp value (without FETCH). */
export const ATOMIC_ALU: ReadonlyMap<string, number> = new Map([
  ['add', AluOp.ADD],
  ['or', AluOp.OR],
  ['and', AluOp.AND],
  ['xor', AluOp.XOR],
]);

/** WIDTHS maps `u8`..`u64` casts to the Size field. */
export const WIDTHS: ReadonlyMap<string, number> = new Map([
  ['u8', Size.B],
  ['u16', Size.H],
  ['u32', Size.W],
  ['u64', Size.DW],
]);

/** SIGNED_WIDTHS are the sign-extending load casts (ISA v4 BPF_MEMSX). */
export const SIGNED_WIDTHS: ReadonlyMap<string, number> = new Map([
  ['s8', Size.B],
  ['s16', Size.H],
  ['s32', Size.W],
]);

/** BPF_LOAD_ACQ and BPF_STORE_REL are the atomic imm values of load-acquire / store-release (6.15). */
export const LOAD_ACQ = 0x100;
export const STORE_REL = 0x110;

/** JCOND is the BPF_JCOND jump op, whose only form is `may_goto` (kernel 6.9). */
export const JCOND = 0xe0;

/** ADDR_SPACE_CAST is the MOV X `off` value of `addr_space_cast` (kernel 6.9, arena). */
export const ADDR_SPACE_CAST = 1;

/** keyOf inverts one of these maps for printing. */
export function keyOf(map: ReadonlyMap<string, number>, value: number): string | undefined {
  for (const [k, v] of map) if (v === value) return k;
  return undefined;
}

/** widthName prints a Size field as `u32` (or `s32` for a sign-extending load). */
export function widthName(size: number, signed = false): string {
  return `${signed ? 's' : 'u'}${{ [Size.B]: 8, [Size.H]: 16, [Size.W]: 32, [Size.DW]: 64 }[size] ?? 64}`;
}
