// The disassembler: instruction slots to the text the kernel verifier log (default) or llvm-objdump
// prints. Every line it prints reads back through the assembler to the same slots; a slot that would
// not (an unknown opcode, reserved fields set) is printed as a raw `.insn` and reported as a problem.

import { DecodeError } from '../errors/index.js';
import { assembleStatement } from './assembler.js';
import type { MapRelocation } from './builder.js';
import { helperName } from './helpers.js';
import { encode, type Insn, imm64, isWide } from './instruction.js';
import {
  AluOp,
  AtomicOp,
  Class,
  Endian,
  INSN_SIZE,
  JmpOp,
  LD_IMM64,
  Mode,
  opClass,
  opMode,
  opOp,
  opSize,
  opSource,
  PseudoSrc,
  Size,
  Source,
} from './opcodes.js';
import {
  ADDR_SPACE_CAST,
  ALU_OPS,
  ATOMIC_ALU,
  JCOND,
  JMP_OPS,
  keyOf,
  LOAD_ACQ,
  SIGNED_ALU_OPS,
  STORE_REL,
  widthName,
} from './syntax.js';

/** DisasmStyle picks the spelling: the kernel verifier log's or llvm-objdump's. */
export type DisasmStyle = 'kernel' | 'llvm';

/** DisassembleOptions shape the listing; the defaults print `pc: (opcode) text` like the verifier log. */
export interface DisassembleOptions {
  style?: DisasmStyle;
  /** pc prefixes each line with its slot index (default true). */
  pc?: boolean;
  /** opcode prints the kernel's `(b7)` opcode column (default true). */
  opcode?: boolean;
  /** raw prints the slot bytes instead of the opcode column, like llvm-objdump. */
  raw?: boolean;
  /** labels names jump and call targets `L<pc>` and prints them as labels. */
  labels?: boolean;
  /** relocations name the maps that LD_IMM64 slots load. */
  relocations?: readonly MapRelocation[];
  /** strict throws a DecodeError at the first problem instead of printing a marker. */
  strict?: boolean;
}

/** DisasmProblem is a slot the kernel would reject outright: bad opcode, bad jump, truncated load. */
export interface DisasmProblem {
  pc: number;
  /** offset is the byte offset of the slot in the bytecode. */
  offset: number;
  message: string;
}

/** DisasmLine is one printed instruction (one or two slots). */
export interface DisasmLine {
  pc: number;
  slots: Insn[];
  text: string;
  /** label is set when another instruction jumps or calls here and labels are on. */
  label?: string;
}

