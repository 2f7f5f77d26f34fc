// Gen is the state of one probe's code generation (the builder, the stack allocator, variable slots,
// loop labels) and the small emit helpers every part of the code generator shares.

import type { JumpName } from '../../asm/builder.js';
import { ProgramBuilder, type Reg, r0, r1, r2, r10 } from '../../asm/builder.js';
import type { ParseError } from '../../errors/index.js';
import type * as A from '../ast.js';
import type { CheckedProgram, Variant } from '../check.js';
import type { ProbeSpec } from '../probes.js';
import { align8, type Ty } from '../types.js';
import type { Compiled, CompileOptions } from './compile.js';
import { EVENTS_MAP, GLOBALS_MAP, type MapLayout } from './layout.js';

export const STACK_LIMIT = 512;
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;

/** Val is where an evaluated expression is: in r0, or in a stack buffer at `off` from r10. */
export type Val = { at: 'r0' } | { at: 'stack'; off: number; size: number };
export const R0: Val = { at: 'r0' };

/** Gen generates one probe variant's program; the emit functions of this folder take it first. */
export class Gen {
  readonly b = new ProgramBuilder();
  sp = 0;
  labelN = 0;
  readonly varSlots = new Map<string, { off: number; ty: Ty }>();
  readonly loops: Array<{ brk: string; cont: string }> = [];
  readonly srcMap: Array<[number, number]> = [];
  readonly spec: ProbeSpec;
  readonly mapsByName = new Map<string, MapLayout>();
  readonly stackUsed = new Set<string>();
  /** ringSize is the event ring's size in bytes. */
  readonly ringSize: number;
  /** lastIfTerminated says whether both branches of the last `if` ended in a jump. */
  lastIfTerminated = false;

  constructor(
    readonly checked: CheckedProgram,
    readonly out: Compiled,
    readonly v: Variant,
    maps: MapLayout[],
    readonly opts: CompileOptions,
  ) {
    this.spec = v.specs[0]!;
    for (const m of maps) if (m.info) this.mapsByName.set(m.info.name, m);
    this.ringSize = maps.find((m) => m.ref === EVENTS_MAP)?.maxEntries ?? 0;
  }

  mark(pos: number): void {
    const last = this.srcMap[this.srcMap.length - 1];
    if (last && last[0] === this.b.pc) last[1] = pos;
    else if (!last || last[1] !== pos) this.srcMap.push([this.b.pc, pos]);
  }

  err(pos: number, msg: string, hint?: string): ParseError {
    return this.checked.source.error(pos, msg, hint);
  }

  label(what: string): string {
    return `${what}_${this.labelN++}`;
  }

  ty(e: A.Expr): Ty {
    const t = this.v.types.get(e);
    if (!t) throw this.err(e.pos, 'internal error: expression has no type');
    return t;
  }

  /** alloc reserves `size` bytes of stack, returning the r10 offset of their start. */
  alloc(size: number, pos: number): number {
    this.sp -= align8(size);
    if (-this.sp > STACK_LIMIT) {
      throw this.err(
        pos,
        `this probe needs more than ${STACK_LIMIT} bytes of BPF stack`,
        'use fewer or shorter strings in one statement',
      );
    }
    return this.sp;
  }

  zero(off: number, size: number): void {
    for (let i = 0; i < size; i += 8) this.b.st('u64', r10, off + i, 0);
  }

  ldImm(reg: Reg, v: bigint): void {
    const s = BigInt.asIntN(64, v);
    if (s >= -0x80000000n && s <= 0x7fffffffn) this.b.mov(reg, Number(s));
    else this.b.ld64(reg, s);
  }

  /** stackPtr sets reg to r10 + off. */
  stackPtr(reg: Reg, off: number): void {
    this.b.mov(reg, r10);
    this.b.add(reg, off);
  }

  /** copy copies `size` bytes (a multiple of 8) between stack buffers. */
  copy(dst: number, src: number, size: number): void {
    for (let i = 0; i < size; i += 8) {
      this.b.ldx('u64', r1, r10, src + i);
      this.b.st('u64', r10, dst + i, r1);
    }
  }

  /** store puts a value into the buffer at `off` of `size` bytes, zero-padding shorter sources. */
  store(val: Val, off: number, size: number): void {
    if (val.at === 'r0') {
      this.b.st('u64', r10, off, r0);
      for (let i = 8; i < size; i += 8) this.b.st('u64', r10, off + i, 0);
      return;
    }
    if (val.off === off) return;
    const n = Math.min(align8(val.size), size);
    this.copy(off, val.off, n);
    for (let i = n; i < size; i += 8) this.b.st('u64', r10, off + i, 0);
  }

  globalAdd(slot: number, by: number): void {
    this.b.ldMapValue(r1, GLOBALS_MAP, slot * 8);
    this.b.mov(r2, by);
    this.b.atomic('add', 'u64', r1, 0, r2);
  }

  /**
   * callCounted calls `helper` and adds 1 to the global counter `slot` unless r0 passes `ok`
   * against 0, so a lost event or a refused map update is counted rather than silent.
   */
  callCounted(helper: string, ok: JumpName, slot: number, what: string): void {
    this.b.call(helper);
    const done = this.label(what);
    this.b.jmp(ok, r0, 0, done);
    this.globalAdd(slot, 1);
    this.b.label(done);
  }

  constInt(e: A.Expr): bigint {
    if (e.kind === 'int') return e.value;
    if (e.kind === 'unary' && e.operand.kind === 'int') return -e.operand.value;
    if (e.kind === 'param') return BigInt(this.checked.params[e.index - 1] ?? '0');
    throw this.err(e.pos, 'expected an integer literal');
  }

  truncate(size: number, signed: boolean): void {
    const bits = 64 - size * 8;
    this.b.lsh(r0, bits);
    if (signed) this.b.alu64('ARSH', r0, bits);
    else this.b.rsh(r0, bits);
  }

  boolify(op: JumpName, a: Reg, bv: Reg | number): void {
    const yes = this.label('t');
    const end = this.label('b');
    this.b.jmp(op, a, bv, yes);
    this.b.mov(r0, 0);
    this.b.ja(end);
    this.b.label(yes);
    this.b.mov(r0, 1);
    this.b.label(end);
  }

  defaultSpace(): 'kernel' | 'user' {
    const t = this.spec.type;
    return t === 'uprobe' || t === 'uretprobe' || t === 'usdt' ? 'user' : 'kernel';
  }
}
