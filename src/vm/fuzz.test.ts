// Bounded fuzzing: random bytes through decode + validate + both tiers (only typed errors, never a
// hang), and random valid programs through both tiers, which must agree on r0 or on the fault.

import { describe, expect, it } from 'vitest';
import { decode, encode, type Insn, insn, wideSlots } from '../asm/instruction.js';
import { AluOp, AtomicOp, Class, JmpOp, Mode, Size, Source } from '../asm/opcodes.js';
import { BpfkitError } from '../errors/index.js';
import { VmError } from './errors.js';
import { conformanceHelpers } from './helpers.js';
import { VmProgram } from './program.js';
import { mulberry32 } from './runtime.js';
import { type Tier, Vm } from './vm.js';

type Outcome = { r0: string } | { fault: string; pc: number };

function outcome(program: VmProgram, tier: Tier, mem: Uint8Array): Outcome {
  try {
    const r = new Vm(program, {
      tier,
      budget: 5_000,
      helpers: conformanceHelpers(),
      seed: 1,
      clock: () => 42n,
    }).run({
      mem: mem.slice(),
    });
    return { r0: r.r0.toString(16) };
  } catch (err) {
    if (!(err instanceof VmError)) throw err;
    return { fault: err.fault, pc: err.pc };
  }
}

const INTERESTING = [
  0, 1, -1, 2, 7, 31, 32, 33, 63, 64, 0x7fffffff, -0x80000000, 0x12345678, -12345, 0xff, 0x8000,
];