/** Listing is a disassembly: its lines, the problems found, and the formatted text. */
export interface Listing {
  lines: DisasmLine[];
  problems: DisasmProblem[];
  text: string;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const reg = (wide: boolean, n: number): string => `${wide ? 'r' : 'w'}${n}`;

interface Formatter {
  style: DisasmStyle;
  /** name returns the label of slot `dest`, when labels are printed. */
  name: (dest: number) => string | undefined;
  mapName: (pc: number) => string | undefined;
}

function signedOff(f: Formatter, off: number): string {
  if (f.style === 'kernel') return off < 0 ? ` ${off}` : ` +${off}`;
  return off < 0 ? ` - ${-off}` : ` + ${off}`;
}

function addr(f: Formatter, r: number, off: number): string {
  return `(r${r}${signedOff(f, off)})`;
}

function target(f: Formatter, pc: number, rel: number): string {
  const label = f.name(pc + 1 + rel);
  if (label !== undefined) return label;
  const r = rel < 0 ? `${rel}` : `+${rel}`;
  return f.style === 'kernel' ? `pc${r}` : r;
}

function formatAlu(i: Insn): string | undefined {
  const cls = opClass(i.code);
  const wide = cls === Class.ALU64;
  const op = opOp(i.code);
  const d = reg(wide, i.dst);
  if (op === AluOp.END) {
    if (wide) return `r${i.dst} = bswap${i.imm} r${i.dst}`;
    return `r${i.dst} = ${opSource(i.code) === Endian.TO_BE ? 'be' : 'le'}${i.imm} r${i.dst}`;
  }
  if (op === AluOp.NEG) return `${d} = -${d}`;
  if (i.code === (Class.ALU64 | AluOp.MOV | Source.X) && i.off === ADDR_SPACE_CAST) {
    return `r${i.dst} = addr_space_cast(r${i.src}, ${(i.imm >>> 16) & 0xffff}, ${i.imm & 0xffff})`;
  }
  if (op === AluOp.MOV && opSource(i.code) === Source.X && (i.off === 8 || i.off === 16 || i.off === 32)) {
    return `${d} = (s${i.off})${reg(wide, i.src)}`;
  }
  const signed = i.off === 1 && (op === AluOp.DIV || op === AluOp.MOD);
  const name = signed ? keyOf(SIGNED_ALU_OPS, op) : keyOf(ALU_OPS, op);
  if (name === undefined) return undefined;
  const rhs = opSource(i.code) === Source.X ? reg(wide, i.src) : `${i.imm}`;
  return `${d} ${name} ${rhs}`;
}

function formatAtomic(f: Formatter, i: Insn): string | undefined {
  const size = opSize(i.code);
  const w = widthName(size);
  const a = addr(f, i.dst, i.off);
  const is64 = size === Size.DW;
  if (i.imm === LOAD_ACQ) return `r${i.dst} = load_acquire((${w} *)${addr(f, i.src, i.off)})`;
  if (i.imm === STORE_REL) return `store_release((${w} *)${a}, r${i.src})`;
  if (size !== Size.W && !is64) return undefined;
  const llvm = f.style === 'llvm';
  const s = reg(is64 || !llvm, i.src);
  const op = keyOf(ATOMIC_ALU, i.imm & ~AtomicOp.FETCH);
  if (op !== undefined && (i.imm & AtomicOp.FETCH) === 0) {
    return `lock *(${w} *)${a} ${{ add: '+=', or: '|=', and: '&=', xor: '^=' }[op]} ${s}`;
  }
  if (op !== undefined) {
    return `${s} = atomic${llvm || !is64 ? '' : '64'}_fetch_${op}((${w} *)${a}, ${s})`;
  }
  const lsuffix = is64 ? '_64' : '32_32';
  const lbase = `r${i.dst}${signedOff(f, i.off)}`;
  if (i.imm === AtomicOp.XCHG) {
    return llvm
      ? `${s} = xchg${lsuffix}(${lbase}, ${s})`
      : `${s} = atomic${is64 ? '64' : ''}_xchg((${w} *)${a}, ${s})`;
  }
  if (i.imm === AtomicOp.CMPXCHG) {
    const r0 = reg(is64 || !llvm, 0);
    return llvm
      ? `${r0} = cmpxchg${lsuffix}(${lbase}, ${r0}, ${s})`
      : `r0 = atomic${is64 ? '64' : ''}_cmpxchg((${w} *)${a}, r0, ${s})`;
  }
  return undefined;
}

function formatJump(f: Formatter, i: Insn, pc: number): string | undefined {
  const cls = opClass(i.code);
  const op = opOp(i.code);
  if (op === JmpOp.CALL) {
    if (opSource(i.code) === Source.X) return `callx r${i.dst}`;
    if (i.src === PseudoSrc.CALL) {
      const label = f.name(pc + 1 + i.imm);
      return `call ${label ?? `pc${i.imm < 0 ? i.imm : `+${i.imm}`}`}`;
    }
    if (i.src === PseudoSrc.KFUNC_CALL) return `call kfunc#${i.imm}`;
    if (f.style === 'llvm') return `call ${i.imm}`;
    return `call ${helperName(i.imm) ?? 'unknown'}#${i.imm}`;
  }
  if (i.code === (Class.JMP | JmpOp.EXIT)) return 'exit';
  if (i.code === (Class.JMP | JmpOp.JA)) return `goto ${target(f, pc, i.off)}`;
  if (i.code === (Class.JMP32 | JmpOp.JA)) return `gotol ${target(f, pc, i.imm)}`;
  if (i.code === (Class.JMP | JmpOp.JA | Source.X)) return `gotox r${i.dst}`;
  if (i.code === (Class.JMP | JCOND)) return `may_goto ${target(f, pc, i.off)}`;
  const cmp = keyOf(JMP_OPS, op);
  if (cmp === undefined) return undefined;
  const wide = cls === Class.JMP;
  const rhs =
    opSource(i.code) === Source.X ? reg(wide, i.src) : f.style === 'kernel' ? hex(i.imm) : `${i.imm}`;
  return `if ${reg(wide, i.dst)} ${cmp} ${rhs} goto ${target(f, pc, i.off)}`;
}

function formatWide(f: Formatter, i: Insn, next: Insn, pc: number): string | undefined {
  const d = `r${i.dst}`;
  switch (i.src) {
    case 0: {
      const v = imm64(i, next);
      return `${d} = ${f.style === 'kernel' ? `0x${v.toString(16)}` : BigInt.asIntN(64, v).toString()} ll`;
    }
    case PseudoSrc.MAP_FD:
    case PseudoSrc.MAP_VALUE: {
      const name = i.imm === 0 ? f.mapName(pc) : undefined;
      const m = `map[${name ?? `fd:${i.imm}`}]`;
      return `${d} = ${i.src === PseudoSrc.MAP_FD ? m : `${m}[0]+${next.imm}`} ll`;
    }
    case PseudoSrc.MAP_IDX:
      return `${d} = map[idx:${i.imm}] ll`;
    case PseudoSrc.MAP_IDX_VALUE:
      return `${d} = map[idx:${i.imm}][0]+${next.imm} ll`;
    case PseudoSrc.FUNC:
      return `${d} = func[${target(f, pc, i.imm)}] ll`;
  }
  return undefined;
}

/** formatSlot prints the instruction at `pc` (without verifying it reads back), or undefined. */
function formatSlot(f: Formatter, insns: readonly Insn[], pc: number): string | undefined {
  const i = insns[pc]!;
  const cls = opClass(i.code);
  const size = opSize(i.code);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64:
      return formatAlu(i);
    case Class.JMP:
    case Class.JMP32:
      return formatJump(f, i, pc);
    case Class.LDX: {
      const mode = opMode(i.code);
      if (mode !== Mode.MEM && mode !== Mode.MEMSX) return undefined;
      return `r${i.dst} = *(${widthName(size, mode === Mode.MEMSX)} *)${addr(f, i.src, i.off)}`;
    }
    case Class.ST:
      if (opMode(i.code) !== Mode.MEM) return undefined;
      return `*(${widthName(size)} *)${addr(f, i.dst, i.off)} = ${i.imm}`;
    case Class.STX:
      if (opMode(i.code) === Mode.MEM) return `*(${widthName(size)} *)${addr(f, i.dst, i.off)} = r${i.src}`;
      if (opMode(i.code) === Mode.ATOMIC) return formatAtomic(f, i);
      return undefined;
    default: {
      const mode = opMode(i.code);
      if (i.code === LD_IMM64) {
        const next = insns[pc + 1];
        return next === undefined ? undefined : formatWide(f, i, next, pc);
      }
      if (mode === Mode.ABS) return `r0 = *(${widthName(size)} *)skb[${i.imm}]`;
      if (mode === Mode.IND) return `r0 = *(${widthName(size)} *)skb[r${i.src} + ${i.imm}]`;
      return undefined;
    }
  }
}

