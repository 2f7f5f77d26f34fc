import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { formatHex, parseHex } from './hex.js';

describe('hex', () => {
  it('reads hex with whitespace, 0x prefixes and comments', () => {
    expect([...parseHex('b7 00 00 00\n0x01000000 # r0 = 1\n9500000000000000')]).toEqual([
      0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(parseHex('  \n')).toHaveLength(0);
  });

  it('prints one slot per line and reads it back', () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i * 13);
    const text = formatHex(bytes);
    expect(text.split('\n')[0]).toBe('00 0d 1a 27 34 41 4e 5b');
    expect([...parseHex(text)]).toEqual([...bytes]);
  });

  it.each([
    ['b7 0g', 1, 5, /'g' is not a hex digit/],
    ['b7 00\n00 0', 2, 4, /odd number of hex digits/],
  ])('rejects %j at %i:%i', (text, line, column, message) => {
    let err: unknown;
    try {
      parseHex(text, 'x.hex');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    const p = err as ParseError;
    expect(p.message).toMatch(message);
    expect([p.position?.line, p.position?.column, p.position?.file]).toEqual([line, column, 'x.hex']);
  });
});
