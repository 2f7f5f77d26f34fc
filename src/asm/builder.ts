// ProgramBuilder: a typed way to write eBPF in TypeScript, with symbolic labels and map references
// resolved when the program is built.

import { BpfkitError } from '../errors/index.js';
import { helperId } from './helpers.js';
import { type Insn, insn, wideSlots } from './instruction.js';
import { AluOp, AtomicOp, Class, Endian, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source } from './opcodes.js';
import { JCOND } from './syntax.js';

/** Reg is a register operand; use the exported r0..r10 constants. */
export interface Reg {
  readonly reg: number;
}
const mkReg = (n: number): Reg => Object.freeze({ reg: n });
export const r0 = mkReg(0);
export const r1 = mkReg(1);
export const r2 = mkReg(2);
export const r3 = mkReg(3);
export const r4 = mkReg(4);
export const r5 = mkReg(5);
export const r6 = mkReg(6);
export const r7 = mkReg(7);
export const r8 = mkReg(8);
export const r9 = mkReg(9);
export const r10 = mkReg(10);
/** regs indexes the register constants by number. */
export const regs: readonly Reg[] = [r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10];

/** Operand is a register or a signed 32-bit immediate. */
export type Operand = Reg | number;
const isReg = (o: Operand): o is Reg => typeof o === 'object';

/** Width names an access size as in the verifier log's `*(u32 *)` casts. */
export type Width = 'u8' | 'u16' | 'u32' | 'u64';
export const WIDTH_SIZE: Record<Width, number> = { u8: Size.B, u16: Size.H, u32: Size.W, u64: Size.DW };

export type AluName = Exclude<keyof typeof AluOp, 'END' | 'NEG'>;
export type JumpName = Exclude<keyof typeof JmpOp, 'JA' | 'CALL' | 'EXIT'>;
export type AtomicName = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';

/** MapRef is what an LD_IMM64 map load points at: a map name resolved at load time, or an open map. */
export type MapRef = string | { readonly fd: number; readonly name?: string };

/** MapRelocation records that slot `pc` loads the address (or a value address) of `map`. */
export interface MapRelocation {
  pc: number;
  map: MapRef;
  /** valueOffset is set for direct value loads (BPF_PSEUDO_MAP_VALUE). */
  valueOffset?: number;
}

/** BuiltProgram is a finished instruction list with its unresolved map references. */
export interface BuiltProgram {
  insns: Insn[];
  relocations: MapRelocation[];
  /** labels maps each label to the slot index it names. */
  labels: Map<string, number>;
}

interface Fixup {
  pc: number;
  label: string;
  /** field is where the relative offset goes: `off` for jumps, `imm` for calls and gotol. */
  field: 'off' | 'imm';
}

