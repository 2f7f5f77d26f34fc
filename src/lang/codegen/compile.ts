// Codegen: one eBPF program per probe variant, written with ProgramBuilder. Expressions evaluate to
// r0 (integers and addresses) or to a zero-initialised stack buffer (strings, tuples, records for
// events); intermediate values are spilled to the stack, so helper calls never clobber them. r6 keeps
// the context pointer for the whole program.

import type { JumpName } from '../../asm/builder.js';
import { ProgramBuilder, type Reg, r0, r1, r2, r3, r4, r6, r7, r8, r10 } from '../../asm/builder.js';
import type { ParseError } from '../../errors/index.js';
import type * as A from '../ast.js';
import { ARG_REGS, X86_REGS } from '../builtins.js';
import type { CheckedProgram, Variant } from '../check.js';
import { cSizeOf, findMember } from '../check.js';
import { parseFormat } from '../format/printf.js';
import type { ProbeSpec } from '../probes.js';
import { aggValueSize, align8, byteSize, type CType, type Ty, U64 } from '../types.js';
import { parseUsdtArgs, type UsdtArg } from '../usdt-args.js';
import {
  type Action,
  type ArgSlot,
  type CompiledProgram,
  EVENTS_MAP,
  GLOBALS_MAP,
  Globals,
  JOIN_MAP,
  type MapLayout,
  mapRef,
  type ProgramType,
  STACKS_MAP,
} from './layout.js';

export interface CompileOptions {
  /** maxMapKeys bounds each map (bpftrace's max_map_keys, default 4096). */
  maxMapKeys?: number;
  /** ringbufSize is the event ring buffer size in bytes (a power of two, page multiple). */
  ringbufSize?: number;
  /** resolveCgroupId turns cgroupid("/sys/fs/cgroup/...") into an id at compile time. */
  resolveCgroupId?: (path: string) => bigint;
  /** resolveKaddr turns kaddr("symbol") into an address at compile time. */
  resolveKaddr?: (name: string) => bigint | undefined;
}

/** Compiled is everything the runtime needs to load, attach and print. */
export interface Compiled {
  checked: CheckedProgram;
  maps: MapLayout[];
  programs: CompiledProgram[];
  actions: Action[];
  /** probeNames indexes the `probe` builtin's values. */
  probeNames: string[];
}

const STACK_LIMIT = 512;
const BPF_ANY = 0;
const BPF_NOEXIST = 1;
const BPF_F_USER_STACK = 256;
const JOIN_ARGS = 16;
// ringbuf_output flags and ringbuf_query selectors (include/uapi/linux/bpf.h).
const BPF_RB_NO_WAKEUP = 1;
const BPF_RB_FORCE_WAKEUP = 2;
const BPF_RB_AVAIL_DATA = 0;
/** WAKEUP_BYTES is how much unread data makes a producer wake the reader. */
const WAKEUP_BYTES = 256 * 1024;
/** SCRATCH_SIZE is the per-CPU buffer for records too big for the 512-byte stack (join, long printf). */
const SCRATCH_SIZE = 4096;
/** STACK_RECORD_MAX is the largest event record built on the stack. */
const STACK_RECORD_MAX = 160;
const JOIN_WIDTH = 64;

/** Val is where an evaluated expression is: in r0, or in a stack buffer at `off` from r10. */
type Val = { at: 'r0' } | { at: 'stack'; off: number; size: number };
const R0: Val = { at: 'r0' };

/** programType is the kernel program type a probe spec needs. */
export function programType(spec: ProbeSpec): ProgramType {
  switch (spec.type) {
    case 'begin':
    case 'end':
    case 'rawtracepoint':
      return 'raw_tracepoint';
    case 'tracepoint':
      return 'tracepoint';
    case 'kprobe':
    case 'kretprobe':
    case 'uprobe':
    case 'uretprobe':
    case 'usdt':
      return 'kprobe';
    case 'profile':
    case 'interval':
    case 'software':
    case 'hardware':
      return 'perf_event';
    case 'fentry':
    case 'fexit':
      return 'tracing';
  }
}

/** compile generates the maps, actions and programs of a checked program. */
export function compile(checked: CheckedProgram, options: CompileOptions = {}): Compiled {
  const maps = layoutMaps(checked, options);
  const out: Compiled = { checked, maps, programs: [], actions: [], probeNames: [] };
  checked.probes.forEach((p, probeIndex) => {
    for (const v of p.variants) {
      const spec = v.specs[0]!;
      const gen = new ProbeGen(checked, out, v, maps, options);
      const built = gen.probe(p.probe);
      out.programs.push({
        name: v.specs.length > 1 ? `${spec.name} (+${v.specs.length - 1})` : spec.name,
        probeIndex,
        specs: v.specs,
        type: programType(spec),
        built,
        srcMap: gen.srcMap,
      });
    }
  });
  return out;
}

function layoutMaps(checked: CheckedProgram, options: CompileOptions): MapLayout[] {
  const maxEntries = options.maxMapKeys ?? Number(checked.program.config.get('max_map_keys') ?? 4096n);
  const out: MapLayout[] = [];
  for (const info of checked.maps.values()) {
    if (info.value === undefined) continue;
    const keys = info.keys ?? [];
    const keyOffsets: number[] = [];
    let size = 0;
    for (const k of keys) {
      keyOffsets.push(size);
      size += align8(byteSize(k));
    }
    const v = info.value;
    const bucket = v.k === 'agg' && (v.fn === 'hist' || v.fn === 'lhist');
    if (bucket) size += 8;
    if (size === 0) size = 8;
    out.push({
      ref: mapRef(info.name),
      type: v.k === 'agg' ? 'percpu_hash' : 'hash',
      keySize: size,
      valueSize: v.k === 'agg' ? aggValueSize(v.fn) : align8(Math.max(byteSize(v), 8)),
      maxEntries,
      info,
      keyOffsets,
      bucket,
    });
  }
  out.push({ ref: GLOBALS_MAP, type: 'array', keySize: 4, valueSize: Globals.COUNT * 8, maxEntries: 1 });
  out.push({
    ref: EVENTS_MAP,
    type: 'ringbuf',
    keySize: 0,
    valueSize: 0,
    maxEntries: options.ringbufSize ?? 1 << 22,
  });
  out.push({ ref: STACKS_MAP, type: 'stack_trace', keySize: 4, valueSize: 127 * 8, maxEntries: 4096 });
  out.push({
    ref: JOIN_MAP,
    type: 'percpu_array',
    keySize: 4,
    valueSize: SCRATCH_SIZE,
    maxEntries: 1,
  });
  return out;
}

class ProbeGen {
  private readonly b = new ProgramBuilder();
  private sp = 0;
  private labelN = 0;
  private readonly varSlots = new Map<string, { off: number; ty: Ty }>();
  private readonly loops: Array<{ brk: string; cont: string }> = [];
  readonly srcMap: Array<[number, number]> = [];
  private readonly spec: ProbeSpec;
  private readonly mapsByName = new Map<string, MapLayout>();
  private readonly stackUsed = new Set<string>();

  constructor(
    private readonly checked: CheckedProgram,
    private readonly out: Compiled,
    private readonly v: Variant,
    maps: MapLayout[],
    private readonly opts: CompileOptions,
  ) {
    this.spec = v.specs[0]!;
    for (const m of maps) if (m.info) this.mapsByName.set(m.info.name, m);
  }

