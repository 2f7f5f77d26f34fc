import { describe, expect, it } from 'vitest';
import { BpfkitError, ParseError } from '../errors/index.js';
import { caseProgram, parseConformanceCase, parseHexBytes } from './conformance-case.js';
import { mulberry32 } from './runtime.js';

describe('parseConformanceCase', () => {
  it('splits sections, skips comments and reads results as unsigned 64-bit values', () => {
    const c = parseConformanceCase(
      '# comment\n-- asm\nmov %r0, -1\nexit\n-- mem\naa bb # trailing\ncc\n-- result\n0xffffffffffffffff\n-- odd\nx\n',
    );
    expect(c.asm).toBe('mov %r0, -1\nexit');
    expect([...c.mem]).toEqual([0xaa, 0xbb, 0xcc]);
    expect(c.result).toBe(0xffffffffffffffffn);
    expect(c.other).toEqual(['odd']);
    expect(caseProgram(c)).toHaveLength(16);
  });

  it('reads -- raw as 64-bit words or as bytes', () => {
    expect([...parseConformanceCase('-- raw\n0x0000000000000095\n').raw!]).toEqual([
      0x95, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect([...parseConformanceCase('-- raw\n95 00 00 00 00 00 00 00\n').raw!]).toEqual([
      0x95, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('points at a bad hex byte', () => {
    try {
      parseHexBytes('aa\nbb zz', 'case.data');
      throw new Error('expected a ParseError');
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).position).toMatchObject({ file: 'case.data', line: 2, column: 4 });
    }
  });

  it('survives random case files with only typed errors (2000 inputs)', () => {
    const rnd = mulberry32(99);
    const pieces = [
      '-- asm\n',
      '-- mem\n',
      '-- raw\n',
      '-- result\n',
      '-- error\n',
      'aa ',
      'zz ',
      '0x95 ',
      '# c\n',
      'exit\n',
      'mov %r0, 1\n',
      '0x1\n',
      '-5\n',
      '\n',
      '12345678901234567890123 ',
    ];
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: rnd() % 10 }, () => pieces[rnd() % pieces.length]).join('');
      try {
        caseProgram(parseConformanceCase(text));
      } catch (err) {
        expect(err, JSON.stringify(text)).toBeInstanceOf(BpfkitError);
      }
    }
  });
});
