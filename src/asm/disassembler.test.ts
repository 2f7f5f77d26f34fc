import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/index.js';
import { assemble } from './assembler.js';
import { type DisassembleOptions, disassemble, disassembleListing, formatInsn } from './disassembler.js';
import { decode, encode, type Insn, insn } from './instruction.js';
import { AluOp, AtomicOp, Class, Endian, JmpOp, LD_IMM64, Mode, PseudoSrc, Size, Source } from './opcodes.js';
import { JCOND, LOAD_ACQ, STORE_REL } from './syntax.js';

const testdata = join(import.meta.dirname, 'testdata');
const SIZES = [Size.B, Size.H, Size.W, Size.DW];

/** everyForm lists one program per instruction form of the ISA, each padded so its targets are valid. */
function everyForm(): Insn[][] {
  const forms: Insn[][] = [];
  const add = (...slots: Insn[]): void => {
    forms.push(slots);
  };
  for (const cls of [Class.ALU, Class.ALU64]) {
    for (const op of [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0]) {
      add(insn(cls | op | Source.K, 3, 0, 0, -7));
      add(insn(cls | op | Source.X, 3, 4));
    }
    add(insn(cls | AluOp.NEG, 5));
    for (const op of [AluOp.DIV, AluOp.MOD]) {
      add(insn(cls | op | Source.K, 1, 0, 1, 9));
      add(insn(cls | op | Source.X, 1, 2, 1));
    }
    for (const bits of cls === Class.ALU64 ? [8, 16, 32] : [8, 16]) {
      add(insn(cls | AluOp.MOV | Source.X, 1, 2, bits));
    }
    for (const bits of [16, 32, 64]) {
      if (cls === Class.ALU) {
        add(insn(cls | AluOp.END | Endian.TO_LE, 6, 0, 0, bits));
        add(insn(cls | AluOp.END | Endian.TO_BE, 6, 0, 0, bits));
      } else {
        add(insn(cls | AluOp.END, 6, 0, 0, bits));
      }
    }
  }
  add(insn(Class.ALU64 | AluOp.MOV | Source.X, 1, 2, 1, (1 << 16) | 0));
  for (const cls of [Class.JMP, Class.JMP32]) {
    for (const op of [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]) {
      add(insn(cls | op | Source.K, 1, 0, 1, 0x10), insn(Class.JMP | JmpOp.EXIT));
      add(insn(cls | op | Source.K, 1, 0, 0, -1));
      add(insn(cls | op | Source.X, 1, 2, -1));
    }
  }
  add(insn(Class.JMP | JmpOp.JA, 0, 0, 1), insn(Class.JMP | JmpOp.EXIT));
  add(insn(Class.JMP32 | JmpOp.JA, 0, 0, 0, 1), insn(Class.JMP | JmpOp.EXIT));
  add(insn(Class.JMP | JCOND, 0, 0, 0));
  add(insn(Class.JMP | JmpOp.JA | Source.X, 4));
  add(insn(Class.JMP | JmpOp.CALL, 0, 0, 0, 1));
  add(insn(Class.JMP | JmpOp.CALL, 0, 0, 0, 999));
  add(insn(Class.JMP | JmpOp.CALL, 0, PseudoSrc.CALL, 0, 0), insn(Class.JMP | JmpOp.EXIT));
  add(insn(Class.JMP | JmpOp.CALL, 0, PseudoSrc.KFUNC_CALL, 0, 54321));
  add(insn(Class.JMP | JmpOp.CALL | Source.X, 2));
  add(insn(Class.JMP | JmpOp.EXIT));
  for (const size of SIZES) {
    add(insn(Class.LDX | Mode.MEM | size, 1, 2, -8));
    if (size !== Size.DW) add(insn(Class.LDX | Mode.MEMSX | size, 1, 2, 6));
    add(insn(Class.ST | Mode.MEM | size, 10, 0, -8, -5));
    add(insn(Class.STX | Mode.MEM | size, 10, 3, -16));
    add(insn(Class.STX | Mode.ATOMIC | size, 0, 3, 8, LOAD_ACQ));
    add(insn(Class.STX | Mode.ATOMIC | size, 3, 0, 8, STORE_REL));
    if (size !== Size.DW) {
      add(insn(Class.LD | Mode.ABS | size, 0, 0, 0, 14));
      add(insn(Class.LD | Mode.IND | size, 0, 7, 0, 2));
      add(insn(Class.LD | Mode.IND | size, 0, 7, 0, -2));
    }
  }
  for (const size of [Size.W, Size.DW]) {
    for (const op of [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR]) {
      add(insn(Class.STX | Mode.ATOMIC | size, 1, 2, 4, op));
      add(insn(Class.STX | Mode.ATOMIC | size, 1, 2, -4, op | AtomicOp.FETCH));
    }
    add(insn(Class.STX | Mode.ATOMIC | size, 1, 2, 0, AtomicOp.XCHG));
    add(insn(Class.STX | Mode.ATOMIC | size, 1, 2, 0, AtomicOp.CMPXCHG));
  }
  add(insn(LD_IMM64, 1, 0, 0, 0x90abcdef), insn(0, 0, 0, 0, 0x12345678));
  add(insn(LD_IMM64, 1, 0, 0, -1), insn(0, 0, 0, 0, -1));
  add(insn(LD_IMM64, 1, PseudoSrc.MAP_FD, 0, 5), insn(0));
  add(insn(LD_IMM64, 1, PseudoSrc.MAP_VALUE, 0, 5), insn(0, 0, 0, 0, 16));
  add(insn(LD_IMM64, 1, PseudoSrc.MAP_IDX, 0, 2), insn(0));
  add(insn(LD_IMM64, 1, PseudoSrc.MAP_IDX_VALUE, 0, 2), insn(0, 0, 0, 0, 4));
  add(insn(LD_IMM64, 2, PseudoSrc.FUNC, 0, 1), insn(0), insn(Class.JMP | JmpOp.EXIT));
  return forms;
}

