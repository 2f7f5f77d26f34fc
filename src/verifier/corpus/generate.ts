// A seeded generator of random but realistic programs for the agreement tests: map lookups with (or
// sometimes without) null checks, bounds checks before indexing, stack traffic, context and packet
// reads, helper calls — with the near-misses (off by one, missing check) that verifiers must catch.

import {
  ProgramBuilder,
  type Reg,
  r0,
  r1,
  r2,
  r3,
  r4,
  r6,
  r7,
  r8,
  r9,
  r10,
  type Width,
} from '../../asm/builder.js';
import type { Insn } from '../../asm/instruction.js';
import type { MapInfo } from '../maps.js';
import type { ProgTypeName } from '../program-types.js';

/** GeneratedProgram is one program with the maps it refers to by name. */
export interface GeneratedProgram {
  seed: number;
  type: ProgTypeName;
  maps: Omit<MapInfo, 'fd'>[];
  insns: Insn[];
  /** relocations maps slot index to map name. */
  relocations: { pc: number; map: string }[];
}

/** Rng is mulberry32: small, fast and reproducible from a 32-bit seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const TYPES: ProgTypeName[] = [
  'socket_filter',
  'xdp',
  'sched_cls',
  'cgroup_skb',
  'tracepoint',
  'raw_tracepoint',
  'kprobe',
  'perf_event',
];
const WIDTHS: Width[] = ['u8', 'u16', 'u32', 'u64'];
const WIDTH_BYTES: Record<Width, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };
const COND = ['JGT', 'JGE', 'JLT', 'JLE', 'JEQ', 'JNE', 'JSGT', 'JSLT', 'JSET'] as const;
const ALU = ['ADD', 'SUB', 'AND', 'OR', 'XOR', 'LSH', 'RSH', 'ARSH', 'MUL', 'MOD', 'DIV'] as const;

/** ctxLoad emits a plausible context read into dst for the program type (sometimes an invalid one). */
function ctxLoad(b: ProgramBuilder, rng: Rng, type: ProgTypeName, dst: Reg): void {
  let width: Width = 'u32';
  let off: number;
  switch (type) {
    case 'xdp':
      off = rng.pick([12, 16, 20, 12]);
      break;
    case 'tracepoint':
    case 'raw_tracepoint':
      width = 'u64';
      off = rng.pick([8, 16, 24, 32, 0, 96]);
      break;
    case 'kprobe':
    case 'perf_event':
      width = 'u64';
      off = rng.pick([104, 112, 160, 168, 80]);
      break;
    default:
      off = rng.pick([0, 4, 8, 16, 36, 40, 44, 48, 68, 72]);
      width = rng.chance(0.1) ? 'u16' : 'u32';
  }
  if (rng.chance(0.05)) off += rng.pick([1, 2, 4]);
  b.ldx(width, dst, r6, off);
}

