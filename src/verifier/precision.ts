// Which values matter for safety: a backward analysis that finds, for each instruction, the registers
// and 8-byte stack slots whose scalar value may still reach a branch, a memory access, a helper
// argument or the return value. State pruning ignores differences in the other scalars, as the
// kernel does with its precision marks (an over-approximation of them: more is kept, never less).

import { type Insn, isWide } from '../asm/instruction.js';
import {
  AluOp,
  Class,
  JmpOp,
  Mode,
  opClass,
  opMode,
  opOp,
  opSize,
  opSource,
  Size,
  Source,
} from '../asm/opcodes.js';
import { jumpTarget } from './cfg.js';

/** Needed is one instruction's needed set: a bitmask of r0..r10 and one of the 64 stack slots. */
export interface Needed {
  regs: number;
  slots: bigint;
}

const ALL_SLOTS = (1n << 64n) - 1n;
const bit = (r: number): number => 1 << r;

/** slotOf returns the 8-byte slot of an r10-relative access that stays inside one slot, or -1. */
function slotOf(off: number, size: number): number {
  if (off >= 0 || off < -512) return -1;
  const at = 512 + off;
  if (at >> 3 !== (at + size - 1) >> 3) return -1;
  return at >> 3;
}

/** LOOKUPS are helpers whose result depends on a key's value (a constant array key cannot miss). */
const LOOKUPS = new Set([1, 195]);

/**
 * keySlots finds the stack slot a lookup's key pointer names when r2 was just set to r10 + K (the
 * usual code); otherwise every slot may be the key.
 */
function keySlots(insns: readonly Insn[], pc: number): bigint {
  for (let k = pc - 1; k >= 0 && k >= pc - 8; k--) {
    const i = insns[k]!;
    const cls = opClass(i.code);
    if (cls === Class.JMP || cls === Class.JMP32) return ALL_SLOTS;
    // Anything else that may write r2 ends the search unless it is the `r2 += K` of the pattern.
    const writesR2 =
      ((cls === Class.ALU || cls === Class.ALU64 || cls === Class.LDX || cls === Class.LD) && i.dst === 2) ||
      (cls === Class.STX && opMode(i.code) === Mode.ATOMIC && (i.src === 2 || i.dst === 2));
    if (!writesR2) continue;
    if (i.code !== (Class.ALU64 | AluOp.ADD | Source.K)) return ALL_SLOTS;
    const prev = insns[k - 1];
    if (prev?.code !== (Class.ALU64 | AluOp.MOV | Source.X) || prev.dst !== 2 || prev.src !== 10) {
      return ALL_SLOTS;
    }
    const s = slotOf(i.imm, 4);
    return s >= 0 ? 1n << BigInt(s) : ALL_SLOTS;
  }
  return ALL_SLOTS;
}

