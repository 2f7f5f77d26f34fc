// The vm's semantics and faults, on both tiers: division by zero, out-of-bounds accesses with the
// instruction index, the budget on endless loops, unknown helpers, call depth, callx, load checks.

import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/assembler.js';
import { encode, insn } from '../asm/instruction.js';
import { Class, JmpOp } from '../asm/opcodes.js';
import { assembleUbpf } from '../asm/ubpf.js';
import { VmError } from './errors.js';
import { conformanceHelpers } from './helpers.js';
import { VmProgram } from './program.js';
import { type Tier, Vm, type VmOptions } from './vm.js';

const run = (src: string, tier: Tier, mem?: Uint8Array, options: VmOptions = {}) =>
  new Vm(assembleUbpf(src), { tier, ...options }).run(mem ? { mem } : {});

function fault(src: string, tier: Tier, mem?: Uint8Array, options: VmOptions = {}): VmError {
  try {
    run(src, tier, mem, options);
  } catch (err) {
    expect(err).toBeInstanceOf(VmError);
    return err as VmError;
  }
  throw new Error('expected a VmError');
}

for (const tier of ['interpreter', 'compiled'] as const) {
  describe(`vm (${tier} tier)`, () => {
    it('divides by zero as the ISA says: quotient 0, remainder keeps the dividend', () => {
      expect(run('mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit', tier).r0).toBe(0n);
      expect(run('lddw %r0, 0x100000007\nmov %r1, 0\nmod %r0, %r1\nexit', tier).r0).toBe(0x100000007n);
      // 32-bit modulo by zero keeps the dividend's low half, zero-extended.
      expect(run('lddw %r0, 0x100000007\nmov %r1, 0\nmod32 %r0, %r1\nexit', tier).r0).toBe(7n);
      expect(run('mov %r0, -7\nmov %r1, 0\nsdiv %r0, %r1\nexit', tier).r0).toBe(0n);
      expect(run('mov %r0, -7\nmov %r1, 2\nsmod %r0, %r1\nexit', tier).r0).toBe(BigInt.asUintN(64, -1n));
    });

    it('computes 64-bit products and quotients exactly', () => {
      expect(
        run('lddw %r0, 0xfedcba9876543210\nlddw %r1, 0x123456789abcdef1\nmul %r0, %r1\nexit', tier).r0,
      ).toBe(BigInt.asUintN(64, 0xfedcba9876543210n * 0x123456789abcdef1n));
      expect(run('lddw %r0, 0xfedcba9876543210\nlddw %r1, 0x12345\ndiv %r0, %r1\nexit', tier).r0).toBe(
        0xfedcba9876543210n / 0x12345n,
      );
    });

    it('faults on an out-of-bounds read with the instruction index', () => {
      const err = fault('mov %r0, 0\nldxw %r0, [%r1+6]\nexit', tier, new Uint8Array(8));
      expect(err.fault).toBe('out-of-bounds');
      expect(err.pc).toBe(1);
      expect(err.message).toMatch(
        /instruction 1: out-of-bounds read of 4 bytes .* in mem \(offset 6, size 8\)/,
      );
    });

    it('faults on a write below the 512-byte frame, and on a NULL dereference', () => {
      const below = fault('mov %r0, 0\nstb [%r10-513], 1\nexit', tier);
      expect([below.fault, below.pc]).toEqual(['out-of-bounds', 1]);
      const nul = fault('mov %r1, 0\nldxdw %r0, [%r1]\nexit', tier);
      expect(nul.message).toMatch(/unmapped memory/);
    });

    it('refuses writes to read-only memory', () => {
      const vm = new Vm(assembleUbpf('stb [%r1], 1\nmov %r0, 0\nexit'), { tier });
      expect(() => vm.run({ mem: new Uint8Array(4), memReadOnly: true })).toThrow(/read-only mem/);
    });

    it('stops an endless loop when the budget runs out', () => {
      const err = fault('mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit', tier, undefined, { budget: 10_000 });
      expect(err.fault).toBe('budget');
      expect(err.message).toMatch(/budget exhausted/);
    });

    it('counts executed instructions', () => {
      const r = run('mov %r0, 0\nmov %r1, 10\nloop:\nadd %r0, 2\nsub %r1, 1\njne %r1, 0, loop\nexit', tier);
      expect(r.r0).toBe(20n);
      expect(r.instructions).toBe(2 + 30 + 1);
    });

    it('faults on an unknown helper', () => {
      const err = fault('call 9999\nexit', tier);
      expect([err.fault, err.pc, err.message]).toEqual([
        'unknown-helper',
        0,
        'instruction 0: unknown helper 9999',
      ]);
    });

    it('keeps r6-r9 and gives each bpf-to-bpf call its own 512-byte frame', () => {
      const src = [
        'mov %r6, 6',
        'stdw [%r10-8], 11',
        'call local f',
        'ldxdw %r0, [%r10-8]',
        'add %r0, %r6',
        'exit',
        'f:',
        'mov %r6, 100',
        'stdw [%r10-8], 99',
        'mov %r0, 0',
        'exit',
      ].join('\n');
      expect(run(src, tier).r0).toBe(17n);
    });

    it('lets a callee write to the caller stack through a pointer, but not past its own frame', () => {
      const src =
        'mov %r1, %r10\nsub %r1, 8\ncall local f\nldxdw %r0, [%r10-8]\nexit\nf:\nstdw [%r1], 5\nmov %r0, 0\nexit';
      expect(run(src, tier).r0).toBe(5n);
      const err = fault('call local f\nexit\nf:\nstdw [%r10-520], 5\nexit', tier);
      expect(err.message).toMatch(/instruction 2: out-of-bounds write of 8 bytes .* in stack of frame 1/);
    });

    it('limits call depth to 8 frames', () => {
      const err = fault('call local f\nexit\nf:\ncall local f\nexit', tier);
      expect(err.fault).toBe('call-depth');
    });

    it('calls through a function pointer with callx', () => {
      const prog = [
        insn(Class.LD | 0x18, 2, 4, 0, 3), // r2 = &f (lddw with src 4)
        insn(0, 0, 0, 0, 0),
        insn(Class.JMP | JmpOp.CALL | 0x08, 2),
        insn(Class.JMP | JmpOp.EXIT),
        insn(Class.JMP | JmpOp.EXIT), // unreachable
        insn(0xb7, 0, 0, 0, 42), // f: r0 = 42
        insn(Class.JMP | JmpOp.EXIT),
      ];
      prog[0]!.imm = 5 - 0 - 1;
      expect(new Vm(prog, { tier }).run().r0).toBe(42n);
    });

    it('takes may_goto once its 8M-iteration allowance is spent', () => {
      const src = 'r0 = 0\nloop: r0 += 1\nmay_goto +1\ngoto loop\nexit';
      expect(new Vm(assemble(src).insns, { tier }).run().r0).toBe(8n * 1024n * 1024n + 1n);
    });

    it('runs load-acquire and store-release as a load and a store', () => {
      const src =
        'r2 = 0x1122334455667788 ll\nstore_release((u64 *)(r10 - 8), r2)\nr0 = load_acquire((u32 *)(r10 - 8))\nexit';
      expect(new Vm(assemble(src).insns, { tier }).run().r0).toBe(0x55667788n);
    });

    it('refuses callx to a forged function pointer', () => {
      // 0xbf0c0000_00000001 looks like `lddw r2, func` but points into the middle of the program.
      const err = fault('lddw %r2, 0xbf0c000000000001\ncall %r2\nexit', tier);
      expect([err.fault, err.pc]).toEqual(['invalid-instruction', 2]);
    });

    it('stops with r0 = 0 when the conformance unwind helper gets 0', () => {
      const r = new Vm(assembleUbpf('mov %r1, 0\ncall 5\nmov %r0, 2\nexit'), {
        tier,
        helpers: conformanceHelpers(),
      }).run();
      expect(r.r0).toBe(0n);
    });

    it('faults when execution runs past the last instruction', () => {
      expect(fault('mov %r0, 1\nmov %r0, 2', tier).fault).toBe('fell-off-end');
    });
  });
}