const OPTIONS: DisassembleOptions[] = [
  {},
  { style: 'llvm' },
  { labels: true },
  { style: 'llvm', raw: true, labels: true },
  { pc: false, opcode: false },
];

const hex = (insns: readonly Insn[]): string => Buffer.from(encode(insns)).toString('hex');

describe('disassemble', () => {
  it('round-trips every instruction form through text, in every style', () => {
    const forms = everyForm();
    expect(forms.length).toBeGreaterThan(200);
    for (const shape of forms) {
      // Two trailing exits give every `+1` target somewhere to land.
      const form = [...shape, insn(Class.JMP | JmpOp.EXIT), insn(Class.JMP | JmpOp.EXIT)];
      const bytes = encode(form);
      for (const options of OPTIONS) {
        const listing = disassembleListing(decode(bytes), options);
        expect(listing.problems, listing.text).toEqual([]);
        expect(listing.text).not.toContain('.insn');
        expect(hex(assemble(listing.text).insns), listing.text).toBe(hex(form));
      }
    }
  });

  it('prints the kernel log spellings', () => {
    const p = assemble(`
      r1 = *(u64 *)(r10 -8)
      r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)
      r0 = atomic_cmpxchg((u32 *)(r1 +4), r0, r2)
      if r1 s>= 0xffffffff goto +0
      call bpf_ktime_get_ns
      call pc+0
      exit
      exit`);
    expect(disassemble(p.insns)).toBe(
      [
        '0: (79) r1 = *(u64 *)(r10 -8)',
        '1: (db) r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)',
        '2: (c3) r0 = atomic_cmpxchg((u32 *)(r1 +4), r0, r2)',
        '3: (75) if r1 s>= 0xffffffff goto pc+0',
        '4: (85) call bpf_ktime_get_ns#5',
        '5: (85) call pc+0',
        '6: (95) exit',
        '7: (95) exit',
        '',
      ].join('\n'),
    );
  });

  it('marks unknown opcodes and reserved fields with .insn, and bad jumps as problems', () => {
    const insns = [
      insn(0xff, 1, 2, 3, 4),
      insn(Class.ALU64 | AluOp.ADD | Source.K, 1, 5, 0, 1), // src set on an immediate form
      insn(Class.JMP | JmpOp.JA, 0, 0, 7),
      insn(Class.JMP | JmpOp.EXIT),
    ];
    const listing = disassembleListing(insns);
    expect(listing.text).toBe(
      [
        '0: (ff) .insn 0xff, 1, 2, 3, 4',
        '1: (07) .insn 0x07, 1, 5, 0, 1',
        '2: (05) goto pc+7',
        '3: (95) exit',
        '',
      ].join('\n'),
    );
    expect(listing.problems).toEqual([
      { pc: 0, offset: 0, message: 'unknown opcode 0xff' },
      { pc: 1, offset: 8, message: 'opcode 0x7 has reserved fields set' },
      { pc: 2, offset: 16, message: 'jump target 10 is outside the program' },
    ]);
    // The raw forms still read back to the same bytes.
    expect(hex(assemble(listing.text.replace('goto pc+7', 'goto pc+0')).insns)).toBe(
      hex([...insns.slice(0, 2), insn(Class.JMP | JmpOp.JA), insns[3]!]),
    );
    expect(() => disassemble(insns, { strict: true })).toThrow(DecodeError);
  });

  it('reports a truncated LD_IMM64 and a jump into one', () => {
    const listing = disassembleListing([insn(Class.JMP | JmpOp.JA, 0, 0, 1), insn(LD_IMM64, 1), insn(0)]);
    expect(listing.problems.map((p) => p.message)).toEqual(['jump target 2 is inside a 64-bit load']);
    const cut = disassembleListing([insn(Class.JMP | JmpOp.EXIT), insn(LD_IMM64, 1)]);
    expect(cut.problems.map((p) => p.message)).toEqual(['truncated LD_IMM64: its second slot is missing']);
  });

  it('names maps from relocations', () => {
    const p = assemble('r1 = map[events] ll\nr2 = map[config][0]+4 ll\nexit');
    expect(disassemble(p.insns, { relocations: p.relocations, pc: false, opcode: false })).toBe(
      'r1 = map[events] ll\nr2 = map[config][0]+4 ll\nexit\n',
    );
    expect(formatInsn(p.insns, 0)).toBe('r1 = map[fd:0] ll');
  });

  it.each([
    ['counter', {}],
    ['counter', { style: 'llvm', raw: true, labels: true }],
    ['v4', {}],
    ['v4', { style: 'llvm', labels: true }],
  ] as [string, DisassembleOptions][])('matches the golden listing of %s %j', (name, options) => {
    const p = assemble(readFileSync(join(testdata, `${name}.s`), 'utf8'), { file: `${name}.s` });
    const text = disassemble(p.insns, { ...options, relocations: p.relocations });
    const suffix = options.style === 'llvm' ? 'llvm' : 'kernel';
    const golden = join(testdata, `${name}.${suffix}.txt`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
    expect(assemble(text).insns).toEqual(p.insns);
  });
});