/** ProgramBuilder appends instructions; jumps and calls may name labels defined before or after. */
export class ProgramBuilder {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];
  private readonly relocations: MapRelocation[] = [];

  /** pc is the index of the next slot. */
  get pc(): number {
    return this.insns.length;
  }

  /** raw appends slots as they are. */
  raw(...slots: Insn[]): this {
    this.insns.push(...slots);
    return this;
  }

  /** label names the next slot. */
  label(name: string): this {
    if (this.labels.has(name)) throw new BpfkitError(`label '${name}' is defined twice`);
    this.labels.set(name, this.insns.length);
    return this;
  }

  /** alu64 emits `dst op= src` on 64 bits. */
  alu64(op: AluName, dst: Reg, src: Operand): this {
    return this.alu(Class.ALU64, AluOp[op], dst, src);
  }

  /** alu32 emits `wdst op= src` on 32 bits (the result is zero-extended). */
  alu32(op: AluName, dst: Reg, src: Operand): this {
    return this.alu(Class.ALU, AluOp[op], dst, src);
  }

  mov(dst: Reg, src: Operand): this {
    return this.alu64('MOV', dst, src);
  }
  mov32(dst: Reg, src: Operand): this {
    return this.alu32('MOV', dst, src);
  }
  add(dst: Reg, src: Operand): this {
    return this.alu64('ADD', dst, src);
  }
  sub(dst: Reg, src: Operand): this {
    return this.alu64('SUB', dst, src);
  }
  mul(dst: Reg, src: Operand): this {
    return this.alu64('MUL', dst, src);
  }
  and(dst: Reg, src: Operand): this {
    return this.alu64('AND', dst, src);
  }
  or(dst: Reg, src: Operand): this {
    return this.alu64('OR', dst, src);
  }
  lsh(dst: Reg, src: Operand): this {
    return this.alu64('LSH', dst, src);
  }
  rsh(dst: Reg, src: Operand): this {
    return this.alu64('RSH', dst, src);
  }
  neg(dst: Reg): this {
    return this.raw(insn(Class.ALU64 | AluOp.NEG, dst.reg));
  }

  /** sdiv and smod are the signed forms (ISA v4, kernel 6.6). */
  sdiv(dst: Reg, src: Operand): this {
    return this.alu(Class.ALU64, AluOp.DIV, dst, src, 1);
  }
  smod(dst: Reg, src: Operand): this {
    return this.alu(Class.ALU64, AluOp.MOD, dst, src, 1);
  }

  /** movsx sign-extends the low `bits` of src into dst (ISA v4). */
  movsx(dst: Reg, src: Reg, bits: 8 | 16 | 32): this {
    return this.raw(insn(Class.ALU64 | AluOp.MOV | Source.X, dst.reg, src.reg, bits));
  }

  /** endian converts the low `bits` of dst to big- or little-endian. */
  endian(to: 'be' | 'le', dst: Reg, bits: 16 | 32 | 64): this {
    const src = to === 'be' ? Endian.TO_BE : Endian.TO_LE;
    return this.raw(insn(Class.ALU | AluOp.END | src, dst.reg, 0, 0, bits));
  }

  /** bswap unconditionally swaps the low `bits` bytes of dst (ISA v4). */
  bswap(dst: Reg, bits: 16 | 32 | 64): this {
    return this.raw(insn(Class.ALU64 | AluOp.END, dst.reg, 0, 0, bits));
  }

  /** ld64 loads a 64-bit constant (LD_IMM64, two slots). */
  ld64(dst: Reg, value: bigint | number): this {
    return this.raw(...wideSlots(dst.reg, BigInt(value)));
  }

  /** ldMap loads a map's address into dst; the map is resolved when the program is loaded. */
  ldMap(dst: Reg, map: MapRef): this {
    this.relocations.push({ pc: this.pc, map });
    const fd = typeof map === 'string' ? 0 : map.fd;
    return this.raw(insn(LD_IMM64, dst.reg, PseudoSrc.MAP_FD, 0, fd), insn(0));
  }

  /** ldMapValue loads the address of byte `offset` of an array map's first value. */
  ldMapValue(dst: Reg, map: MapRef, offset = 0): this {
    this.relocations.push({ pc: this.pc, map, valueOffset: offset });
    const fd = typeof map === 'string' ? 0 : map.fd;
    return this.raw(insn(LD_IMM64, dst.reg, PseudoSrc.MAP_VALUE, 0, fd), insn(0, 0, 0, 0, offset));
  }

  /** ldx loads `dst = *(width *)(src + off)`; signed sign-extends (ISA v4 `ldsx`). */
  ldx(width: Width, dst: Reg, src: Reg, off: number, signed = false): this {
    const mode = signed ? Mode.MEMSX : Mode.MEM;
    return this.raw(insn(Class.LDX | mode | WIDTH_SIZE[width], dst.reg, src.reg, off));
  }

  /** st stores `*(width *)(dst + off) = value` from a register (STX) or an immediate (ST). */
  st(width: Width, dst: Reg, off: number, value: Operand): this {
    if (isReg(value))
      return this.raw(insn(Class.STX | Mode.MEM | WIDTH_SIZE[width], dst.reg, value.reg, off));
    return this.raw(insn(Class.ST | Mode.MEM | WIDTH_SIZE[width], dst.reg, 0, off, value));
  }

  /**
   * atomic emits `lock *(width *)(dst + off) op= src`; with fetch, src receives the old value.
   * cmpxchg compares with r0 and always fetches into r0.
   */
  atomic(op: AtomicName, width: 'u32' | 'u64', dst: Reg, off: number, src: Reg, fetch = false): this {
    let imm: number;
    switch (op) {
      case 'xchg':
        imm = AtomicOp.XCHG;
        break;
      case 'cmpxchg':
        imm = AtomicOp.CMPXCHG;
        break;
      default:
        imm = AtomicOp[op.toUpperCase() as 'ADD' | 'OR' | 'AND' | 'XOR'] | (fetch ? AtomicOp.FETCH : 0);
    }
    return this.raw(insn(Class.STX | Mode.ATOMIC | WIDTH_SIZE[width], dst.reg, src.reg, off, imm));
  }

  /** jmp emits a conditional jump on 64 bits to a label or a relative offset. */
  jmp(op: JumpName, dst: Reg, src: Operand, target: string | number): this {
    return this.branch(Class.JMP, op, dst, src, target);
  }

  /** jmp32 compares the low 32 bits. */
  jmp32(op: JumpName, dst: Reg, src: Operand, target: string | number): this {
    return this.branch(Class.JMP32, op, dst, src, target);
  }

  /** ja jumps unconditionally; gotol uses the 32-bit offset form (ISA v4). */
  ja(target: string | number, long = false): this {
    const code = long ? Class.JMP32 | JmpOp.JA : Class.JMP | JmpOp.JA;
    return this.target(insn(code), target, long ? 'imm' : 'off');
  }

  /**
   * mayGoto falls through until the kernel's loop budget for the program runs out, then jumps to
   * `target` (Linux 6.9): a loop that passes one is verified once, with no bound the verifier tracks.
   */
  mayGoto(target: string | number): this {
    return this.target(insn(Class.JMP | JCOND), target, 'off');
  }

  /** call calls a kernel helper by name (`map_lookup_elem` or `bpf_map_lookup_elem`) or id. */
  call(helper: string | number): this {
    const id = typeof helper === 'number' ? helper : helperId(helper);
    if (id === undefined) throw new BpfkitError(`unknown helper '${helper}'`);
    return this.raw(insn(Class.JMP | JmpOp.CALL, 0, 0, 0, id));
  }

  /** callLocal calls a bpf-to-bpf function starting at a label. */
  callLocal(target: string): this {
    return this.target(insn(Class.JMP | JmpOp.CALL, 0, PseudoSrc.CALL), target, 'imm');
  }

  exit(): this {
    return this.raw(insn(Class.JMP | JmpOp.EXIT));
  }

  /** build resolves labels and returns the slots; it fails on an undefined label. */
  build(): BuiltProgram {
    const insns = this.insns.map((i) => ({ ...i }));
    for (const f of this.fixups) {
      const at = this.labels.get(f.label);
      if (at === undefined) throw new BpfkitError(`undefined label '${f.label}'`);
      const rel = at - f.pc - 1;
      const slot = insns[f.pc]!;
      if (f.field === 'off') {
        if (rel < -32768 || rel > 32767) {
          throw new BpfkitError(`jump to '${f.label}' is too far for a 16-bit offset; use a long jump`);
        }
        slot.off = rel;
      } else {
        slot.imm = rel;
      }
    }
    return { insns, relocations: this.relocations.map((r) => ({ ...r })), labels: new Map(this.labels) };
  }

  private alu(cls: number, op: number, dst: Reg, src: Operand, off = 0): this {
    if (isReg(src)) return this.raw(insn(cls | op | Source.X, dst.reg, src.reg, off));
    return this.raw(insn(cls | op | Source.K, dst.reg, 0, off, src));
  }

  private branch(cls: number, op: JumpName, dst: Reg, src: Operand, target: string | number): this {
    const code = cls | JmpOp[op] | (isReg(src) ? Source.X : Source.K);
    const slot = isReg(src) ? insn(code, dst.reg, src.reg) : insn(code, dst.reg, 0, 0, src);
    return this.target(slot, target, 'off');
  }

  private target(slot: Insn, target: string | number, field: 'off' | 'imm'): this {
    if (typeof target === 'number') {
      slot[field] = target;
    } else {
      this.fixups.push({ pc: this.pc, label: target, field });
    }
    return this.raw(slot);
  }
}
