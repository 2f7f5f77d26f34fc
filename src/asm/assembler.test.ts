import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { assemble } from './assembler.js';
import { ProgramBuilder, r0, r1, r2, r6, r10 } from './builder.js';
import { disassemble } from './disassembler.js';
import { encode } from './instruction.js';

const hexOf = (src: string): string => Buffer.from(encode(assemble(src).insns)).toString('hex');
// Pads a one-statement program with exits so its relative targets land inside it.
const one = (stmt: string): string => hexOf(`${stmt}\nexit\nexit\nexit`).slice(0, -48);

describe('assemble', () => {
  // Expected bytes cross-checked against llvm-mc 14 (-triple bpfel -mcpu=v3) where LLVM accepts the form.
  it.each([
    ['r0 = 1', 'b700000001000000'],
    ['r1 += r2', '0f21000000000000'],
    ['w1 += w2', '0c21000000000000'],
    ['r0 -= 5', '1700000005000000'],
    ['r0 = -r0', '8700000000000000'],
    ['w0 = -w0', '8400000000000000'],
    ['r1 s/= r2', '3f21010000000000'],
    ['r1 s%= r2', '9f21010000000000'],
    ['r1 s>>= 3', 'c701000003000000'],
    ['r1 = (s8)r2', 'bf21080000000000'],
    ['w0 = (s16)w1', 'bc10100000000000'],
    ['w0 = w1', 'bc10000000000000'],
    ['r1 = be16 r1', 'dc01000010000000'],
    ['r1 = le32 r1', 'd401000020000000'],
    ['r1 = bswap64 r1', 'd701000040000000'],
    ['r1 = 0x1234567890 ll', '18010000907856340000000012000000'],
    ['r1 = -1 ll', '18010000ffffffff00000000ffffffff'],
    ['r0 = *(u64 *)(r1 + 8)', '7910080000000000'],
    ['r0 = *(u64 *)(r1 +8)', '7910080000000000'],
    ['r0 = *(s32 *)(r1 - 4)', '8110fcff00000000'],
    ['*(u32 *)(r10 - 4) = r1', '631afcff00000000'],
    ['*(u32 *)(r10 -4) = r1', '631afcff00000000'],
    ['*(u8 *)(r10 - 1) = 7', '720affff07000000'],
    ['r0 = *(u8 *)skb[23]', '3000000017000000'],
    ['r0 = *(u16 *)skb[r1]', '4810000000000000'],
    ['r0 = *(u32 *)skb[r1 + 4]', '4010000004000000'],
    ['r0 = *(u32 *)skb[r1 + -4]', '40100000fcffffff'],
    ['r0 = *(u32 *)skb[r1 - 4]', '40100000fcffffff'],
    ['lock *(u64 *)(r1 + 0) += r2', 'db21000000000000'],
    ['lock *(u64 *)(r1 +0) += r2', 'db21000000000000'],
    ['lock *(u32 *)(r1 + 0) &= w2', 'c321000050000000'],
    ['lock *(u32 *)(r1 +0) ^= r2', 'c3210000a0000000'],
    ['r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)', 'db21000001000000'],
    ['r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)', 'db21000001000000'],
    ['w2 = atomic_fetch_or((u32 *)(r1 + 0), w2)', 'c321000041000000'],
    ['r2 = atomic_fetch_or((u32 *)(r1 +0), r2)', 'c321000041000000'],
    ['r2 = xchg_64(r1 + 0, r2)', 'db210000e1000000'],
    ['r2 = atomic64_xchg((u64 *)(r1 +0), r2)', 'db210000e1000000'],
    ['w2 = xchg32_32(r1 + 8, w2)', 'c3210800e1000000'],
    ['r0 = cmpxchg_64(r1 + 0, r0, r2)', 'db210000f1000000'],
    ['r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)', 'db210000f1000000'],
    ['w0 = cmpxchg32_32(r1 + 0, w0, w2)', 'c3210000f1000000'],
    ['r0 = load_acquire((u64 *)(r1 +0))', 'db10000000010000'],
    ['store_release((u32 *)(r1 +4), r2)', 'c321040010010000'],
    ['r1 = addr_space_cast(r2, 0, 1)', 'bf21010001000000'],
    ['goto +1', '0500010000000000'],
    ['goto pc+1', '0500010000000000'],
    ['goto -1', '0500ffff00000000'],
    ['gotol +2', '0600000002000000'],
    ['may_goto +1', 'e500010000000000'],
    ['gotox r3', '0d03000000000000'],
    ['if r1 > 0x10 goto +2', '2501020010000000'],
    ['if r1 > 16 goto +2 <LBB0_2>', '2501020010000000'],
    ['if w1 s< w2 goto pc+1', 'ce21010000000000'],
    ['if r1 & 0x8 goto +1', '4501010008000000'],
    ['if r1 == -5 goto +1', '15010100fbffffff'],
    ['if w1 != 0xffffffff goto +1', '56010100ffffffff'],
    ['call bpf_map_lookup_elem', '8500000001000000'],
    ['call map_lookup_elem', '8500000001000000'],
    ['call bpf_map_lookup_elem#1', '8500000001000000'],
    ['call 1', '8500000001000000'],
    ['call unknown#300', '850000002c010000'],
    ['call pc+1', '8510000001000000'],
    ['call kfunc#1234', '85200000d2040000'],
    ['call kernel-function#1234', '85200000d2040000'],
    ['callx r2', '8d02000000000000'],
    ['exit', '9500000000000000'],
    ['.insn 0xb7, 1, 0, 0, 5', 'b701000005000000'],
  ])('%s', (src, hex) => {
    expect(one(src)).toBe(hex);
  });

  it('reads map loads by name, fd and index into relocations', () => {
    const p = assemble(
      'r1 = map[events] ll\nr1 = map[fd:7]\nr2 = map[config][0]+8 ll\nr3 = map[idx:2]\nr4 = map[idx:1][0]+4\nexit',
    );
    expect(p.relocations).toEqual([
      { pc: 0, map: 'events' },
      { pc: 2, map: { fd: 7 } },
      { pc: 4, map: 'config', valueOffset: 8 },
    ]);
    expect(Buffer.from(encode(p.insns)).toString('hex')).toBe(
      [
        '1811000000000000',
        '0000000000000000',
        '1811000007000000',
        '0000000000000000',
        '1822000000000000',
        '0000000008000000',
        '1853000002000000',
        '0000000000000000',
        '1864000001000000',
        '0000000004000000',
        '9500000000000000',
      ].join(''),
    );
  });

  it('picks LD_IMM64 for a constant that needs 64 bits, or for a pasted (18) opcode', () => {
    expect(one('r1 = 0x80000000')).toBe('18010000000000800000000000000000');
    expect(one('0: (18) r1 = 0x5')).toBe('18010000050000000000000000000000');
    expect(one('w1 = 0x80000000')).toBe('b401000000000080');
  });

  it('resolves labels forwards and backwards, and calls to local functions', () => {
    const p = assemble(`
top:
  if r1 == 0 goto done   # forward
  r1 -= 1
  goto top               // backward
done: call fn
  exit
fn:
  r0 = 0
  exit`);
    expect(p.labels).toEqual(
      new Map([
        ['top', 0],
        ['done', 3],
        ['fn', 5],
      ]),
    );
    expect(p.insns.map((i) => [i.off, i.imm])).toEqual([
      [2, 0],
      [0, 1],
      [-3, 0],
      [0, 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('accepts pasted verifier-log and llvm-objdump listings', () => {
    const log = `func#0 @0
0: R1=ctx() R10=fp0
; int x = 0; @ prog.c:3
0: (b7) r0 = 1                        ; R0_w=1
1: (85) call bpf_get_current_pid_tgid#14      ; R0=scalar()
2: (95) exit
processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0`;
    expect(hexOf(log)).toBe('b70000000100000085000000' + '0e000000' + '9500000000000000');
    const objdump = `
       0:	b7 00 00 00 01 00 00 00	r0 = 1
       1:	18 01 00 00 ef cd ab 90 00 00 00 00 78 56 34 12	r1 = 1311768467294899695 ll
       3:	95 00 00 00 00 00 00 00	exit`;
    expect(hexOf(objdump)).toBe('b70000000100000018010000efcdab900000000078563412' + '9500000000000000');
  });

  it('reads llvm-objdump -dr output, turning R_BPF_64_64 relocations into map references', () => {
    const text = readFileSync(join(import.meta.dirname, 'testdata', 'llvm-objdump-dr.txt'), 'utf8');
    const p = assemble(text);
    expect(p.relocations).toEqual([{ pc: 0, map: 'counts' }]);
    expect(p.labels).toEqual(new Map([['prog', 0]]));
    expect(p.insns[0]).toEqual({ code: 0x18, dst: 1, src: 1, off: 0, imm: 0 });
    expect(p.insns).toHaveLength(7);
  });

  it("accepts the verifier log's live-registers table", () => {
    expect(one('     12: .12....... (bf) r1 = r2')).toBe('bf21000000000000');
  });

  it('builds the same slots as ProgramBuilder', () => {
    const text = assemble(`
  r6 = r1
  r1 = 0
  *(u32 *)(r10 -4) = r1
  r2 = r10
  r2 += -4
  r1 = map[counts] ll
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r1 = 1
  lock *(u64 *)(r0 +0) += r1
  r2 = atomic_fetch_add((u64 *)(r0 +8), r2)
  r1 = *(s16 *)(r6 +2)
  r1 s/= 3
  r1 = (s32)r1
  r1 = bswap32 r1
  r1 = be16 r1
  may_goto out
  gotol out
out:
  r0 = 0
  exit`);
    const b = new ProgramBuilder()
      .mov(r6, r1)
      .mov(r1, 0)
      .st('u32', r10, -4, r1)
      .mov(r2, r10)
      .add(r2, -4)
      .ldMap(r1, 'counts')
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, 'out')
      .mov(r1, 1)
      .atomic('add', 'u64', r0, 0, r1)
      .atomic('add', 'u64', r0, 8, r2, true)
      .ldx('u16', r1, r6, 2, true)
      .sdiv(r1, 3)
      .movsx(r1, r1, 32)
      .bswap(r1, 32)
      .endian('be', r1, 16)
      .mayGoto('out')
      .ja('out', true)
      .label('out')
      .mov(r0, 0)
      .exit()
      .build();
    expect(text.insns).toEqual(b.insns);
    expect(text.relocations).toEqual(b.relocations);
  });

  it.each([
    ['r0 = 1\nr1 = *(u99 *)(r1 + 0)\nexit', 2, 8, /expected a width/],
    ['r11 = 1\nexit', 1, 1, /no register 'r11'/],
    ['r0 = 1\ngoto nowhere', 2, 6, /undefined label 'nowhere'/],
    ['r0 = 1\ngoto +5', 2, 6, /outside the program/],
    ['goto -2\nexit', 1, 6, /outside the program/],
    ['r1 = 0x1 ll\ngoto -2\nexit', 2, 6, /second half of a 64-bit load/],
    ['  r0 += w1\nexit', 1, 9, /cannot mix/],
    ['r0 = 0x1ffffffffffffffff\nexit', 1, 6, /does not fit in 64 bits/],
    ['r0 &= 0xffffffff\nexit', 1, 7, /sign-extended 32-bit/],
    ['r0 = 1 2\nexit', 1, 8, /unexpected '2'/],
    ['frobnicate r1\nexit', 1, 1, /unknown instruction 'frobnicate'/],
    ['call no_such_helper\nexit', 1, 6, /unknown helper or function/],
    ['call bpf_map_lookup_elem#2\nexit', 1, 6, /helper 1, not 2/],
    ['a:\na:\nexit', 2, 1, /defined twice/],
    ['r0 = 1 @\nexit', 1, 8, /unexpected character '@'/],
    ['r0 = 08x\nexit', 1, 6, /bad number/],
    ['.insn 0x18, 1, 0, 0, 0', 1, 1, /truncated 64-bit load/],
    ['if r1 > 1 goto +70000\nexit', 1, 16, /does not fit in 16 bits; use gotol/],
    ['r1 = -r2\nexit', 1, 6, /negation is in place/],
    ['r0 = *(u8 *)skb[1]\nr1 = *(u8 *)skb[1]\nexit', 2, 13, /always load into r0/],
    ['r2 = atomic_fetch_add((u64 *)(r1 +0), r3)\nexit', 1, 6, /old value in its source register/],
    ['; only a comment\n\n', 1, 1, /no instructions/],
    ['r1 = map[id:42]\nexit', 1, 10, /names a loaded map/],
  ])('rejects %j at %i:%i', (src, line, column, message) => {
    let err: unknown;
    try {
      assemble(src, { file: 'bad.s' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    const p = err as ParseError;
    expect(p.message).toMatch(message);
    expect({ line: p.position?.line, column: p.position?.column, file: p.position?.file }).toEqual({
      line,
      column,
      file: 'bad.s',
    });
    expect(p.userMessage().split('\n')[0]).toMatch(new RegExp(`^bad\\.s:${line}:${column}: error: `));
  });

  it('prints what it reads: assemble → disassemble → assemble is stable on the test programs', () => {
    const p = assemble('r1 = map[counts] ll\nr0 = 0\nexit');
    const text = disassemble(p.insns, { relocations: p.relocations });
    expect(text).toContain('r1 = map[counts] ll');
    expect(assemble(text).insns).toEqual(p.insns);
  });
});