/** generateProgram builds one program from a seed. */
export function generateProgram(seed: number): GeneratedProgram {
  const rng = new Rng(seed);
  const type = rng.pick(TYPES);
  const valueSize = rng.pick([8, 16, 32, 64]);
  const mapKind = rng.pick(['array', 'hash'] as const);
  const maps: Omit<MapInfo, 'fd'>[] = [{ name: 'm', type: mapKind, keySize: 4, valueSize, maxEntries: 4 }];
  const useRingbuf = rng.chance(0.2);
  if (useRingbuf) maps.push({ name: 'rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  const b = new ProgramBuilder();
  let labels = 0;
  const pending: { name: string; after: number }[] = [];
  const place = (force: boolean): void => {
    for (let k = pending.length - 1; k >= 0; k--) {
      const p = pending[k]!;
      if (force || --p.after <= 0) {
        b.label(p.name);
        pending.splice(k, 1);
      }
    }
  };
  const forward = (): string => {
    const name = `L${labels++}`;
    pending.push({ name, after: rng.int(1, 4) });
    return name;
  };

  b.mov(r6, r1);
  let haveValue = false;
  if (rng.chance(0.75)) {
    b.st('u32', r10, -4, rng.int(0, 3));
    b.mov(r2, r10).add(r2, -4).ldMap(r1, 'm').call('map_lookup_elem');
    if (rng.chance(0.9)) b.jmp('JEQ', r0, 0, 'out');
    b.mov(r7, r0);
    haveValue = true;
  }
  // r8 and r9 hold numbers from different sources.
  for (const dst of [r8, r9]) {
    const src = rng.int(0, 4);
    if (src === 0) ctxLoad(b, rng, type, dst);
    else if (src === 1 && haveValue) b.ldx(rng.pick(WIDTHS), dst, r7, rng.pick([0, 0, 4, valueSize - 8]));
    else if (src === 2) {
      b.call(rng.pick(['ktime_get_ns', 'get_prandom_u32', 'get_smp_processor_id']));
      b.mov(dst, r0);
    } else b.mov(dst, rng.int(-4, 70));
  }

  const steps = rng.int(3, 12);
  for (let s = 0; s < steps; s++) {
    const kind = rng.int(0, 18);
    const x = rng.pick([r8, r9]);
    switch (kind) {
      case 0:
      case 1: {
        // Bounds check skipping ahead.
        const op = rng.pick(COND);
        const limit = rng.pick([0, 1, 7, 8, 15, 16, valueSize - 1, valueSize, valueSize - 8, 255]);
        if (rng.chance(0.3)) b.jmp32(op, x, limit, forward());
        else b.jmp(op, x, limit, forward());
        break;
      }
      case 2: {
        const op = rng.pick(ALU);
        const form = rng.next();
        if (op === 'LSH' || op === 'RSH' || op === 'ARSH') b.alu64(op, x, rng.int(0, 8));
        else if (op === 'AND') b.alu64(op, x, rng.pick([7, 15, 31, 63, 0xff]));
        else if (form < 0.3) b.alu64(op, x, x === r8 ? r9 : r8);
        else if (form < 0.5) b.alu32(op === 'DIV' || op === 'MOD' ? 'ADD' : op, x, rng.int(-8, 16));
        else b.alu64(op, x, op === 'DIV' || op === 'MOD' ? rng.int(1, 16) : rng.int(-8, 16));
        break;
      }
      case 3:
      case 4: {
        if (!haveValue) break;
        // Index the map value.
        const w = rng.pick(WIDTHS);
        b.mov(r1, r7).add(r1, x);
        if (rng.chance(0.5)) b.ldx(w, r0, r1, rng.pick([0, 0, 1, 8, valueSize - WIDTH_BYTES[w]]));
        else b.st(w, r1, rng.pick([0, 0, 4]), r9);
        break;
      }
      case 5: {
        // Stack traffic, mostly in bounds.
        const off = rng.chance(0.9) ? -8 * rng.int(2, 8) : rng.pick([-513, -3, 0, -520]);
        const w = rng.pick(WIDTHS);
        if (rng.chance(0.5)) b.st(w, r10, off, x);
        else b.ldx(w, x, r10, off);
        break;
      }
      case 6:
        ctxLoad(b, rng, type, x);
        break;
      case 7: {
        if (type !== 'xdp' && type !== 'sched_cls' && type !== 'cgroup_skb') {
          if (haveValue) b.ldx('u64', x, r7, 0);
          break;
        }
        // Packet read with a bounds check (sometimes too short).
        const [dataOff, endOff] = type === 'xdp' ? [0, 4] : [76, 80];
        const n = rng.pick([1, 2, 8, 14, 20]);
        const at = rng.int(0, n);
        const w = rng.pick(WIDTHS);
        b.ldx('u32', r2, r6, dataOff).ldx('u32', r3, r6, endOff).mov(r4, r2).add(r4, n);
        b.jmp('JGT', r4, r3, forward());
        b.ldx(w, x, r2, at);
        break;
      }
      case 8: {
        b.call(rng.pick(['ktime_get_ns', 'get_prandom_u32']));
        if (rng.chance(0.5)) b.mov(x, r0);
        break;
      }
      case 10: {
        // Sign extension, from a register or from memory.
        const other = x === r8 ? r9 : r8;
        if (rng.chance(0.5)) b.movsx(x, other, rng.pick([8, 16, 32] as const));
        else b.ldx(rng.pick(['u8', 'u16', 'u32'] as const), x, r10, -8 * rng.int(2, 4), true);
        break;
      }
      case 11: {
        // 32-bit copies and comparisons.
        b.mov32(x, x === r8 ? r9 : r8);
        b.jmp32(rng.pick(COND), x, rng.pick([-1, 0, 7, 16, valueSize]), forward());
        break;
      }
      case 12: {
        // A variable offset into the stack.
        b.mov(r1, x)
          .and(r1, rng.pick([7, 15, 31, 0x1ff]))
          .mov(r2, r10)
          .add(r2, -64)
          .add(r2, r1);
        if (rng.chance(0.5)) b.st('u8', r2, 0, r9);
        else b.ldx('u8', r0, r2, 0);
        break;
      }
      case 13: {
        const op = rng.int(0, 2);
        if (op === 0) b.neg(x);
        else if (op === 1) b.endian(rng.pick(['be', 'le'] as const), x, rng.pick([16, 32, 64] as const));
        else b.bswap(x, rng.pick([16, 32, 64] as const));
        break;
      }
      case 14: {
        // A helper that writes a stack buffer of a checked (or unchecked) size.
        const tracing =
          type === 'tracepoint' || type === 'raw_tracepoint' || type === 'kprobe' || type === 'perf_event';
        b.mov(r2, x);
        if (rng.chance(0.7)) b.and(r2, rng.pick([7, 15, 31, 63]));
        b.mov(r1, r10).add(r1, -32);
        if (tracing) b.mov(r3, 0).call('probe_read_kernel');
        else if (type === 'xdp') b.mov(r1, r10).add(r1, -16).mov(r2, 16).call('get_current_comm');
        else b.mov(r3, r1).mov(r4, r2).mov(r1, r6).mov(r2, 0).call('skb_load_bytes');
        break;
      }
      case 15: {
        // A ringbuf record: reserve, maybe check, write, maybe submit.
        if (!useRingbuf) break;
        const size = rng.pick([8, 16]);
        b.ldMap(r1, 'rb').mov(r2, size).mov(r3, 0).call('ringbuf_reserve');
        const skip = `R${labels++}`;
        if (rng.chance(0.9)) b.jmp('JEQ', r0, 0, skip);
        b.st('u64', r0, rng.pick([0, 0, 8, 12]), r9);
        if (rng.chance(0.9))
          b.mov(r1, r0)
            .mov(r2, 0)
            .call(rng.pick(['ringbuf_submit', 'ringbuf_discard']));
        b.label(skip);
        break;
      }
      case 16: {
        // Spill a pointer and reload it, sometimes only partly.
        if (!haveValue) break;
        const off = -8 * rng.int(2, 6);
        b.st('u64', r10, off, r7);
        b.ldx(rng.chance(0.9) ? 'u64' : 'u32', r7, r10, off);
        break;
      }
      case 17: {
        // A packet pointer moved by a bounded variable, then checked again.
        if (type !== 'xdp' && type !== 'sched_cls') break;
        const [dataOff, endOff] = type === 'xdp' ? [0, 4] : [76, 80];
        b.ldx('u32', r2, r6, dataOff).ldx('u32', r3, r6, endOff);
        b.mov(r4, x)
          .and(r4, rng.pick([15, 63, 0xffff, 0x1ffff]))
          .add(r2, r4)
          .mov(r4, r2)
          .add(r4, rng.pick([2, 4, 8]));
        b.jmp('JGT', r4, r3, forward());
        b.ldx(rng.pick(['u8', 'u16', 'u32'] as const), x, r2, rng.int(0, 4));
        break;
      }
      case 18: {
        // Compare pointers with each other and with numbers.
        if (haveValue && rng.chance(0.5)) b.jmp(rng.pick(COND), r7, r10, forward());
        else b.jmp(rng.pick(COND), r10, x, forward());
        break;
      }
      default: {
        // A small bounded loop.
        if (!rng.chance(0.3)) break;
        const top = `T${labels++}`;
        b.mov(r3, 0).label(top).add(r3, 1).add(x, r3).jmp('JLT', r3, rng.int(2, 6), top);
      }
    }
    place(false);
  }
  place(true);
  b.label('out');
  b.mov(r0, type === 'cgroup_skb' ? rng.pick([0, 1, 1, 2]) : rng.int(0, 3));
  b.exit();
  const built = b.build();
  return {
    seed,
    type,
    maps,
    insns: built.insns,
    relocations: built.relocations.map((r) => ({ pc: r.pc, map: typeof r.map === 'string' ? r.map : '?' })),
  };
}

/** withFds returns the program's slots with map loads pointing at the given fds. */
export function withFds(p: GeneratedProgram, fds: Record<string, number>): Insn[] {
  const insns = p.insns.map((i) => ({ ...i }));
  for (const r of p.relocations) insns[r.pc]!.imm = fds[r.map] ?? 0;
  return insns;
}

const JUMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];

/**
 * mutateInsns makes the small mistakes people make — an offset or constant off by a few bytes, the
 * wrong comparison, the wrong register — in one or two instructions (LD_IMM64 slots are left alone).
 */
export function mutateInsns(insns: readonly Insn[], rng: Rng): Insn[] {
  const out = insns.map((i) => ({ ...i }));
  for (let t = rng.int(1, 2); t > 0; t--) {
    const at = rng.int(0, out.length - 1);
    const i = out[at]!;
    if (i.code === 0x18 || (at > 0 && out[at - 1]!.code === 0x18)) continue;
    const cls = i.code & 7;
    switch (rng.int(0, 4)) {
      case 0:
        i.off = ((i.off + rng.pick([-8, -4, -1, 1, 4, 8])) << 16) >> 16;
        break;
      case 1:
        i.imm = (i.imm + rng.pick([-8, -4, -1, 1, 4, 8, 100])) | 0;
        break;
      case 2:
        if (cls === 5 || cls === 6) i.code = (i.code & 0x0f) | rng.pick(JUMP_OPS);
        break;
      case 3:
        i.dst = rng.int(0, 9);
        break;
      default:
        if ((i.code & 8) !== 0 || cls === 1 || cls === 3) i.src = rng.int(0, 10);
    }
  }
  return out;
}