const same = (a: readonly Insn[], b: readonly Insn[]): boolean => {
  if (a.length !== b.length) return false;
  const x = encode(a);
  const y = encode(b);
  return x.every((v, n) => v === y[n]);
};

/** rawInsn prints a slot in the `.insn code, dst, src, off, imm` form every slot can take. */
export function rawInsn(i: Insn): string {
  return `.insn 0x${i.code.toString(16).padStart(2, '0')}, ${i.dst}, ${i.src}, ${i.off}, ${i.imm}`;
}

/** jumpTarget returns the slot a jump, local call or function load at `pc` refers to, if it is one. */
export function jumpTarget(insns: readonly Insn[], pc: number): number | undefined {
  const i = insns[pc]!;
  const cls = opClass(i.code);
  if (i.code === LD_IMM64) return i.src === PseudoSrc.FUNC ? pc + 1 + i.imm : undefined;
  if (cls !== Class.JMP && cls !== Class.JMP32) return undefined;
  const op = opOp(i.code);
  if (op === JmpOp.CALL)
    return i.src === PseudoSrc.CALL && opSource(i.code) === 0 ? pc + 1 + i.imm : undefined;
  if (op === JmpOp.EXIT) return undefined;
  if (i.code === (Class.JMP | JmpOp.JA | Source.X)) return undefined;
  if (i.code === (Class.JMP32 | JmpOp.JA)) return pc + 1 + i.imm;
  return pc + 1 + i.off;
}