function transfer(i: Insn, out: Needed, insns: readonly Insn[], pc: number): Needed {
  let regs = out.regs;
  let slots = out.slots;
  const cls = opClass(i.code);
  const op = opOp(i.code);
  const x = opSource(i.code) === Source.X;
  const has = (r: number): boolean => (regs & bit(r)) !== 0;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const needed = has(i.dst);
      if (op === AluOp.MOV) {
        regs &= ~bit(i.dst);
        if (needed && x) regs |= bit(i.src);
      } else if (op === AluOp.NEG || op === AluOp.END) {
        if (!needed) regs &= ~bit(i.dst);
      } else if (needed) {
        if (x) regs |= bit(i.src);
      } else {
        regs &= ~bit(i.dst);
      }
      return { regs, slots };
    }
    case Class.LDX: {
      const needed = has(i.dst);
      regs &= ~bit(i.dst);
      regs |= bit(i.src);
      if (needed) {
        const s = i.src === 10 ? slotOf(i.off, sizeBytes(i.code)) : -1;
        slots |= s >= 0 ? 1n << BigInt(s) : ALL_SLOTS;
      }
      return { regs, slots };
    }
    case Class.ST:
    case Class.STX: {
      regs |= bit(i.dst);
      if (opMode(i.code) === Mode.ATOMIC) {
        // A fetching atomic may hand the old value of any slot to a register: keep every slot.
        const fetch = (i.imm & 1) !== 0;
        return { regs: regs | bit(i.src) | bit(0), slots: fetch ? ALL_SLOTS : slots };
      }
      const size = sizeBytes(i.code);
      const s = i.dst === 10 ? slotOf(i.off, size) : -1;
      if (s < 0) {
        // A store through another pointer may land in any slot.
        if (cls === Class.STX && slots !== 0n) regs |= bit(i.src);
        return { regs, slots };
      }
      const m = 1n << BigInt(s);
      if (cls === Class.STX && (slots & m) !== 0n) regs |= bit(i.src);
      if (size === 8) slots &= ~m;
      return { regs, slots };
    }
    case Class.LD: {
      if (i.code === (Class.LD | Size.DW | Mode.IMM)) return { regs: regs & ~bit(i.dst), slots };
      // LD_ABS / LD_IND: r0 is defined, r1..r5 clobbered, r6 (and the index) read.
      regs &= ~0x3f;
      regs |= bit(6) | (opMode(i.code) === Mode.IND ? bit(i.src) : 0);
      return { regs, slots };
    }
    default: {
      if (op === JmpOp.EXIT) return { regs: bit(0), slots: 0n };
      if (op === JmpOp.CALL) {
        // Arguments may all matter. The bytes a helper reads do not, except a lookup's key: an array
        // lookup with a constant key in range cannot return NULL.
        const keys = i.src === 0 && LOOKUPS.has(i.imm) ? keySlots(insns, pc) : i.src === 0 ? 0n : ALL_SLOTS;
        return { regs: (regs & ~0x3f) | 0x3e, slots: slots | keys };
      }
      if (op === JmpOp.JA) return out;
      return { regs: regs | bit(i.dst) | (x ? bit(i.src) : 0), slots };
    }
  }
}

function sizeBytes(code: number): number {
  switch (opSize(code)) {
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

/** neededSets computes, for every instruction, what is needed just before it runs. */
export function neededSets(insns: readonly Insn[]): Needed[] {
  const n = insns.length;
  const succs: number[][] = [];
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    const s: number[] = [];
    const cls = opClass(i.code);
    const isJmp = cls === Class.JMP || cls === Class.JMP32;
    const op = opOp(i.code);
    if (!(isJmp && op === JmpOp.EXIT)) {
      const t = jumpTarget(i, pc);
      if (t !== undefined && t >= 0 && t < n) s.push(t);
      if (!(isJmp && op === JmpOp.JA)) {
        const f = pc + (isWide(i) ? 2 : 1);
        if (f < n) s.push(f);
      }
    }
    succs.push(s);
    for (const t of s) preds[t]!.push(pc);
  }
  const inSets: Needed[] = Array.from({ length: n }, () => ({ regs: 0, slots: 0n }));
  const work = Array.from({ length: n }, (_, k) => n - 1 - k);
  const queued = new Uint8Array(n).fill(1);
  while (work.length) {
    const pc = work.pop()!;
    queued[pc] = 0;
    let out: Needed = { regs: 0, slots: 0n };
    for (const t of succs[pc]!)
      out = { regs: out.regs | inSets[t]!.regs, slots: out.slots | inSets[t]!.slots };
    const next = transfer(insns[pc]!, out, insns, pc);
    const cur = inSets[pc]!;
    if (next.regs !== cur.regs || next.slots !== cur.slots) {
      inSets[pc] = { regs: next.regs | cur.regs, slots: next.slots | cur.slots };
      for (const p of preds[pc]!) {
        if (!queued[p]) {
          queued[p] = 1;
          work.push(p);
        }
      }
    }
  }
  return inSets;
}