describe('vm fuzzing', () => {
  it('random bytes give a result or a typed error, never a crash or a hang (2000 programs)', () => {
    const rnd = mulberry32(0xbadc0de);
    let ran = 0;
    for (let n = 0; n < 2000; n++) {
      const len = (rnd() % 12) * 8 + (n % 10 === 0 ? rnd() % 8 : 0);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = rnd() & 0xff;
      // Bias towards real opcodes with zero reserved fields, so many programs pass validation and run.
      const view = new DataView(bytes.buffer);
      for (let i = 0; i + 8 <= len; i += 8) {
        if (rnd() % 5 === 0) continue;
        bytes[i] = [
          0x07, 0x0f, 0xb7, 0xbf, 0x05, 0x15, 0x1d, 0x61, 0x79, 0x7b, 0x72, 0x95, 0x85, 0xdc, 0xd7, 0xc3,
          0x34, 0x3c, 0x9f,
        ][rnd() % 19]!;
        bytes[i + 1] = (rnd() % 11) | (rnd() % 3 === 0 ? (rnd() % 11) << 4 : 0);
        if (rnd() % 2) view.setInt16(i + 2, rnd() % 3 === 0 ? -(rnd() % 600) : 0, true);
        if (rnd() % 2) view.setInt32(i + 4, rnd() % 2 ? [16, 32, 64, 1, 5][rnd() % 5]! : 0, true);
      }
      if (len >= 8 && rnd() % 2) bytes.set([0x95, 0, 0, 0, 0, 0, 0, 0], len - (len % 8) - 8);
      let program: VmProgram;
      try {
        program = new VmProgram(decode(bytes));
      } catch (err) {
        expect(err).toBeInstanceOf(BpfkitError);
        continue;
      }
      ran++;
      const a = outcome(program, 'interpreter', new Uint8Array(16));
      const b = outcome(program, 'compiled', new Uint8Array(16));
      if ('fault' in a && a.fault === 'budget') expect(b).toMatchObject({ fault: 'budget' });
      else expect(b, `program ${Buffer.from(bytes).toString('hex')}`).toEqual(a);
    }
    expect(ran).toBeGreaterThan(50);
  });

  it('both tiers agree on 1500 random valid programs', () => {
    const rnd = mulberry32(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[rnd() % xs.length]!;
    const imm = (): number => (rnd() % 3 === 0 ? rnd() | 0 : pick(INTERESTING));
    const alu = [
      AluOp.ADD,
      AluOp.SUB,
      AluOp.MUL,
      AluOp.DIV,
      AluOp.OR,
      AluOp.AND,
      AluOp.LSH,
      AluOp.RSH,
      AluOp.MOD,
      AluOp.XOR,
      AluOp.MOV,
      AluOp.ARSH,
    ];
    const jmp = [
      JmpOp.JEQ,
      JmpOp.JGT,
      JmpOp.JGE,
      JmpOp.JSET,
      JmpOp.JNE,
      JmpOp.JSGT,
      JmpOp.JSGE,
      JmpOp.JLT,
      JmpOp.JLE,
      JmpOp.JSLT,
      JmpOp.JSLE,
    ];
    for (let n = 0; n < 1500; n++) {
      const body: Insn[] = [];
      for (let r = 0; r < 10; r++) {
        if (r === 1) continue;
        body.push(...wideSlots(r, (BigInt(rnd()) << 32n) | BigInt(rnd())));
      }
      const count = 4 + (rnd() % 24);
      for (let k = 0; k < count; k++) {
        const dst = pick([0, 2, 3, 4, 5, 6, 7, 8, 9]);
        const src = rnd() % 10;
        const kind = rnd() % 10;
        const cls = rnd() % 2 ? Class.ALU64 : Class.ALU;
        if (kind < 5) {
          const op = pick(alu);
          const signed = (op === AluOp.DIV || op === AluOp.MOD) && rnd() % 2 ? 1 : 0;
          if (rnd() % 2) body.push(insn(cls | op | Source.X, dst, src, signed));
          else body.push(insn(cls | op | Source.K, dst, 0, signed, imm()));
        } else if (kind === 5) {
          const r = rnd() % 4;
          if (r === 0) body.push(insn(cls | AluOp.NEG, dst));
          else if (r === 1)
            body.push(
              insn(
                cls | AluOp.END | (cls === Class.ALU && rnd() % 2 ? Source.X : 0),
                dst,
                0,
                0,
                pick([16, 32, 64]),
              ),
            );
          else
            body.push(
              insn(cls | AluOp.MOV | Source.X, dst, src, pick(cls === Class.ALU64 ? [8, 16, 32] : [8, 16])),
            );
        } else if (kind === 6) {
          // A forward jump keeps the program finite; its target stays inside the body.
          const skip = rnd() % Math.max(1, count - k);
          const jcls = rnd() % 2 ? Class.JMP : Class.JMP32;
          if (rnd() % 2) body.push(insn(jcls | pick(jmp) | Source.X, dst, src, skip));
          else body.push(insn(jcls | pick(jmp) | Source.K, dst, 0, skip, imm()));
        } else if (kind === 7) {
          const size = pick([Size.B, Size.H, Size.W, Size.DW]);
          const off = -(1 + (rnd() % 520));
          if (rnd() % 2) body.push(insn(Class.STX | size | Mode.MEM, 10, src, off));
          else
            body.push(
              insn(
                Class.LDX | size | (rnd() % 3 === 0 && size !== Size.DW ? Mode.MEMSX : Mode.MEM),
                dst,
                10,
                off,
              ),
            );
        } else if (kind === 8) {
          const size = pick([Size.W, Size.DW]);
          const op = pick([
            AtomicOp.ADD,
            AtomicOp.OR | AtomicOp.FETCH,
            AtomicOp.XOR,
            AtomicOp.XCHG,
            AtomicOp.CMPXCHG,
            AtomicOp.AND | AtomicOp.FETCH,
          ]);
          body.push(insn(Class.STX | size | Mode.ATOMIC, 10, src, -8 * (1 + (rnd() % 8)), op));
        } else {
          body.push(
            insn(Class.ST | pick([Size.B, Size.H, Size.W, Size.DW]) | Mode.MEM, 1, 0, rnd() % 20, imm()),
          );
        }
      }
      // Keep every forward jump inside the program: they land at most on this exit.
      body.push(insn(Class.JMP | JmpOp.EXIT));
      const program = new VmProgram(body);
      const a = outcome(program, 'interpreter', new Uint8Array(16));
      const b = outcome(program, 'compiled', new Uint8Array(16));
      expect(b, `program ${Buffer.from(encode(body)).toString('hex')}`).toEqual(a);
    }
  });
});