  probe(p: A.Probe) {
    const b = this.b;
    this.mark(p.pos);
    b.mov(r6, r1);
    // Scratch variables live for the whole probe; zeroed so reads before a write are defined.
    for (const [name, ty] of this.v.vars) {
      const size = align8(Math.max(byteSize(ty), 8));
      const off = this.alloc(size, p.pos);
      this.varSlots.set(name, { off, ty });
    }
    for (const { off, ty } of this.varSlots.values()) this.zero(off, align8(Math.max(byteSize(ty), 8)));
    if (p.predicate) {
      const save = this.sp;
      this.scalar(p.predicate);
      b.jmp('JEQ', r0, 0, 'exit');
      this.sp = save;
    }
    this.stmts(p.body);
    b.label('exit');
    b.mov(r0, 0);
    b.exit();
    return b.build();
  }

  // --- bookkeeping -------------------------------------------------------------------------------

  private mark(pos: number): void {
    const last = this.srcMap[this.srcMap.length - 1];
    if (last && last[0] === this.b.pc) last[1] = pos;
    else if (!last || last[1] !== pos) this.srcMap.push([this.b.pc, pos]);
  }

  private err(pos: number, msg: string, hint?: string): ParseError {
    return this.checked.source.error(pos, msg, hint);
  }

  private label(what: string): string {
    return `${what}_${this.labelN++}`;
  }

  private ty(e: A.Expr): Ty {
    const t = this.v.types.get(e);
    if (!t) throw this.err(e.pos, 'internal error: expression has no type');
    return t;
  }

