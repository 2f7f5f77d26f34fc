// eBPF opcode fields, named as in the kernel's include/uapi/linux/bpf.h and bpf_common.h.

/** Class is the low 3 bits of the opcode. */
export const Class = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;

/** Size is the access width of load and store classes. */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Mode is the addressing mode of load and store classes. */
export const Mode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

/** Source selects the immediate (K) or the source register (X) as the second operand. */
export const Source = { K: 0x00, X: 0x08 } as const;

/** AluOp is the operation of ALU and ALU64 instructions. */
export const AluOp = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;

/** JmpOp is the operation of JMP and JMP32 instructions. */
export const JmpOp = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
} as const;

/** AtomicOp is the imm field of BPF_ATOMIC stores; FETCH is or-ed in to return the old value. */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  FETCH: 0x01,
  XCHG: 0xe0 | 0x01,
  CMPXCHG: 0xf0 | 0x01,
} as const;

/** Endian is the source bit of BPF_END: to little-endian (K) or to big-endian (X). ALU64|END is bswap (v4). */
export const Endian = { TO_LE: 0x00, TO_BE: 0x08 } as const;

/** PseudoSrc are src_reg values with a special meaning on LD_IMM64 and CALL. */
export const PseudoSrc = {
  /** LD_IMM64: imm is a map fd. */
  MAP_FD: 1,
  /** LD_IMM64: imm is a map fd, imm2 an offset into its value (a direct value address). */
  MAP_VALUE: 2,
  BTF_ID: 3,
  /** LD_IMM64: imm is a relative instruction offset to a bpf-to-bpf function. */
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
  /** CALL: imm is a relative offset to a bpf-to-bpf function. */
  CALL: 1,
  /** CALL: imm is a kernel function BTF id. */
  KFUNC_CALL: 2,
} as const;

/** RegNo names register numbers r0..r10; r10 is the read-only frame pointer. */
export const RegNo = {
  R0: 0,
  R1: 1,
  R2: 2,
  R3: 3,
  R4: 4,
  R5: 5,
  R6: 6,
  R7: 7,
  R8: 8,
  R9: 9,
  R10: 10,
} as const;
export type Register = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

export const MAX_REG = 10;
/** STACK_SIZE is the per-frame stack, in bytes. */
export const STACK_SIZE = 512;
/** INSN_SIZE is the size of one instruction slot, in bytes (LD_IMM64 takes two). */
export const INSN_SIZE = 8;

/** LD_IMM64 is the opcode of the 64-bit immediate load (`lddw`). */
export const LD_IMM64 = Class.LD | Size.DW | Mode.IMM;

export const opClass = (code: number): number => code & 0x07;
export const opSize = (code: number): number => code & 0x18;
export const opMode = (code: number): number => code & 0xe0;
export const opSource = (code: number): number => code & 0x08;
/** opOp is the operation bits of ALU/JMP opcodes. */
export const opOp = (code: number): number => code & 0xf0;

/** sizeBytes maps a Size field to its width in bytes. */
export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size) {
    case Size.B:
      return 1;
    case Size.H:
      return 2;
    case Size.W:
      return 4;
    default:
      return 8;
  }
}
