// The text assembler: kernel verifier-log and llvm-objdump syntax to instruction slots.
//
// Accepted statements (one per line; `;`, `#` and `//` start comments; `name:` defines a label):
//   r0 = 1            w0 += w1          r1 s/= r2 (sdiv)     r1 s%= 3 (smod)    r1 s>>= 3 (arsh)
//   r0 = -r0          r1 = (s8)r2       w1 = (s16)w2         r1 = be16 r1  r1 = le32 r1  r1 = bswap64 r1
//   r1 = 0x1234567890 ll                 LD_IMM64; `ll` may be omitted when the value needs 64 bits
//   r1 = map[events] ll                  map address by name (a MapRelocation); `ll` is optional
//   r1 = map[fd:5]    r1 = map[idx:0]    map by fd (BPF_PSEUDO_MAP_FD) or by fd_array index
//   r1 = map[events][0]+8                address of byte 8 of the map's value (BPF_PSEUDO_MAP_VALUE)
//   r2 = func[pc+5] / func[label]        address of a bpf-to-bpf function (BPF_PSEUDO_FUNC)
//   r0 = *(u64 *)(r1 +8)   r0 = *(s32 *)(r1 - 4) (ldsx)    *(u32 *)(r10 -4) = r1   *(u8 *)(r10 -1) = 7
//   r0 = *(u8 *)skb[23]    r0 = *(u16 *)skb[r1 + 4]         legacy LD_ABS / LD_IND
//   lock *(u64 *)(r1 +0) += r2     (also |= &= ^=, and u32)
//   r2 = atomic_fetch_add((u64 *)(r1 +0), r2)   r2 = atomic64_fetch_or(...)   (kernel and LLVM names)
//   r2 = atomic64_xchg((u64 *)(r1 +0), r2)      r2 = xchg_64(r1 + 0, r2)     w2 = xchg32_32(r1 + 0, w2)
//   r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)   r0 = cmpxchg_64(r1 + 0, r0, r2)   cmpxchg32_32
//   r0 = load_acquire((u64 *)(r1 +0))           store_release((u64 *)(r1 +0), r2)
//   goto +3  goto pc-1  goto label  gotol +100000  may_goto +2  gotox r1
//   if r1 > 0x10 goto +3   if w1 s< w2 goto label   if r1 & 0x8 goto pc+1 (jset)
//   call bpf_map_lookup_elem  call map_lookup_elem#1  call 1  call pc+5  call my_func  call kfunc#1234
//   callx r2   exit
//   .insn 0xb7, 1, 0, 0, 5          one raw slot: code, dst, src, off, imm
// Pasted listings are accepted: `0: (b7) r0 = 1` (verifier log, whose state lines are skipped and whose
// `(18)` column marks a 64-bit load written without `ll`), `0: b7 00 00 00 01 00 00 00 r0 = 1`
// (llvm-objdump, with `<LBB0_2>` annotations, `<func>:` symbols as labels and `R_BPF_64_64 name`
// relocations as map references). The disassembler prints only these forms, so its output reads back.

import { ParseError, type SourcePosition } from '../errors/index.js';
import type { BuiltProgram, MapRef, MapRelocation } from './builder.js';
import { helperId } from './helpers.js';
import { type Insn, insn, isWide } from './instruction.js';
import { type LineContext, stripComment, tokenize } from './lexer.js';
import { describe, LineParser, REG, type RegOperand, type Target } from './line-parser.js';
import { AluOp, AtomicOp, Class, Endian, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source } from './opcodes.js';
import {
  ADDR_SPACE_CAST,
  ALU_OPS,
  ATOMIC_ALU,
  JCOND,
  JMP_OPS,
  LOAD_ACQ,
  SIGNED_ALU_OPS,
  STORE_REL,
} from './syntax.js';

/** AssembleOptions: `file` names the source in error messages. */
export interface AssembleOptions {
  file?: string;
}

interface Fixup {
  pc: number;
  target: Target;
  field: 'off' | 'imm';
  /** kind: a jump, a bpf-to-bpf call, a function address, or a call that may name a helper instead. */
  kind: 'jump' | 'call' | 'func' | 'call-or-helper';
  pos: SourcePosition;
}