  /** alloc reserves `size` bytes of stack, returning the r10 offset of their start. */
  private alloc(size: number, pos: number): number {
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

  private zero(off: number, size: number): void {
    for (let i = 0; i < size; i += 8) this.b.st('u64', r10, off + i, 0);
  }

  private ldImm(reg: Reg, v: bigint): void {
    const s = BigInt.asIntN(64, v);
    if (s >= -0x80000000n && s <= 0x7fffffffn) this.b.mov(reg, Number(s));
    else this.b.ld64(reg, s);
  }

  /** usdtArg loads one SDT argument into r0: a register of pt_regs, user memory, or a constant. */
  private usdtArg(a: UsdtArg, pos: number): void {
    const b = this.b;
    if (a.kind === 'const') {
      this.ldImm(r0, a.value);
      return;
    }
    if (a.kind === 'reg') b.ldx('u64', r0, r6, X86_REGS[a.reg]!);
    else {
      const tmp = this.alloc(8, pos);
      b.st('u64', r10, tmp, 0);
      this.stackPtr(r1, tmp);
      b.mov(r2, a.size);
      b.ldx('u64', r3, r6, X86_REGS[a.reg]!);
      b.add(r3, a.offset);
      b.call('probe_read_user');
      b.ldx('u64', r0, r10, tmp);
    }
    if (a.size < 8) {
      // Keep only the argument's own bytes, sign-extended when the spec says signed.
      b.lsh(r0, 64 - a.size * 8);
      if (a.signed) b.alu64('ARSH', r0, 64 - a.size * 8);
      else b.rsh(r0, 64 - a.size * 8);
    }
  }

  /** stackPtr sets reg to r10 + off. */
  private stackPtr(reg: Reg, off: number): void {
    this.b.mov(reg, r10);
    this.b.add(reg, off);
  }

  /** copy copies `size` bytes (a multiple of 8) between stack buffers. */
  private copy(dst: number, src: number, size: number): void {
    for (let i = 0; i < size; i += 8) {
      this.b.ldx('u64', r1, r10, src + i);
      this.b.st('u64', r10, dst + i, r1);
    }
  }

  /** store puts a value into the buffer at `off` of `size` bytes, zero-padding shorter sources. */
  private store(val: Val, off: number, size: number): void {
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

  private globalAdd(slot: number, by: number): void {
    this.b.ldMapValue(r1, GLOBALS_MAP, slot * 8);
    this.b.mov(r2, by);
    this.b.atomic('add', 'u64', r1, 0, r2);
  }

  // --- statements --------------------------------------------------------------------------------

  /** stmts emits a block; it returns true when the block ends in a jump (code after it is dead). */
  private stmts(list: A.Stmt[]): boolean {
    for (const s of list) {
      const save = this.sp;
      this.stmt(s);
      this.sp = save;
      // The verifier rejects unreachable instructions, so nothing is emitted after a jump.
      if (s.kind === 'jump' || (s.kind === 'expr' && s.expr.kind === 'call' && s.expr.name === 'exit'))
        return true;
      if (s.kind === 'if' && this.lastIfTerminated) return true;
    }
    return false;
  }

  private lastIfTerminated = false;

  private stmt(s: A.Stmt): void {
    const b = this.b;
    this.mark(s.pos);
    switch (s.kind) {
      case 'expr':
        this.exprStmt(s.expr);
        return;
      case 'assign':
        this.assign(s);
        return;
      case 'if': {
        const els = this.label('else');
        const end = this.label('endif');
        this.scalar(s.cond);
        b.jmp('JEQ', r0, 0, els);
        const thenJumps = this.stmts(s.then);
        if (!thenJumps) b.ja(end);
        b.label(els);
        const elseJumps = s.else ? this.stmts(s.else) : false;
        b.label(end);
        this.lastIfTerminated = thenJumps && elseJumps;
        return;
      }
      case 'unroll': {
        const n = Number(this.constInt(s.count));
        for (let i = 0; i < n; i++) if (this.stmts(s.body)) break;
        return;
      }
      case 'while': {
        const top = this.label('while');
        const end = this.label('endwhile');
        b.label(top);
        this.scalar(s.cond);
        b.jmp('JEQ', r0, 0, end);
        this.loops.push({ brk: end, cont: top });
        const bodyJumps = this.stmts(s.body);
        this.loops.pop();
        if (!bodyJumps) b.ja(top);
        b.label(end);
        return;
      }
      case 'jump': {
        if (s.what === 'return') b.ja('exit');
        else {
          const loop = this.loops[this.loops.length - 1]!;
          b.ja(s.what === 'break' ? loop.brk : loop.cont);
        }
        return;
      }
      case 'block':
        this.stmts(s.body);
        return;
    }
  }

  private constInt(e: A.Expr): bigint {
    if (e.kind === 'int') return e.value;
    if (e.kind === 'unary' && e.operand.kind === 'int') return -e.operand.value;
    if (e.kind === 'param') return BigInt(this.checked.params[e.index - 1] ?? '0');
    throw this.err(e.pos, 'expected an integer literal');
  }

  private assign(s: A.AssignStmt): void {
    const target = s.target;
    const value = s.value;
    if (target.kind === 'var') {
      const slot = this.varSlots.get(target.name)!;
      const size = align8(Math.max(byteSize(slot.ty), 8));
      if (s.op === '=') {
        const val = this.expr(value);
        this.store(val, slot.off, size);
      } else {
        this.scalar(value);
        this.b.mov(r1, r0);
        this.b.ldx('u64', r0, r10, slot.off);
        this.binop(compoundOp(s.op), this.ty(value), slot.ty);
        this.b.st('u64', r10, slot.off, r0);
      }
      return;
    }
    const layout = this.mapsByName.get(target.name)!;
    const info = layout.info!;
    if (value.kind === 'call' && info.value!.k === 'agg') {
      this.aggregate(target, value, layout);
      return;
    }
    if (s.op !== '=') {
      // Read, combine, write back: not atomic across CPUs, as in bpftrace.
      const tmp = this.alloc(8, value.pos);
      this.scalar(value);
      this.b.st('u64', r10, tmp, r0);
      const key = this.mapKey(target, layout);
      this.lookupScalar(layout, key);
      this.b.ldx('u64', r1, r10, tmp);
      this.binop(compoundOp(s.op), this.ty(value), info.value!);
      this.b.st('u64', r10, tmp, r0);
      this.update(layout, key, tmp, BPF_ANY);
      return;
    }
    const vsize = layout.valueSize;
    const vbuf = this.alloc(vsize, value.pos);
    const val = this.expr(value);
    this.store(val, vbuf, vsize);
    const key = this.mapKey(target, layout);
    this.update(layout, key, vbuf, BPF_ANY);
  }

  /** mapKey builds the key of a map access on the stack and returns its offset. */
  private mapKey(m: A.MapRef, layout: MapLayout, extraKeys: A.Expr[] = []): number {
    const keys = m.keys.length ? m.keys : extraKeys;
    const key = this.alloc(layout.keySize, m.pos);
    this.zero(key, layout.keySize);
    const infoKeys = layout.info!.keys ?? [];
    keys.forEach((k, i) => {
      const size = align8(byteSize(infoKeys[i]!));
      const save = this.sp;
      const val = this.expr(k);
      this.store(val, key + layout.keyOffsets![i]!, size);
      this.sp = save;
    });
    return key;
  }

  private update(layout: MapLayout, key: number, value: number, flags: number): void {
    const b = this.b;
    b.ldMap(r1, layout.ref);
    this.stackPtr(r2, key);
    this.stackPtr(r3, value);
    b.mov(r4, flags);
    b.call('map_update_elem');
    const ok = this.label('updated');
    b.jmp('JSGE', r0, 0, ok);
    this.globalAdd(Globals.MAP_DROPS, 1);
    b.label(ok);
  }

  /** lookupScalar leaves the map's u64 value (or 0 when absent) in r0. */
  private lookupScalar(layout: MapLayout, key: number): void {
    const b = this.b;
    b.ldMap(r1, layout.ref);
    this.stackPtr(r2, key);
    b.call('map_lookup_elem');
    const miss = this.label('miss');
    b.jmp('JEQ', r0, 0, miss);
    b.ldx('u64', r0, r0, 0);
    b.label(miss);
  }

  private aggregate(target: A.MapRef, call: A.Call, layout: MapLayout): void {
    const b = this.b;
    const agg = layout.info!.value as Extract<Ty, { k: 'agg' }>;
    const fn = agg.fn;
    // The new sample, evaluated before the key so the key survives on the stack.
    const sample = this.alloc(8, call.pos);
    if (fn === 'count') b.mov(r0, 1);
    else this.scalar(call.args[0]!);
    b.st('u64', r10, sample, r0);
    const key = this.mapKey(target, layout);
    if (layout.bucket) {
      b.ldx('u64', r0, r10, sample);
      if (fn === 'hist') this.log2Bucket();
      else this.linearBucket(agg.lhist!);
      b.st('u64', r10, key + layout.keySize - 8, r0);
    }
    b.ldMap(r1, layout.ref);
    this.stackPtr(r2, key);
    b.call('map_lookup_elem');
    const miss = this.label('aggmiss');
    const done = this.label('aggdone');
    b.jmp('JEQ', r0, 0, miss);
    b.ldx('u64', r1, r10, sample);
    // Per-CPU values: no other CPU writes this slot, so plain read-modify-write is exact.
    switch (fn) {
      case 'count':
      case 'hist':
      case 'lhist':
        b.ldx('u64', r2, r0, 0);
        b.add(r2, 1);
        b.st('u64', r0, 0, r2);
        break;
      case 'sum':
        b.ldx('u64', r2, r0, 0);
        b.add(r2, r1);
        b.st('u64', r0, 0, r2);
        break;
      case 'avg':
      case 'stats':
        b.ldx('u64', r2, r0, 0);
        b.add(r2, 1);
        b.st('u64', r0, 0, r2);
        b.ldx('u64', r2, r0, 8);
        b.add(r2, r1);
        b.st('u64', r0, 8, r2);
        break;
      case 'min':
      case 'max': {
        const set = this.label('mset');
        b.ldx('u64', r2, r0, 8);
        b.jmp('JEQ', r2, 0, set);
        b.ldx('u64', r2, r0, 0);
        b.jmp(fn === 'min' ? 'JSLE' : 'JSGE', r2, r1, done);
        b.label(set);
        b.st('u64', r0, 0, r1);
        b.st('u64', r0, 8, 1);
        break;
      }
    }
    b.ja(done);
    b.label(miss);
    const init = this.alloc(16, call.pos);
    b.ldx('u64', r1, r10, sample);
    switch (fn) {
      case 'count':
      case 'hist':
      case 'lhist':
        b.st('u64', r10, init, 1);
        break;
      case 'sum':
        b.st('u64', r10, init, r1);
        break;
      case 'avg':
      case 'stats':
        b.st('u64', r10, init, 1);
        b.st('u64', r10, init + 8, r1);
        break;
      case 'min':
      case 'max':
        b.st('u64', r10, init, r1);
        b.st('u64', r10, init + 8, 1);
        break;
    }
    if (layout.valueSize === 8) b.st('u64', r10, init + 8, 0);
    this.update(layout, key, init, BPF_NOEXIST);
    b.label(done);
  }

  /** log2Bucket maps r0 to bpftrace's hist() bucket: 0 for negatives, 1 for 0, 2+floor(log2) above. */
  private log2Bucket(): void {
    const b = this.b;
    const done = this.label('h');
    const pos = this.label('hpos');
    b.jmp('JSGT', r0, 0, pos);
    b.mov(r1, 0);
    b.jmp('JSLT', r0, 0, done);
    b.mov(r1, 1);
    b.ja(done);
    b.label(pos);
    b.mov(r1, 2);
    for (const shift of [32, 16, 8, 4, 2, 1]) {
      const skip = this.label('hs');
      b.mov(r2, r0);
      b.rsh(r2, shift);
      b.jmp('JEQ', r2, 0, skip);
      b.mov(r0, r2);
      b.add(r1, shift);
      b.label(skip);
    }
    b.label(done);
    b.mov(r0, r1);
  }

  /** linearBucket maps r0 to lhist's bucket: 0 below min, 1.. inside, last at or above max. */
  private linearBucket(l: { min: bigint; max: bigint; step: bigint }): void {
    const b = this.b;
    const done = this.label('l');
    const inside = this.label('lin');
    const last = (l.max - l.min) / l.step + 1n;
    this.ldImm(r2, l.min);
    this.ldImm(r3, l.max);
    b.mov(r1, 0);
    b.jmp('JSLT', r0, r2, done);
    this.ldImm(r1, last);
    b.jmp('JSGE', r0, r3, done);
    b.label(inside);
    b.sub(r0, r2);
    this.ldImm(r2, l.step);
    b.alu64('DIV', r0, r2);
    b.add(r0, 1);
    b.mov(r1, r0);
    b.label(done);
    b.mov(r0, r1);
  }

  private exprStmt(e: A.Expr): void {
    if (e.kind === 'call') {
      switch (e.name) {
        case 'printf':
        case 'system':
        case 'cat':
          this.printf(e);
          return;
        case 'exit': {
          let code: ArgSlot | undefined;
          const args = e.args[0] ? [e.args[0]] : [];
          const slots = args.map(() => ({ ty: U64, offset: 8 }));
          if (slots[0]) code = slots[0];
          this.event({ kind: 'exit', code }, args, e.pos);
          this.b.ja('exit');
          return;
        }
        case 'print': {
          const a = e.args[0]!;
          if (a.kind === 'map' && a.keys.length === 0) {
            const top = e.args[1] ? Number(this.constInt(e.args[1])) : 0;
            const div = e.args[2] ? Number(this.constInt(e.args[2])) : 0;
            this.event({ kind: 'print', map: a.name, top, div }, [], e.pos);
          } else {
            this.event({ kind: 'printValue', arg: { ty: this.ty(a), offset: 8 } }, [a], e.pos);
          }
          return;
        }
        case 'clear':
        case 'zero':
          this.event({ kind: e.name, map: (e.args[0] as A.MapRef).name }, [], e.pos);
          return;
        case 'time':
          this.event(
            { kind: 'time', fmt: e.args[0] ? (e.args[0] as A.StrLit).value : '%H:%M:%S\n' },
            [],
            e.pos,
          );
          return;
        case 'delete': {
          const m = e.args[0] as A.MapRef;
          const layout = this.mapsByName.get(m.name);
          if (!layout) return;
          const key = this.mapKey(m, layout, e.args.slice(1));
          this.b.ldMap(r1, layout.ref);
          this.stackPtr(r2, key);
          this.b.call('map_delete_elem');
          return;
        }
        case 'join':
          this.join(e);
          return;
      }
    }
    this.expr(e);
  }

  /** event sends a ring buffer record [action index][args...] for an action. */
  private event(action: Action, args: A.Expr[], pos: number): void {
    const slots: ArgSlot[] = [];
    let size = 8;
    for (const a of args) {
      const t = this.ty(a);
      slots.push({ ty: t, offset: size });
      size += align8(Math.max(byteSize(t), 8));
    }
    if (action.kind === 'printValue') action.arg = slots[0]!;
    if (action.kind === 'exit') action.code = slots[0];
    if (action.kind === 'printf' || action.kind === 'system' || action.kind === 'cat') {
      action.args = slots;
      action.size = size;
    }
    const id = this.out.actions.length;
    this.out.actions.push(action);
    if (size > STACK_RECORD_MAX) {
      this.scratchEvent(id, args, slots, size, pos);
      return;
    }
    const rec = this.alloc(size, pos);
    this.b.st('u64', r10, rec, id);
    args.forEach((a, i) => {
      const save = this.sp;
      const off = rec + slots[i]!.offset;
      const val = this.expr(a);
      this.store(val, off, align8(Math.max(byteSize(slots[i]!.ty), 8)));
      this.sp = save;
    });
    // User symbols resolve against the live process, so those events are read at once.
    const userSyms = slots.some((x) => x.ty.k === 'usym' || (x.ty.k === 'stack' && x.ty.user));
    this.output(rec, size, action.kind === 'exit' || userSyms);
  }

  /** scratchEvent builds a large record in the per-CPU scratch buffer, one argument at a time. */
  private scratchEvent(id: number, args: A.Expr[], slots: ArgSlot[], size: number, pos: number): void {
    const b = this.b;
    if (size > SCRATCH_SIZE)
      throw this.err(pos, `this event needs ${size} bytes; the limit is ${SCRATCH_SIZE}`);
    const zero = this.alloc(8, pos);
    const skip = this.label('noscratch');
    const lookup = () => {
      b.st('u64', r10, zero, 0);
      b.ldMap(r1, JOIN_MAP);
      this.stackPtr(r2, zero);
      b.call('map_lookup_elem');
      b.jmp('JEQ', r0, 0, skip);
    };
    args.forEach((a, i) => {
      const save = this.sp;
      const slot = slots[i]!;
      const width = align8(Math.max(byteSize(slot.ty), 8));
      const tmp = this.alloc(width, a.pos);
      this.store(this.expr(a), tmp, width);
      lookup();
      for (let k = 0; k < width; k += 8) {
        b.ldx('u64', r1, r10, tmp + k);
        b.st('u64', r0, slot.offset + k, r1);
      }
      this.sp = save;
    });
    this.wakeupFlags(false);
    lookup();
    b.st('u64', r0, 0, id);
    b.mov(r2, r0);
    b.ldMap(r1, EVENTS_MAP);
    b.mov(r3, size);
    b.mov(r4, r8);
    b.call('ringbuf_output');
    const ok = this.label('sent');
    b.jmp('JEQ', r0, 0, ok);
    this.globalAdd(Globals.LOST_EVENTS, 1);
    b.label(ok);
    b.label(skip);
  }

  /**
   * wakeupFlags leaves ringbuf_output flags in r8: wake the reader only once WAKEUP_BYTES are waiting
   * (or always, for exit()), since a wake-up per event costs more than the event; user space also
   * polls on a timer, so sparse events still arrive promptly.
   */
  private wakeupFlags(force: boolean): void {
    const b = this.b;
    if (force) {
      b.mov(r8, BPF_RB_FORCE_WAKEUP);
      return;
    }
    b.ldMap(r1, EVENTS_MAP);
    b.mov(r2, BPF_RB_AVAIL_DATA);
    b.call('ringbuf_query');
    b.mov(r8, BPF_RB_NO_WAKEUP);
    const quiet = this.label('quiet');
    b.jmp('JLT', r0, WAKEUP_BYTES, quiet);
    b.mov(r8, BPF_RB_FORCE_WAKEUP);
    b.label(quiet);
  }

  private output(rec: number, size: number, force = false): void {
    const b = this.b;
    this.wakeupFlags(force);
    b.ldMap(r1, EVENTS_MAP);
    this.stackPtr(r2, rec);
    b.mov(r3, size);
    b.mov(r4, r8);
    b.call('ringbuf_output');
    const ok = this.label('sent');
    b.jmp('JEQ', r0, 0, ok);
    this.globalAdd(Globals.LOST_EVENTS, 1);
    b.label(ok);
  }

  private printf(e: A.Call): void {
    const fmt = (e.args[0] as A.StrLit).value;
    this.event(
      { kind: e.name as 'printf', fmt: parseFormat(fmt), args: [], size: 0 },
      e.args.slice(1),
      e.pos,
    );
  }

  /** join reads a NULL-terminated array of user string pointers (argv) into the per-CPU scratch map. */
  private join(e: A.Call): void {
    const b = this.b;
    const delim = e.args[1] ? (e.args[1] as A.StrLit).value : ' ';
    const id = this.out.actions.length;
    this.out.actions.push({ kind: 'join', delim, count: JOIN_ARGS, width: JOIN_WIDTH });
    const ptrs = this.alloc(8, e.pos);
    this.scalar(e.args[0]!);
    b.st('u64', r10, ptrs, r0);
    const zero = this.alloc(8, e.pos);
    b.st('u64', r10, zero, 0);
    b.ldMap(r1, JOIN_MAP);
    this.stackPtr(r2, zero);
    b.call('map_lookup_elem');
    const done = this.label('joindone');
    b.jmp('JEQ', r0, 0, done);
    b.mov(r7, r0);
    b.st('u64', r7, 0, id);
    const tmp = this.alloc(8, e.pos);
    const space = this.spec.type === 'tracepoint' && this.spec.target !== 'syscalls' ? 'kernel' : 'user';
    for (let i = 0; i < JOIN_ARGS; i++) {
      b.st('u8', r7, 8 + i * JOIN_WIDTH, 0);
    }
    const end = this.label('joinend');
    for (let i = 0; i < JOIN_ARGS; i++) {
      this.stackPtr(r1, tmp);
      b.mov(r2, 8);
      b.ldx('u64', r3, r10, ptrs);
      b.add(r3, i * 8);
      b.call(space === 'user' ? 'probe_read_user' : 'probe_read_kernel');
      b.ldx('u64', r3, r10, tmp);
      b.jmp('JEQ', r3, 0, end);
      b.mov(r1, r7);
      b.add(r1, 8 + i * JOIN_WIDTH);
      b.mov(r2, JOIN_WIDTH);
      b.call(space === 'user' ? 'probe_read_user_str' : 'probe_read_kernel_str');
    }
    b.label(end);
    this.wakeupFlags(false);
    b.ldMap(r1, EVENTS_MAP);
    b.mov(r2, r7);
    b.mov(r3, 8 + JOIN_ARGS * JOIN_WIDTH);
    b.mov(r4, r8);
    b.call('ringbuf_output');
    b.label(done);
  }

  // --- expressions -------------------------------------------------------------------------------

  /** scalar evaluates an integer-like expression into r0. */
  private scalar(e: A.Expr): void {
    const v = this.expr(e);
    if (v.at !== 'r0') {
      // A string or record in a scalar context (a predicate on a pointer-like value): its first word.
      this.b.ldx('u64', r0, r10, v.off);
    }
  }

  private expr(e: A.Expr): Val {
    this.mark(e.pos);
    const b = this.b;
    const t = this.ty(e);
    switch (e.kind) {
      case 'int':
        this.ldImm(r0, e.value);
        return R0;
      case 'str':
        return this.strConst(e.value, t.k === 'str' ? t.size : e.value.length + 1, e.pos);
      case 'param': {
        if (e.index < 0) {
          this.ldImm(r0, BigInt(this.checked.params.length));
          return R0;
        }
        const p = this.checked.params[e.index - 1];
        if (t.k === 'str') return this.strConst(p ?? '', t.size, e.pos);
        this.ldImm(r0, BigInt(p ?? '0'));
        return R0;
      }
      case 'var': {
        const slot = this.varSlots.get(e.name)!;
        if (
          slot.ty.k === 'int' ||
          slot.ty.k === 'ptr' ||
          slot.ty.k === 'ksym' ||
          slot.ty.k === 'probe' ||
          slot.ty.k === 'username' ||
          slot.ty.k === 'timestamp' ||
          slot.ty.k === 'record'
        ) {
          b.ldx('u64', r0, r10, slot.off);
          return R0;
        }
        return { at: 'stack', off: slot.off, size: align8(Math.max(byteSize(slot.ty), 8)) };
      }
      case 'map':
        return this.mapRead(e);
      case 'builtin':
        return this.builtin(e, t);
      case 'call':
        return this.call(e, t);
      case 'binary':
        return this.binary(e);
      case 'unary': {
        if (e.op === '*') {
          const ot = this.ty(e.operand);
          this.scalar(e.operand);
          if (ot.k !== 'ptr') {
            return this.readMem(
              r0,
              0,
              { kind: 'int', name: 'u64', size: 8, signed: false },
              this.defaultSpace(),
              e.pos,
            );
          }
          return this.readMem(r0, 0, ot.to, ot.space, e.pos);
        }
        this.scalar(e.operand);
        if (e.op === '!') this.boolify('JEQ', r0, 0);
        else if (e.op === '~') b.alu64('XOR', r0, -1);
        else if (e.op === '-') b.neg(r0);
        return R0;
      }
      case 'incdec':
        return this.incdec(e);
      case 'ternary': {
        const els = this.label('telse');
        const end = this.label('tend');
        if (t.k === 'str' || t.k === 'tuple') {
          const size = align8(byteSize(t));
          const buf = this.alloc(size, e.pos);
          this.scalar(e.cond);
          b.jmp('JEQ', r0, 0, els);
          const save = this.sp;
          this.store(this.expr(e.then), buf, size);
          this.sp = save;
          b.ja(end);
          b.label(els);
          this.store(this.expr(e.else), buf, size);
          this.sp = save;
          b.label(end);
          return { at: 'stack', off: buf, size };
        }
        this.scalar(e.cond);
        b.jmp('JEQ', r0, 0, els);
        this.scalar(e.then);
        b.ja(end);
        b.label(els);
        this.scalar(e.else);
        b.label(end);
        return R0;
      }
      case 'field':
        return this.field(e);
      case 'index': {
        const ot = this.ty(e.object);
        const tmp = this.alloc(8, e.pos);
        this.scalar(e.index);
        b.st('u64', r10, tmp, r0);
        let elem: CType;
        let space: 'kernel' | 'user';
        if (ot.k === 'ptr') {
          this.scalar(e.object);
          elem = ot.to;
          space = ot.space;
        } else if (ot.k === 'record' && ot.ctype.kind === 'array') {
          if (ot.space === 'ctx') {
            const a = this.ctxAddress(e.object);
            b.mov(r0, r6);
            b.add(r0, a);
          } else this.scalar(e.object);
          elem = ot.ctype.elem;
          space = ot.space === 'ctx' ? 'kernel' : ot.space;
        } else throw this.err(e.pos, 'cannot index this value');
        b.ldx('u64', r1, r10, tmp);
        b.mul(r1, cSizeOf(elem));
        b.add(r0, r1);
        return this.readMem(r0, 0, elem, space, e.pos);
      }
      case 'cast': {
        this.scalar(e.operand);
        if (t.k === 'int' && t.size < 8) this.truncate(t.size, t.signed);
        return R0;
      }
      case 'tuple': {
        const size = align8(byteSize(t));
        const buf = this.alloc(size, e.pos);
        this.zero(buf, size);
        let off = 0;
        e.elems.forEach((x) => {
          const et = this.ty(x);
          const esize = align8(Math.max(byteSize(et), 8));
          const save = this.sp;
          this.store(this.expr(x), buf + off, esize);
          this.sp = save;
          off += esize;
        });
        return { at: 'stack', off: buf, size };
      }
      case 'sizeof':
        this.ldImm(r0, this.v.consts.get(e) ?? 8n);
        return R0;
    }
  }

  private truncate(size: number, signed: boolean): void {
    const bits = 64 - size * 8;
    this.b.lsh(r0, bits);
    if (signed) this.b.alu64('ARSH', r0, bits);
    else this.b.rsh(r0, bits);
  }

  private strConst(s: string, size: number, pos: number): Val {
    const bytes = Buffer.from(s);
    const n = align8(Math.max(size, bytes.length + 1));
    const off = this.alloc(n, pos);
    const padded = Buffer.alloc(n);
    bytes.copy(padded, 0, 0, Math.min(bytes.length, n - 1));
    for (let i = 0; i < n; i += 4) this.b.st('u32', r10, off + i, padded.readInt32LE(i));
    return { at: 'stack', off, size: n };
  }

  private boolify(op: JumpName, a: Reg, bv: Reg | number): void {
    const yes = this.label('t');
    const end = this.label('b');
    this.b.jmp(op, a, bv, yes);
    this.b.mov(r0, 0);
    this.b.ja(end);
    this.b.label(yes);
    this.b.mov(r0, 1);
    this.b.label(end);
  }

  private binary(e: A.Binary): Val {
    const b = this.b;
    const lt = this.ty(e.left);
    const rt = this.ty(e.right);
    if (e.op === '&&' || e.op === '||') {
      const end = this.label('logic');
      this.scalar(e.left);
      this.boolify('JNE', r0, 0);
      b.jmp(e.op === '&&' ? 'JEQ' : 'JNE', r0, 0, end);
      this.scalar(e.right);
      this.boolify('JNE', r0, 0);
      b.label(end);
      return R0;
    }
    if (lt.k === 'str' && rt.k === 'str') return this.strEq(e);
    const tmp = this.alloc(8, e.pos);
    this.scalar(e.left);
    b.st('u64', r10, tmp, r0);
    this.scalar(e.right);
    b.mov(r1, r0);
    b.ldx('u64', r0, r10, tmp);
    this.binop(e.op, lt, rt);
    return R0;
  }

  /** binop computes r0 = r0 op r1. */
  private binop(op: A.BinaryOp, lt: Ty, rt: Ty): void {
    const b = this.b;
    const signed = (lt.k === 'int' && lt.signed) || (rt.k === 'int' && rt.signed);
    switch (op) {
      case '+':
        b.add(r0, r1);
        return;
      case '-':
        b.sub(r0, r1);
        return;
      case '*':
        b.mul(r0, r1);
        return;
      case '/':
      case '%': {
        // Division by zero gives 0 in BPF; that is what the script sees too.
        if (signed) {
          if (op === '/') b.sdiv(r0, r1);
          else b.smod(r0, r1);
        } else b.alu64(op === '/' ? 'DIV' : 'MOD', r0, r1);
        return;
      }
      case '&':
        b.and(r0, r1);
        return;
      case '|':
        b.or(r0, r1);
        return;
      case '^':
        b.alu64('XOR', r0, r1);
        return;
      case '<<':
        b.lsh(r0, r1);
        return;
      case '>>':
        if (signed && lt.k === 'int' && lt.signed) b.alu64('ARSH', r0, r1);
        else b.rsh(r0, r1);
        return;
      case '==':
        this.boolify('JEQ', r0, r1);
        return;
      case '!=':
        this.boolify('JNE', r0, r1);
        return;
      case '<':
        this.boolify(signed ? 'JSLT' : 'JLT', r0, r1);
        return;
      case '<=':
        this.boolify(signed ? 'JSLE' : 'JLE', r0, r1);
        return;
      case '>':
        this.boolify(signed ? 'JSGT' : 'JGT', r0, r1);
        return;
      case '>=':
        this.boolify(signed ? 'JSGE' : 'JGE', r0, r1);
        return;
      default:
        throw new Error(`binop ${op}`);
    }
  }

  /** strEq compares two zero-padded strings a word at a time, up to the shorter buffer. */
  private strEq(e: A.Binary): Val {
    const b = this.b;
    const l = this.expr(e.left);
    if (l.at !== 'stack') throw this.err(e.left.pos, 'internal error: string in a register');
    const r = this.expr(e.right);
    if (r.at !== 'stack') throw this.err(e.right.pos, 'internal error: string in a register');
    const n = Math.min(align8(l.size), align8(r.size));
    const differ = this.label('sne');
    const end = this.label('seq');
    for (let i = 0; i < n; i += 8) {
      b.ldx('u64', r1, r10, l.off + i);
      b.ldx('u64', r2, r10, r.off + i);
      b.jmp('JNE', r1, r2, differ);
    }
    b.mov(r0, e.op === '==' ? 1 : 0);
    b.ja(end);
    b.label(differ);
    b.mov(r0, e.op === '==' ? 0 : 1);
    b.label(end);
    return R0;
  }

  private incdec(e: A.IncDec): Val {
    const b = this.b;
    const delta = e.op === '++' ? 1 : -1;
    if (e.target.kind === 'var') {
      const slot = this.varSlots.get(e.target.name)!;
      b.ldx('u64', r0, r10, slot.off);
      b.mov(r1, r0);
      b.add(r1, delta);
      b.st('u64', r10, slot.off, r1);
      if (e.prefix) b.mov(r0, r1);
      return R0;
    }
    const layout = this.mapsByName.get(e.target.name)!;
    const key = this.mapKey(e.target, layout);
    const tmp = this.alloc(16, e.pos);
    this.lookupScalar(layout, key);
    b.st('u64', r10, tmp + 8, r0);
    b.add(r0, delta);
    b.st('u64', r10, tmp, r0);
    this.update(layout, key, tmp, BPF_ANY);
    b.ldx('u64', r0, r10, e.prefix ? tmp : tmp + 8);
    return R0;
  }

  private mapRead(e: A.MapRef): Val {
    const b = this.b;
    const layout = this.mapsByName.get(e.name)!;
    const vt = layout.info!.value!;
    const key = this.mapKey(e, layout);
    if (
      vt.k === 'agg' ||
      vt.k === 'int' ||
      vt.k === 'ptr' ||
      vt.k === 'ksym' ||
      vt.k === 'probe' ||
      vt.k === 'username' ||
      vt.k === 'timestamp'
    ) {
      this.lookupScalar(layout, key);
      return R0;
    }
    const size = layout.valueSize;
    const buf = this.alloc(size, e.pos);
    this.zero(buf, size);
    b.ldMap(r1, layout.ref);
    this.stackPtr(r2, key);
    b.call('map_lookup_elem');
    const miss = this.label('miss');
    b.jmp('JEQ', r0, 0, miss);
    for (let i = 0; i < size; i += 8) {
      b.ldx('u64', r1, r0, i);
      b.st('u64', r10, buf + i, r1);
    }
    b.label(miss);
    return { at: 'stack', off: buf, size };
  }

  private builtin(e: A.Builtin, t: Ty): Val {
    const b = this.b;
    const n = e.name;
    const constant = this.v.consts.get(e);
    if (constant !== undefined) {
      this.ldImm(r0, constant);
      return R0;
    }
    if (/^arg\d+$/.test(n)) {
      const i = Number(n.slice(3));
      if (this.spec.type === 'rawtracepoint') b.ldx('u64', r0, r6, i * 8);
      else if (this.spec.type === 'usdt' && this.spec.usdtArgs !== undefined)
        this.usdtArg(parseUsdtArgs(this.spec.usdtArgs)[i]!, e.pos);
      else b.ldx('u64', r0, r6, X86_REGS[ARG_REGS[i]!]!);
      return R0;
    }
    switch (n) {
      case 'pid':
      case 'tid':
        b.call('get_current_pid_tgid');
        if (n === 'pid') b.rsh(r0, 32);
        else b.mov32(r0, r0);
        return R0;
      case 'uid':
      case 'gid':
      case 'username':
        b.call('get_current_uid_gid');
        if (n === 'gid') b.rsh(r0, 32);
        else b.mov32(r0, r0);
        return R0;
      case 'nsecs':
        b.call('ktime_get_ns');
        return R0;
      case 'cpid':
        b.ldMapValue(r1, GLOBALS_MAP, Globals.CPID * 8);
        b.ldx('u64', r0, r1, 0);
        return R0;
      case 'elapsed':
        b.call('ktime_get_ns');
        b.ldMapValue(r1, GLOBALS_MAP, Globals.START * 8);
        b.ldx('u64', r1, r1, 0);
        b.sub(r0, r1);
        return R0;
      case 'cpu':
        b.call('get_smp_processor_id');
        return R0;
      case 'rand':
        b.call('get_prandom_u32');
        return R0;
      case 'jiffies':
        b.call('jiffies64');
        return R0;
      case 'cgroup':
        b.call('get_current_cgroup_id');
        return R0;
      case 'curtask':
        b.call('get_current_task');
        return R0;
      case 'ctx':
        b.mov(r0, r6);
        return R0;
      case 'retval':
        b.ldx('u64', r0, r6, X86_REGS.ax!);
        return R0;
      case 'comm': {
        const off = this.alloc(16, e.pos);
        this.stackPtr(r1, off);
        b.mov(r2, 16);
        b.call('get_current_comm');
        return { at: 'stack', off, size: 16 };
      }
      case 'probe': {
        let id = this.out.probeNames.indexOf(this.spec.name);
        if (id < 0) id = this.out.probeNames.push(this.spec.name) - 1;
        b.mov(r0, id);
        return R0;
      }
      case 'func':
        return this.strConst(this.spec.func, t.k === 'str' ? t.size : 64, e.pos);
      case 'kstack':
      case 'ustack':
        return this.stack(t as Extract<Ty, { k: 'stack' }>, e.pos);
      case 'args':
        b.mov(r0, r6);
        return R0;
    }
    throw this.err(e.pos, `${n} is not supported by the code generator yet`);
  }

  private stack(t: Extract<Ty, { k: 'stack' }>, pos: number): Val {
    const b = this.b;
    this.stackUsed.add(STACKS_MAP);
    const buf = this.alloc(16, pos);
    b.mov(r1, r6);
    b.ldMap(r2, STACKS_MAP);
    b.mov(r3, t.user ? BPF_F_USER_STACK : 0);
    b.call('get_stackid');
    b.st('u64', r10, buf, r0);
    if (t.user) {
      b.call('get_current_pid_tgid');
      b.rsh(r0, 32);
      b.st('u64', r10, buf + 8, r0);
    } else b.st('u64', r10, buf + 8, 0);
    return { at: 'stack', off: buf, size: 16 };
  }

  /** ctxAddress is the offset inside the context of a field path rooted at `args`. */
  private ctxAddress(e: A.Expr): number {
    if (e.kind === 'builtin' && e.name === 'args') return 0;
    if (e.kind === 'field') {
      const ot = this.ty(e.object);
      if (ot.k === 'record' && ot.ctype.kind === 'struct') {
        const m = findMember(ot.ctype, e.field)!;
        return this.ctxAddress(e.object) + m.offset;
      }
    }
    throw this.err(e.pos, 'this context access is not supported');
  }

  private field(e: A.FieldAccess): Val {
    const b = this.b;
    const ot = this.ty(e.object);
    if (ot.k === 'tuple') {
      const v = this.expr(e.object);
      if (v.at !== 'stack') throw this.err(e.pos, 'internal error: tuple in a register');
      const i = Number(e.field);
      let off = 0;
      for (let k = 0; k < i; k++) off += align8(Math.max(byteSize(ot.elems[k]!), 8));
      const et = ot.elems[i]!;
      if (et.k === 'int') {
        b.ldx('u64', r0, r10, v.off + off);
        return R0;
      }
      return { at: 'stack', off: v.off + off, size: align8(byteSize(et)) };
    }
    const ctype = ot.k === 'ptr' ? ot.to : (ot as Extract<Ty, { k: 'record' }>).ctype;
    const m = findMember(ctype, e.field)!;
    if (ot.k === 'record' && ot.space === 'ctx') {
      const off = this.ctxAddress(e.object) + m.offset;
      return this.readCtx(off, m.type, e.pos, m);
    }
    this.scalar(e.object);
    const space = ot.k === 'ptr' ? ot.space : (ot as { space: 'kernel' | 'user' }).space;
    return this.readMem(r0, m.offset, m.type, space, e.pos, m);
  }

  /** readCtx reads a tracepoint field straight from the context, as the verifier requires. */
  private readCtx(
    off: number,
    c: CType,
    pos: number,
    m?: { bitSize: number; bitOffset: number; offset: number },
  ): Val {
    const b = this.b;
    if (c.kind === 'int' || c.kind === 'ptr') {
      const size = c.kind === 'int' ? c.size : 8;
      b.ldx(widthOf(size), r0, r6, off);
      if (c.kind === 'int' && c.signed && size < 8) this.truncate(size, true);
      if (m?.bitSize) this.bitfield(m);
      return R0;
    }
    if (c.kind === 'dataloc') {
      b.ldx('u32', r3, r6, off);
      b.and(r3, 0xffff);
      b.add(r3, r6);
      const buf = this.alloc(64, pos);
      this.zero(buf, 64);
      this.stackPtr(r1, buf);
      b.mov(r2, 64);
      b.call('probe_read_kernel_str');
      return { at: 'stack', off: buf, size: 64 };
    }
    if (c.kind === 'array' && c.elem.kind === 'int' && c.elem.size === 1) {
      const size = align8(c.len);
      const buf = this.alloc(size, pos);
      this.zero(buf, size);
      this.stackPtr(r1, buf);
      b.mov(r2, c.len);
      b.mov(r3, r6);
      b.add(r3, off);
      b.call('probe_read_kernel');
      return { at: 'stack', off: buf, size };
    }
    // A nested struct or non-char array: its address inside the context.
    b.mov(r0, r6);
    b.add(r0, off);
    return R0;
  }

  private bitfield(m: { bitSize: number; bitOffset: number; offset: number }): void {
    const shift = m.bitOffset - m.offset * 8;
    if (shift) this.b.rsh(r0, shift);
    if (m.bitSize < 32) this.b.and(r0, (1 << m.bitSize) - 1);
  }

  /** readMem reads a C value at reg+off from kernel or user memory with probe_read. */
  private readMem(
    reg: Reg,
    off: number,
    c: CType,
    space: 'kernel' | 'user',
    pos: number,
    m?: { bitSize: number; bitOffset: number; offset: number },
  ): Val {
    const b = this.b;
    if (c.kind === 'struct' || (c.kind === 'array' && !(c.elem.kind === 'int' && c.elem.size === 1))) {
      if (off) b.add(reg, off);
      if (reg !== r0) b.mov(r0, reg);
      return R0;
    }
    const read = space === 'user' ? 'probe_read_user' : 'probe_read_kernel';
    if (c.kind === 'array') {
      const size = align8(c.len);
      const buf = this.alloc(size, pos);
      b.mov(r3, reg);
      if (off) b.add(r3, off);
      this.zero(buf, size);
      this.stackPtr(r1, buf);
      b.mov(r2, c.len);
      b.call(read);
      return { at: 'stack', off: buf, size };
    }
    const size = c.kind === 'int' ? c.size : 8;
    const tmp = this.alloc(8, pos);
    b.mov(r3, reg);
    if (off) b.add(r3, off);
    b.st('u64', r10, tmp, 0);
    this.stackPtr(r1, tmp);
    b.mov(r2, size);
    b.call(read);
    b.ldx(widthOf(size), r0, r10, tmp, c.kind === 'int' && c.signed && size < 8);
    if (m?.bitSize) this.bitfield(m);
    return R0;
  }

  private call(e: A.Call, t: Ty): Val {
    const b = this.b;
    const a = e.args;
    switch (e.name) {
      case 'str': {
        const size = t.k === 'str' ? t.size : 64;
        const at = this.ty(a[0]!);
        if (at.k === 'str') {
          const v = this.expr(a[0]!);
          if (v.at !== 'stack') throw this.err(e.pos, 'internal error');
          const n = align8(size);
          const buf = this.alloc(n, e.pos);
          this.store(v, buf, n);
          b.st('u8', r10, buf + size - 1, 0);
          for (let i = size; i < n; i++) b.st('u8', r10, buf + i, 0);
          return { at: 'stack', off: buf, size: n };
        }
        const buf = this.alloc(size, e.pos);
        this.scalar(a[0]!);
        b.mov(r3, r0);
        this.zero(buf, align8(size));
        this.stackPtr(r1, buf);
        b.mov(r2, size);
        const space = at.k === 'ptr' ? at.space : this.defaultSpace();
        b.call(space === 'user' ? 'probe_read_user_str' : 'probe_read_kernel_str');
        const ok = this.label('strok');
        b.jmp('JNE', r0, size, ok);
        b.ldMapValue(r1, GLOBALS_MAP, Globals.STR_TRUNCATED * 8);
        b.st('u64', r1, 0, 1);
        b.label(ok);
        return { at: 'stack', off: buf, size: align8(size) };
      }
      case 'buf': {
        const size = t.k === 'buf' ? t.size : 64;
        const total = 8 + align8(size);
        const buf = this.alloc(total, e.pos);
        this.zero(buf, total);
        const at = this.ty(a[0]!);
        this.scalar(a[0]!);
        b.mov(r3, r0);
        b.st('u64', r10, buf, size);
        this.stackPtr(r1, buf + 8);
        b.mov(r2, size);
        const space =
          at.k === 'ptr'
            ? at.space
            : at.k === 'record' && at.space !== 'ctx'
              ? at.space
              : this.defaultSpace();
        b.call(space === 'user' ? 'probe_read_user' : 'probe_read_kernel');
        return { at: 'stack', off: buf, size: total };
      }
      case 'ntop': {
        const buf = this.alloc(24, e.pos);
        this.zero(buf, 24);
        const addr = a[a.length - 1]!;
        const at = this.ty(addr);
        if (at.k === 'int' || at.k === 'ptr') {
          if (a.length === 2) {
            this.scalar(a[0]!);
            b.st('u64', r10, buf, r0);
          } else b.st('u64', r10, buf, 2);
          this.scalar(addr);
          b.st('u32', r10, buf + 8, r0);
        } else {
          const v = this.expr(addr);
          // A 4-byte address (`__u8 saddr[4]`) is IPv4; 16 bytes are IPv6.
          const v4 = at.k === 'str' ? at.size <= 4 : at.k === 'record' && cSizeOf(at.ctype) <= 4;
          if (v.at === 'stack') this.copy(buf + 8, v.off, Math.min(16, align8(v.size)));
          else {
            b.mov(r3, r0);
            this.stackPtr(r1, buf + 8);
            b.mov(r2, 16);
            b.call('probe_read_kernel');
          }
          if (a.length === 2) {
            this.scalar(a[0]!);
            b.st('u64', r10, buf, r0);
          } else b.st('u64', r10, buf, v4 ? 2 : 10);
        }
        return { at: 'stack', off: buf, size: 24 };
      }
      case 'ksym':
        this.scalar(a[0]!);
        return R0;
      case 'usym': {
        const buf = this.alloc(16, e.pos);
        this.scalar(a[0]!);
        b.st('u64', r10, buf, r0);
        b.call('get_current_pid_tgid');
        b.rsh(r0, 32);
        b.st('u64', r10, buf + 8, r0);
        return { at: 'stack', off: buf, size: 16 };
      }
      case 'kstack':
      case 'ustack':
        return this.stack(t as Extract<Ty, { k: 'stack' }>, e.pos);
      case 'strftime':
        this.scalar(a[1]!);
        return R0;
      case 'cgroupid': {
        const path = (a[0] as A.StrLit).value;
        if (!this.opts.resolveCgroupId) throw this.err(e.pos, 'cgroupid() needs the running system');
        this.ldImm(r0, this.opts.resolveCgroupId(path));
        return R0;
      }
      case 'kaddr': {
        const name = (a[0] as A.StrLit).value;
        if (!this.opts.resolveKaddr) throw this.err(e.pos, 'kaddr() needs the running system');
        const addr = this.opts.resolveKaddr(name);
        if (addr === undefined) throw this.err(e.pos, `kaddr: no kernel symbol '${name}' in /proc/kallsyms`);
        this.ldImm(r0, addr);
        return R0;
      }
      case 'reg': {
        const name = (a[0] as A.StrLit).value;
        const off = X86_REGS[name];
        if (off === undefined)
          throw this.err(
            a[0]!.pos,
            `unknown register '${name}'`,
            `registers: ${Object.keys(X86_REGS).join(', ')}`,
          );
        b.ldx('u64', r0, r6, off);
        return R0;
      }
      case 'bswap': {
        const at = this.ty(a[0]!);
        this.scalar(a[0]!);
        const size = at.k === 'int' ? at.size : 8;
        if (size > 1) b.bswap(r0, (size * 8) as 16 | 32 | 64);
        return R0;
      }
      case 'strncmp': {
        const n = Number(this.constInt(a[2]!));
        const l = this.expr(a[0]!);
        const r = this.expr(a[1]!);
        if (l.at !== 'stack' || r.at !== 'stack') throw this.err(e.pos, 'internal error');
        const differ = this.label('ncmp');
        const end = this.label('ncmpend');
        const lim = Math.min(n, l.size, r.size);
        for (let i = 0; i < lim; i++) {
          b.ldx('u8', r1, r10, l.off + i);
          b.ldx('u8', r2, r10, r.off + i);
          b.jmp('JNE', r1, r2, differ);
          b.jmp('JEQ', r1, 0, end);
        }
        b.mov(r0, 0);
        b.ja(`${end}_z`);
        b.label(differ);
        b.mov(r0, 1);
        b.ja(`${end}_z`);
        b.label(end);
        b.mov(r0, 0);
        b.label(`${end}_z`);
        return R0;
      }
    }
    throw this.err(e.pos, `${e.name}() cannot be used as a value here`);
  }

  private defaultSpace(): 'kernel' | 'user' {
    const t = this.spec.type;
    return t === 'uprobe' || t === 'uretprobe' || t === 'usdt' ? 'user' : 'kernel';
  }
}

function compoundOp(op: A.AssignOp): A.BinaryOp {
  return op.slice(0, -1) as A.BinaryOp;
}

function widthOf(size: number): 'u8' | 'u16' | 'u32' | 'u64' {
  return size === 1 ? 'u8' : size === 2 ? 'u16' : size === 4 ? 'u32' : 'u64';
}
