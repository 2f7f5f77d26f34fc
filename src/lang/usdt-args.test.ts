import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { parseUsdtArgs } from './usdt-args.js';

describe('parseUsdtArgs', () => {
  it('reads registers, memory operands and constants', () => {
    expect(parseUsdtArgs('-4@%edi 8@-8(%rbp) 8@%rdx 2@$5 1@(%r12) 8@0x10(%rsp)')).toEqual([
      { kind: 'reg', size: 4, signed: true, reg: 'di' },
      { kind: 'mem', size: 8, signed: false, reg: 'bp', offset: -8 },
      { kind: 'reg', size: 8, signed: false, reg: 'dx' },
      { kind: 'const', size: 2, signed: false, value: 5n },
      { kind: 'mem', size: 1, signed: false, reg: 'r12', offset: 0 },
      { kind: 'mem', size: 8, signed: false, reg: 'sp', offset: 16 },
    ]);
    expect(parseUsdtArgs('')).toEqual([]);
  });

  it('names the argument it cannot read', () => {
    expect(() => parseUsdtArgs('8@%xmm0')).toThrow(/unknown register %xmm0/);
    expect(() => parseUsdtArgs('3@%rdi')).toThrow(/not SIZE@OPERAND/);
    expect(() => parseUsdtArgs('8@foo(%rip,%rax,8)')).toThrow(/unsupported operand/);
  });

  it('fuzz: random specs throw only ParseError', () => {
    const alphabet = '-@%$()0123456789x8rdiesbpa ,';
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let ok = 0;
    for (let i = 0; i < 2000; i++) {
      let s = i % 3 === 0 ? '8@%rdi -4@-8(%rbp)' : '';
      for (let k = rnd(20); k > 0; k--) s += alphabet[rnd(alphabet.length)];
      try {
        parseUsdtArgs(s);
        ok++;
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
      }
    }
    expect(ok).toBeGreaterThan(0);
  });
});