describe('program validation', () => {
  const bad = (bytes: number[]): VmError => {
    try {
      new VmProgram(Uint8Array.from(bytes));
    } catch (err) {
      expect(err).toBeInstanceOf(VmError);
      return err as VmError;
    }
    throw new Error('expected a VmError');
  };
  const exit = [0x95, 0, 0, 0, 0, 0, 0, 0];

  it('rejects unknown opcodes, naming the instruction', () => {
    const err = bad([...exit, 0xff, 0, 0, 0, 0, 0, 0, 0]);
    expect([err.pc, err.message]).toEqual([1, 'instruction 1: unknown opcode (opcode 0xff)']);
  });

  it('rejects jumps past the end and into the middle of an lddw', () => {
    expect(bad([0x05, 0, 5, 0, 0, 0, 0, 0, ...exit]).message).toMatch(/jump to 6 is outside the program/);
    expect(
      bad([0x05, 0, 1, 0, 0, 0, 0, 0, 0x18, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...exit]).message,
    ).toMatch(/middle of an lddw/);
  });

  it('rejects a truncated lddw, writes to r10 and non-zero reserved fields', () => {
    expect(() => new VmProgram(Uint8Array.from([0x18, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/truncated/);
    expect(bad([0xb7, 0x0a, 0, 0, 1, 0, 0, 0, ...exit]).message).toMatch(/read-only frame pointer/);
    expect(bad([0x95, 0x01, 0, 0, 0, 0, 0, 0]).message).toMatch(/reserved fields of exit/);
  });

  it('rejects bytecode that is not whole slots, and empty programs', () => {
    expect(() => new VmProgram(Uint8Array.from([0x95, 0, 0]))).toThrow(/not a multiple of 8/);
    expect(() => new VmProgram(new Uint8Array(0))).toThrow(/empty/);
  });

  it('accepts a program built from encoded slots', () => {
    expect(new VmProgram(encode([insn(0xb7, 0, 0, 0, 3), insn(0x95)])).insns).toHaveLength(2);
  });
});
