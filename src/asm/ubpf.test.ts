// The uBPF-dialect assembler: encodings, labels, positioned errors, and bounded fuzzing.

import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { encode } from './instruction.js';
import { assembleUbpf } from './ubpf.js';

const hex = (src: string): string => Buffer.from(encode(assembleUbpf(src))).toString('hex');

function parseError(src: string): ParseError {
  try {
    assembleUbpf(src, { file: 'case.data' });
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return err as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('assembleUbpf', () => {
  it.each([
    ['mov32 %r0, 1', 'b400000001000000'],
    ['mov %r0, %r1', 'bf10000000000000'],
    ['add32 %r0, -3', '04000000fdffffff'],
    ['sdiv %r1, 3', '3701010003000000'],
    ['smod32 %r1, %r2', '9c21010000000000'],
    ['neg32 %r3', '8403000000000000'],
    ['ldxh %r0, [%r1+2]', '6910020000000000'],
    ['ldxsb %r0, [%r10-1]', '91a0ffff00000000'],
    ['stdw [%r10-8], 0x7fffffff', '7a0af8ffffffff7f'],
    ['stxb [%r1+0x10], %r2', '7321100000000000'],
    ['be16 %r0', 'dc00000010000000'],
    ['le64 %r0', 'd400000040000000'],
    ['swap32 %r0', 'd700000020000000'],
    ['movsx1632 %r0, %r1', 'bc10100000000000'],
    ['movsx3264 %r0, %r1', 'bf10200000000000'],
    ['lock fetch add [%r1+4], %r2', 'db21040001000000'],
    ['lock xchg32 [%r1], %r2', 'c3210000e1000000'],
    ['lock cmpxchg [%r1], %r2', 'db210000f1000000'],
    ['call 5', '8500000005000000'],
    ['call %r2', '8d02000000000000'],
    ['lddw %r0, 0x1122334455667788', '18000000887766550000000044332211'],
    ['jeq %r1, 0x80000000, +1', '1501010000000080'],
    ['jset32 %r1, %r2, -1', '4e21ffff00000000'],
    ['exit', '9500000000000000'],
  ])('%s', (src, want) => {
    expect(hex(src)).toBe(want);
  });

  it('resolves labels, the implicit `exit` label, local calls and ja32', () => {
    const insns = assembleUbpf(
      [
        'jne %r1, 0, exit',
        'call local f',
        'ja32 end',
        'exit',
        'end:',
        'exit',
        'f:',
        'mov %r0, 1',
        'exit',
      ].join('\n'),
    );
    expect(insns[0]!.off).toBe(2);
    expect(insns[1]!.imm).toBe(3);
    expect(insns[2]!.imm).toBe(1);
  });

  it('ignores comments and blank lines', () => {
    expect(hex('# header\n\nmov %r0, 2 # two\n  exit  \n')).toBe('b700000002000000' + '9500000000000000');
  });

  it('points at the bad token with line and column', () => {
    const err = parseError('mov %r0, 1\nor %r0, %r50\nexit');
    expect(err.position).toMatchObject({ file: 'case.data', line: 2, column: 9 });
    expect(err.userMessage()).toBe("case.data:2:9: error: invalid register '%r50'\nor %r0, %r50\n        ^");
  });

  it.each([
    ['mov32 %r0, 2147483648', /out of range/],
    ['mov32 %r0, 0x100000000', /out of range/],
    ['ldxb %r0, [%r1+0x10000]', /out of range/],
    ['ldxb %r0, %r1', /memory operand/],
    ['ldxq %r0, [%r1]', /invalid mnemonic 'ldxq'/],
    ['lddw %r0', /invalid number of operands for lddw/],
    ['lock or [%r10-8]', /invalid number of operands for lock/],
    ['lock', /invalid number of operands for lock/],
    ['ja NOT_A_LABEL', /invalid label 'NOT_A_LABEL'/],
    ['a:\na:\nexit', /duplicate label/],
    ['', /no instructions/],
  ])('rejects %j', (src, why) => {
    expect(parseError(src).message).toMatch(why);
  });

  it('survives random input with only ParseErrors (3000 inputs)', () => {
    const words = [
      'mov',
      'add32',
      'ldxw',
      'stxdw',
      'lock',
      'fetch',
      'jeq',
      'ja',
      'call',
      'local',
      'lddw',
      'exit',
      '%r1',
      '%r11',
      '[%r1+4]',
      '[%r1-',
      '0x',
      '-1',
      '99999999999',
      'lbl:',
      'lbl',
      ',',
      '#',
      'be16',
      'movsx832',
    ];
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    for (let n = 0; n < 3000; n++) {
      const lines: string[] = [];
      for (let l = rnd() % 4; l >= 0; l--) {
        const parts: string[] = [];
        for (let w = rnd() % 5; w >= 0; w--) parts.push(words[rnd() % words.length]!);
        lines.push(parts.join(rnd() % 2 ? ' ' : ', '));
      }
      try {
        assembleUbpf(lines.join('\n'));
      } catch (err) {
        expect(err, lines.join('\\n')).toBeInstanceOf(ParseError);
      }
    }
  });
});