/** disassembleListing prints every slot, collecting problems instead of stopping at them. */
export function disassembleListing(insns: readonly Insn[], options: DisassembleOptions = {}): Listing {
  const style = options.style ?? 'kernel';
  const names = new Map<number, string>();
  for (const r of options.relocations ?? []) {
    const n = typeof r.map === 'string' ? r.map : r.map.name;
    if (n !== undefined && /^[A-Za-z_.$][A-Za-z0-9_.$]*$/.test(n)) names.set(r.pc, n);
  }
  const lines: DisasmLine[] = [];
  const problems: DisasmProblem[] = [];
  const problem = (pc: number, message: string): void => {
    if (options.strict) throw new DecodeError(`instruction ${pc}: ${message}`, pc * INSN_SIZE);
    problems.push({ pc, offset: pc * INSN_SIZE, message });
  };
  const numeric: Formatter = { style, name: () => undefined, mapName: (pc) => names.get(pc) };

  // First pass: what each slot prints as, and which slots start an instruction.
  // The kernel (and our assembler) treat every 0x18 slot as taking the next one, valid or not.
  const wideSecond = new Set<number>();
  for (let n = 0; n < insns.length; n++) if (isWide(insns[n]!)) wideSecond.add(++n);
  const texts: { pc: number; slots: Insn[]; text: string | undefined }[] = [];
  for (let pc = 0; pc < insns.length; ) {
    const i = insns[pc]!;
    const text = formatSlot(numeric, insns, pc);
    const width = isWide(i) ? 2 : 1;
    let slots = insns.slice(pc, pc + width);
    let ok = false;
    if (text !== undefined && slots.length === width) {
      try {
        ok = same(assembleStatement(text), slots);
      } catch {
        // Text our own assembler rejects is a formatter bug for this slot; the raw form still works.
        ok = false;
      }
    }
    if (!ok) {
      slots = [i];
      texts.push({ pc, slots, text: undefined });
      pc += 1;
      continue;
    }
    texts.push({ pc, slots, text });
    pc += width;
  }

  const labels = new Map<number, string>();
  for (const t of texts) {
    if (t.text === undefined) continue;
    const dest = jumpTarget(insns, t.pc);
    if (dest === undefined) continue;
    if (dest < 0 || dest >= insns.length) problem(t.pc, `jump target ${dest} is outside the program`);
    else if (wideSecond.has(dest)) problem(t.pc, `jump target ${dest} is inside a 64-bit load`);
    else if (options.labels) labels.set(dest, `L${dest}`);
  }
  const labelled: Formatter = { ...numeric, name: (dest) => labels.get(dest) };

  for (const t of texts) {
    let text: string;
    if (t.text === undefined) {
      const i = t.slots[0]!;
      problem(
        t.pc,
        i.code === LD_IMM64 && t.pc + 1 >= insns.length
          ? 'truncated LD_IMM64: its second slot is missing'
          : formatSlot(numeric, insns, t.pc) === undefined
            ? `unknown opcode ${hex(i.code)}`
            : `opcode ${hex(i.code)} has reserved fields set`,
      );
      text = rawInsn(i);
    } else {
      text = options.labels ? (formatSlot(labelled, insns, t.pc) ?? t.text) : t.text;
    }
    const line: DisasmLine = { pc: t.pc, slots: t.slots, text };
    const label = labels.get(t.pc);
    if (label !== undefined) line.label = label;
    lines.push(line);
  }

  const pcWidth = String(Math.max(0, insns.length - 1)).length;
  const out: string[] = [];
  for (const l of lines) {
    if (l.label !== undefined) out.push(`${l.label}:`);
    let prefix = '';
    if (options.pc ?? true) prefix += `${String(l.pc).padStart(pcWidth)}: `;
    if (options.raw) {
      prefix += `${[...encode(l.slots)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}  `;
    } else if (options.opcode ?? true) {
      prefix += `(${l.slots[0]!.code.toString(16).padStart(2, '0')}) `;
    }
    out.push(`${prefix}${l.text}`);
  }
  problems.sort((a, b) => a.pc - b.pc);
  return { lines, problems, text: out.length ? `${out.join('\n')}\n` : '' };
}

/** disassemble returns the listing text; with `strict` it throws a DecodeError at the first problem. */
export function disassemble(insns: readonly Insn[], options: DisassembleOptions = {}): string {
  return disassembleListing(insns, options).text;
}

/** formatInsn prints the instruction at `pc` alone, as the listing would (no prefix, no labels). */
export function formatInsn(insns: readonly Insn[], pc: number, style: DisasmStyle = 'kernel'): string {
  const text = formatSlot({ style, name: () => undefined, mapName: () => undefined }, insns, pc);
  return text ?? rawInsn(insns[pc]!);
}