const KEYWORDS = new Set(['if', 'goto', 'gotol', 'call', 'callx', 'exit', 'lock', 'may_goto', 'gotox']);
// Lines of a pasted verifier log that carry state, not instructions.
const LOG_NOISE =
  /^(R\d+[_=\s(]|frame\d|from \d+ to \d+:|func#\d|mark_precise|last_idx|regs=|processed \d|verification time|stack depth|Live regs|Global function|Func#|Validating|peak_states|; )/;
// The `.1........` column is the live-registers table the 6.x verifier log prints before its walk.
const LISTING_PREFIX =
  /^(\s*\d+:\s*(?:[.0-9]{10}\s+(?=\())?)(\(([0-9a-fA-F]{2})\)\s*)?((?:[0-9a-fA-F]{2}[ \t]+){8}(?:(?:[0-9a-fA-F]{2}[ \t]+){8})?)?/;

/** Assembler turns lines of text into slots; `assemble` and `assembleStatement` drive it. */
class Assembler {
  readonly slots: Insn[] = [];
  readonly labels = new Map<string, number>();
  readonly labelPos = new Map<string, SourcePosition>();
  readonly fixups: Fixup[] = [];
  readonly relocations: MapRelocation[] = [];
  /** lines remembers where each slot came from, for errors found after the last line. */
  readonly slotPos: SourcePosition[] = [];

  constructor(private readonly file: string | undefined) {}

  line(raw: string, lineNo: number): void {
    const ctx: LineContext = { line: lineNo, text: raw };
    if (this.file !== undefined) ctx.file = this.file;
    if (this.objdumpLine(raw)) return;
    let text = stripComment(raw);
    let hint: number | undefined;
    const m = LISTING_PREFIX.exec(text);
    if (m?.[0]) {
      if (m[3] !== undefined) hint = Number.parseInt(m[3], 16);
      // Blank the prefix rather than cut it, so columns still point into the original line.
      text = ' '.repeat(m[0].length) + text.slice(m[0].length);
      if (LOG_NOISE.test(text.trimStart())) return;
    } else if (LOG_NOISE.test(text.trimStart())) {
      return;
    }
    const p = new LineParser(tokenize(text, ctx), ctx);
    while (p.peek().kind === 'ident' && p.peek(1).text === ':' && !KEYWORDS.has(p.peek().text)) {
      const t = p.next();
      p.next();
      if (REG.test(t.text)) throw p.error(`'${t.text}' is a register and cannot be a label`, t);
      if (this.labels.has(t.text)) throw p.error(`label '${t.text}' is defined twice`, t);
      this.labels.set(t.text, this.slots.length);
      this.labelPos.set(t.text, p.position(t));
    }
    if (p.peek().kind === 'end') return;
    const first = p.peek();
    const before = this.slots.length;
    this.statement(p, hint);
    p.end();
    for (let i = before; i < this.slots.length; i++) this.slotPos.push(p.position(first));
  }

  /**
   * objdumpLine consumes the non-instruction lines of `llvm-objdump -dr` output: headers, a function
   * symbol (`0000000000000000 <prog>:`, a label) and relocations, where R_BPF_64_64 on the 64-bit
   * load just read names the map it loads, as libbpf would resolve it.
   */
  private objdumpLine(raw: string): boolean {
    if (/^\s*Disassembly of section |:\s+file format /.test(raw)) return true;
    const sym = /^\s*[0-9a-fA-F]{8,} <([A-Za-z_.$][\w.$]*)>:\s*$/.exec(raw);
    if (sym) {
      if (!this.labels.has(sym[1]!)) this.labels.set(sym[1]!, this.slots.length);
      return true;
    }
    const rel = /^\s*[0-9a-fA-F]+:\s+(R_BPF_\w+)\s+(\S+)/.exec(raw);
    if (!rel) return false;
    const pc = this.slots.length - 2;
    const slot = this.slots[pc];
    if (rel[1] === 'R_BPF_64_64' && slot && slot.code === LD_IMM64 && slot.src === 0) {
      slot.src = PseudoSrc.MAP_FD;
      this.relocations.push({ pc, map: rel[2]! });
    }
    return true;
  }

  /** emit appends slots and returns how many the statement produced, so statements can `return` it. */
  private emit(...slots: Insn[]): number {
    this.slots.push(...slots);
    return slots.length;
  }

  /** fixup records that the slot about to be emitted has a relative target to fill in. */
  private fixup(p: LineParser, target: Target, field: 'off' | 'imm', kind: Fixup['kind']): void {
    const pos = p.position({ kind: 'end', text: '', col: target.col });
    this.fixups.push({ pc: this.slots.length, target, field, kind, pos });
  }

  private statement(p: LineParser, hint: number | undefined): number {
    const t = p.peek();
    if (t.kind === 'op' && t.text === '*') return this.store(p);
    if (t.kind !== 'ident') throw p.error(`expected an instruction, found ${describe(t)}`, t);
    switch (t.text) {
      case '.insn':
        return this.rawInsn(p);
      case 'exit':
        p.next();
        return this.emit(insn(Class.JMP | JmpOp.EXIT));
      case 'goto':
      case 'ja':
      case 'gotol':
      case 'may_goto': {
        p.next();
        const long = t.text === 'gotol';
        const code =
          t.text === 'may_goto' ? Class.JMP | JCOND : long ? Class.JMP32 | JmpOp.JA : Class.JMP | JmpOp.JA;
        this.fixup(p, p.target(), long ? 'imm' : 'off', 'jump');
        return this.emit(insn(code));
      }
      case 'gotox': {
        p.next();
        return this.emit(insn(Class.JMP | JmpOp.JA | Source.X, p.reg().n));
      }
      case 'call':
        p.next();
        return this.call(p);
      case 'callx':
        p.next();
        return this.emit(insn(Class.JMP | JmpOp.CALL | Source.X, p.reg().n));
      case 'if':
        p.next();
        return this.conditional(p);
      case 'lock':
        p.next();
        return this.lock(p);
      case 'store_release': {
        p.next();
        p.expect('(');
        const { size } = p.cast(false);
        const a = p.address();
        p.expect(',');
        const src = p.reg();
        p.expect(')');
        return this.emit(insn(Class.STX | Mode.ATOMIC | size, a.reg.n, src.n, a.off, STORE_REL));
      }
    }
    if (!p.isReg()) throw p.error(`unknown instruction '${t.text}'`, t);
    const dst = p.reg();
    const op = p.next();
    if (op.kind !== 'op') throw p.error(`expected an operator after '${t.text}', found ${describe(op)}`, op);
    if (op.text === '=') return this.assign(p, dst, hint);
    const signed = SIGNED_ALU_OPS.get(op.text);
    const alu = signed ?? ALU_OPS.get(op.text);
    if (alu === undefined) throw p.error(`unknown operator '${op.text}'`, op);
    return this.alu(p, dst, alu, signed === undefined ? 0 : 1);
  }

  private alu(p: LineParser, dst: RegOperand, op: number, off: number): number {
    const cls = dst.wide ? Class.ALU64 : Class.ALU;
    if (p.isReg()) {
      const src = p.reg();
      if (src.wide !== dst.wide) throw this.mixed(p, src);
      return this.emit(insn(cls | op | Source.X, dst.n, src.n, off));
    }
    return this.emit(insn(cls | op | Source.K, dst.n, 0, off, p.imm32(!dst.wide)));
  }

  private mixed(p: LineParser, r: RegOperand): ParseError {
    return p.error('cannot mix 64-bit (r) and 32-bit (w) registers in one instruction', {
      kind: 'ident',
      text: '',
      col: r.col,
    });
  }

  private assign(p: LineParser, dst: RegOperand, hint: number | undefined): number {
    const t = p.peek();
    const cls = dst.wide ? Class.ALU64 : Class.ALU;
    if (t.text === '-' && p.isReg(1)) {
      p.next();
      const src = p.reg();
      if (src.n !== dst.n || src.wide !== dst.wide) {
        throw p.error(
          `negation is in place: write '${dst.wide ? 'r' : 'w'}${dst.n} = -${dst.wide ? 'r' : 'w'}${dst.n}'`,
          t,
        );
      }
      return this.emit(insn(cls | AluOp.NEG, dst.n));
    }
    if (p.isReg()) {
      const src = p.reg();
      if (src.wide !== dst.wide) throw this.mixed(p, src);
      return this.emit(insn(cls | AluOp.MOV | Source.X, dst.n, src.n));
    }
    if (p.isInt()) return this.constant(p, dst, hint);
    if (t.text === '(') {
      // `r1 = (s8)r2`: sign-extending move (ISA v4).
      p.next();
      const w = p.next();
      const bits = { s8: 8, s16: 16, s32: 32 }[w.text];
      if (bits === undefined) throw p.error('expected s8, s16 or s32 in a sign-extending move', w);
      p.expect(')');
      const src = p.reg();
      if (src.wide !== dst.wide) throw this.mixed(p, src);
      return this.emit(insn(cls | AluOp.MOV | Source.X, dst.n, src.n, bits));
    }
    if (t.text === '*') {
      p.next();
      const { size, signed } = p.cast(true);
      if (p.at('skb')) return this.legacyLoad(p, dst, size, signed);
      const a = p.address();
      const mode = signed ? Mode.MEMSX : Mode.MEM;
      return this.emit(insn(Class.LDX | mode | size, dst.n, a.reg.n, a.off));
    }
    if (t.kind !== 'ident') throw p.error(`expected a value after '=', found ${describe(t)}`, t);
    const endian = /^(be|le|bswap)(16|32|64)$/.exec(t.text);
    if (endian) {
      p.next();
      const src = p.reg();
      if (src.n !== dst.n)
        throw p.error(`byte swaps are in place: write 'r${dst.n} = ${t.text} r${dst.n}'`, t);
      const bits = Number(endian[2]);
      if (endian[1] === 'bswap') return this.emit(insn(Class.ALU64 | AluOp.END, dst.n, 0, 0, bits));
      const to = endian[1] === 'be' ? Endian.TO_BE : Endian.TO_LE;
      return this.emit(insn(Class.ALU | AluOp.END | to, dst.n, 0, 0, bits));
    }
    if (t.text === 'map') return this.mapLoad(p, dst);
    if (t.text === 'func') {
      p.next();
      p.expect('[');
      this.fixup(p, p.target(), 'imm', 'func');
      p.expect(']');
      p.accept('ll');
      return this.emit(insn(LD_IMM64, dst.n, PseudoSrc.FUNC), insn(0));
    }
    if (t.text === 'load_acquire') {
      p.next();
      p.expect('(');
      const { size } = p.cast(false);
      const a = p.address();
      p.expect(')');
      return this.emit(insn(Class.STX | Mode.ATOMIC | size, dst.n, a.reg.n, a.off, LOAD_ACQ));
    }
    if (t.text === 'addr_space_cast') {
      p.next();
      p.expect('(');
      const src = p.reg();
      p.expect(',');
      const to = p.int();
      p.expect(',');
      const from = p.int();
      p.expect(')');
      if (to.value < 0n || to.value > 0xffffn || from.value < 0n || from.value > 0xffffn) {
        throw p.error('address spaces are 16-bit numbers', to.tok);
      }
      const imm = Number((to.value << 16n) | from.value) | 0;
      return this.emit(insn(Class.ALU64 | AluOp.MOV | Source.X, dst.n, src.n, ADDR_SPACE_CAST, imm));
    }
    return this.atomicCall(p, dst);
  }

  private constant(p: LineParser, dst: RegOperand, hint: number | undefined): number {
    const start = p.peek();
    const { value } = p.int();
    const ll = p.accept('ll');
    const fits = dst.wide
      ? value >= -0x80000000n && value <= 0x7fffffffn
      : value >= -0x80000000n && value <= 0xffffffffn;
    if (ll || hint === LD_IMM64 || (dst.wide && !fits)) {
      if (!dst.wide) throw p.error('a 64-bit load (ll) needs an r register', start);
      if (value < -(1n << 63n) || value > (1n << 64n) - 1n)
        throw p.error(`${value} does not fit in 64 bits`, start);
      const v = BigInt.asUintN(64, value);
      return this.emit(
        insn(LD_IMM64, dst.n, 0, 0, Number(BigInt.asIntN(32, v))),
        insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
      );
    }
    if (!fits) throw p.error(`immediate ${value} does not fit in 32 bits`, start);
    const cls = dst.wide ? Class.ALU64 : Class.ALU;
    return this.emit(insn(cls | AluOp.MOV | Source.K, dst.n, 0, 0, Number(BigInt.asIntN(32, value))));
  }

  private legacyLoad(p: LineParser, dst: RegOperand, size: number, signed: boolean): number {
    const t = p.next(); // skb
    if (signed || size === Size.DW) throw p.error('skb loads are u8, u16 or u32', t);
    if (dst.n !== 0 || !dst.wide) throw p.error('legacy skb loads always load into r0', t);
    p.expect('[');
    if (p.isReg()) {
      const src = p.reg();
      let imm = 0;
      // The kernel prints a negative index as `skb[r1 + -4]`.
      if (p.accept('+') || p.at('-')) imm = p.imm32(false);
      p.expect(']');
      return this.emit(insn(Class.LD | Mode.IND | size, 0, src.n, 0, imm));
    }
    const imm = p.imm32(false);
    p.expect(']');
    return this.emit(insn(Class.LD | Mode.ABS | size, 0, 0, 0, imm));
  }

  private mapLoad(p: LineParser, dst: RegOperand): number {
    const start = p.next();
    if (!dst.wide) throw p.error('a map load needs an r register', start);
    p.expect('[');
    const name = p.next();
    if (name.kind !== 'ident')
      throw p.error(`expected a map name, fd:N or idx:N, found ${describe(name)}`, name);
    let ref: MapRef | undefined;
    let index: number | undefined;
    if (p.accept(':')) {
      const n = p.int();
      if (n.value < 0n || n.value > 0x7fffffffn) throw p.error(`bad ${name.text} ${n.value}`, n.tok);
      if (name.text === 'fd') ref = { fd: Number(n.value) };
      else if (name.text === 'idx') index = Number(n.value);
      else if (name.text === 'id') {
        // bpftool prints loaded maps by kernel id, which means nothing to a program not yet loaded.
        throw p.error('map[id:N] names a loaded map; write map[NAME] or map[fd:N]', name);
      } else throw p.error(`expected fd:N or idx:N, found '${name.text}:'`, name);
    } else {
      ref = name.text;
    }
    p.expect(']');
    let valueOffset: number | undefined;
    if (p.accept('[')) {
      const z = p.int();
      if (z.value !== 0n) throw p.error('only the first value, [0], has a direct address', z.tok);
      p.expect(']');
      valueOffset = p.at('+') || p.at('-') ? p.imm32(false) : 0;
    }
    p.accept('ll');
    const pc = this.slots.length;
    if (index !== undefined) {
      const src = valueOffset === undefined ? PseudoSrc.MAP_IDX : PseudoSrc.MAP_IDX_VALUE;
      return this.emit(insn(LD_IMM64, dst.n, src, 0, index), insn(0, 0, 0, 0, valueOffset ?? 0));
    }
    const fd = typeof ref === 'object' ? ref.fd : 0;
    const reloc: MapRelocation = { pc, map: ref! };
    if (valueOffset !== undefined) reloc.valueOffset = valueOffset;
    this.relocations.push(reloc);
    const src = valueOffset === undefined ? PseudoSrc.MAP_FD : PseudoSrc.MAP_VALUE;
    return this.emit(insn(LD_IMM64, dst.n, src, 0, fd), insn(0, 0, 0, 0, valueOffset ?? 0));
  }

  /** atomicCall parses the function-like atomics: `r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)`. */
  private atomicCall(p: LineParser, dst: RegOperand): number {
    const t = p.next();
    const name = t.text;
    const llvm = /^(xchg|cmpxchg)(32_32|_64)$/.exec(name);
    const kernel = /^atomic(64)?_(fetch_(add|or|and|xor)|xchg|cmpxchg)$/.exec(name);
    if (!llvm && !kernel) throw p.error(`unknown value or function '${name}'`, t);
    p.expect('(');
    let size: number;
    let addr: { reg: RegOperand; off: number };
    if (llvm) {
      size = llvm[2] === '_64' ? Size.DW : Size.W;
      const reg = p.reg();
      addr = { reg, off: p.memOffset() };
    } else {
      size = p.cast(false).size;
      addr = p.address();
      if (size !== Size.W && size !== Size.DW) throw p.error('atomics are u32 or u64', t);
    }
    p.expect(',');
    const op = llvm ? llvm[1]! : kernel![2]!;
    let imm: number;
    if (op === 'cmpxchg') {
      const r0 = p.reg();
      if (r0.n !== 0) throw p.error('cmpxchg compares with r0', { kind: 'ident', text: '', col: r0.col });
      if (dst.n !== 0) throw p.error('cmpxchg returns the old value in r0', t);
      p.expect(',');
      imm = AtomicOp.CMPXCHG;
    } else if (op === 'xchg') {
      imm = AtomicOp.XCHG;
    } else {
      imm = ATOMIC_ALU.get(kernel![3]!)! | AtomicOp.FETCH;
    }
    const src = p.reg();
    p.expect(')');
    if (op !== 'cmpxchg' && src.n !== dst.n) {
      throw p.error(
        `a fetching atomic returns the old value in its source register: write 'r${src.n} = ...'`,
        t,
      );
    }
    return this.emit(insn(Class.STX | Mode.ATOMIC | size, addr.reg.n, src.n, addr.off, imm));
  }

  private store(p: LineParser): number {
    p.next();
    const { size } = p.cast(false);
    const a = p.address();
    p.expect('=');
    if (p.isReg()) {
      const src = p.reg();
      return this.emit(insn(Class.STX | Mode.MEM | size, a.reg.n, src.n, a.off));
    }
    return this.emit(insn(Class.ST | Mode.MEM | size, a.reg.n, 0, a.off, p.imm32(size !== Size.DW)));
  }

  private lock(p: LineParser): number {
    p.expect('*');
    const { size } = p.cast(false);
    if (size !== Size.W && size !== Size.DW) throw p.error('atomics are u32 or u64');
    const a = p.address();
    const op = p.next();
    const alu = { '+=': AluOp.ADD, '|=': AluOp.OR, '&=': AluOp.AND, '^=': AluOp.XOR }[op.text];
    if (alu === undefined) throw p.error(`expected +=, |=, &= or ^= after lock, found ${describe(op)}`, op);
    const src = p.reg();
    return this.emit(insn(Class.STX | Mode.ATOMIC | size, a.reg.n, src.n, a.off, alu));
  }

  private conditional(p: LineParser): number {
    const dst = p.reg();
    const opTok = p.next();
    const op = JMP_OPS.get(opTok.text);
    if (op === undefined)
      throw p.error(`expected a comparison (==, !=, >, s<, & ...), found ${describe(opTok)}`, opTok);
    const cls = dst.wide ? Class.JMP : Class.JMP32;
    let slot: Insn;
    if (p.isReg()) {
      const src = p.reg();
      if (src.wide !== dst.wide) throw this.mixed(p, src);
      slot = insn(cls | op | Source.X, dst.n, src.n);
    } else {
      slot = insn(cls | op | Source.K, dst.n, 0, 0, p.imm32(true));
    }
    p.expect('goto');
    this.fixup(p, p.target(), 'off', 'jump');
    return this.emit(slot);
  }

  private call(p: LineParser): number {
    const t = p.peek();
    const jmpCall = Class.JMP | JmpOp.CALL;
    if (t.text === 'pc') {
      this.fixup(p, p.target(), 'imm', 'call');
      return this.emit(insn(jmpCall, 0, PseudoSrc.CALL));
    }
    if (p.isInt()) return this.emit(insn(jmpCall, 0, 0, 0, p.imm32(false)));
    if (t.kind !== 'ident') throw p.error(`expected a helper, function or pc+N, found ${describe(t)}`, t);
    p.next();
    let id: number | undefined;
    if (p.accept('#')) id = p.imm32(false);
    else if (t.text === 'kfunc' && p.isInt()) id = p.imm32(false);
    const helper = t.text === 'unknown' ? id : helperId(t.text);
    if (id !== undefined) {
      if (helper === undefined) return this.emit(insn(jmpCall, 0, PseudoSrc.KFUNC_CALL, 0, id));
      if (helper !== id) throw p.error(`${t.text} is helper ${helper}, not ${id}`, t);
      return this.emit(insn(jmpCall, 0, 0, 0, id));
    }
    if (t.text === 'kfunc') throw p.error('expected kfunc#ID', t);
    // A label wins over a helper of the same name; resolved when the whole file is read.
    this.fixup(p, { label: t.text, col: t.col }, 'imm', 'call-or-helper');
    return this.emit(insn(jmpCall, 0, PseudoSrc.CALL));
  }

  private rawInsn(p: LineParser): number {
    p.next();
    const fields: number[] = [];
    const limits = [0xff, 0xf, 0xf];
    for (let i = 0; i < 5; i++) {
      if (i > 0) p.expect(',');
      const { value, tok } = p.int();
      if (i < 3 && (value < 0n || value > BigInt(limits[i]!)))
        throw p.error(`field ${value} is out of range`, tok);
      if (i === 3) fields.push(p.off16(value, tok));
      else if (i === 4) {
        if (value < -0x80000000n || value > 0xffffffffn)
          throw p.error(`imm ${value} does not fit in 32 bits`, tok);
        fields.push(Number(BigInt.asIntN(32, value)));
      } else fields.push(Number(value));
    }
    return this.emit(insn(fields[0]!, fields[1], fields[2], fields[3], fields[4]));
  }

  /** resolve fills in label targets and checks every jump lands on an instruction. */
  resolve(checkTargets: boolean): void {
    const wideSecond = new Set<number>();
    for (let n = 0; n < this.slots.length; n++) {
      if (isWide(this.slots[n]!)) {
        wideSecond.add(n + 1);
        n++;
      }
    }
    for (const f of this.fixups) {
      const slot = this.slots[f.pc]!;
      let rel: number;
      if ('label' in f.target) {
        const at = this.labels.get(f.target.label);
        if (at === undefined) {
          if (f.kind === 'call-or-helper') {
            const id = helperId(f.target.label);
            if (id === undefined)
              throw new ParseError(`unknown helper or function '${f.target.label}'`, f.pos);
            slot.src = 0;
            slot.imm = id;
            continue;
          }
          throw new ParseError(`undefined label '${f.target.label}'`, f.pos);
        }
        rel = at - f.pc - 1;
      } else {
        rel = f.target.rel;
      }
      if (f.field === 'off') {
        if (rel < -0x8000 || rel > 0x7fff) {
          throw new ParseError(`jump of ${rel} instructions does not fit in 16 bits; use gotol`, f.pos);
        }
        slot.off = rel;
      } else {
        slot.imm = rel;
      }
      const dest = f.pc + 1 + rel;
      if (checkTargets && (dest < 0 || dest >= this.slots.length)) {
        throw new ParseError(
          `${f.kind === 'jump' ? 'jump' : 'call'} target ${dest} is outside the program (0..${this.slots.length - 1})`,
          f.pos,
        );
      }
      if (checkTargets && wideSecond.has(dest)) {
        throw new ParseError(`target ${dest} is the second half of a 64-bit load`, f.pos);
      }
    }
    const last = this.slots.length - 1;
    if (checkTargets && last >= 0 && wideSecond.has(last + 1)) {
      throw new ParseError('truncated 64-bit load: its second slot is missing', this.slotPos[last]!);
    }
  }
}

/** assemble reads a whole program; labels may be used before they are defined. */
export function assemble(source: string, options: AssembleOptions = {}): BuiltProgram {
  const a = new Assembler(options.file);
  const lines = source.split('\n');
  lines.forEach((text, i) => {
    a.line(text.replace(/\r$/, ''), i + 1);
  });
  if (a.slots.length === 0) {
    const pos: SourcePosition = { line: 1, column: 1 };
    if (options.file !== undefined) pos.file = options.file;
    throw new ParseError('no instructions', pos);
  }
  a.resolve(true);
  return { insns: a.slots, relocations: a.relocations, labels: a.labels };
}

/**
 * assembleStatement assembles one line on its own: jump targets must be numeric, and are not checked
 * against a program length. The disassembler uses it to prove what it prints reads back the same.
 */
export function assembleStatement(text: string): Insn[] {
  const a = new Assembler(undefined);
  a.line(text, 1);
  a.resolve(false);
  return a.slots;
}
