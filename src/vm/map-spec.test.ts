import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { parseMapSpec } from './map-spec.js';
import { VmMapType } from './maps.js';
import { mulberry32 } from './runtime.js';

describe('parseMapSpec', () => {
  it('reads name:type:key:value:entries, and ring buffers by size alone', () => {
    expect(parseMapSpec('counts:hash:4:8:1024')).toEqual({
      name: 'counts',
      type: VmMapType.Hash,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1024,
    });
    expect(parseMapSpec('events:ringbuf:4096')).toEqual({
      name: 'events',
      type: VmMapType.RingBuf,
      keySize: 0,
      valueSize: 0,
      maxEntries: 4096,
    });
  });

  it.each([
    ['counts:hsh:4:8:1', /unknown map type 'hsh'/, 8],
    ['9x:hash:4:8:1', /invalid map name/, 1],
    ['c:hash:4:x:1', /'x' is not a size/, 10],
    ['c:hash:4:8', /expected name:type/, 1],
    ['c:array:4:8:0', /at least 1/, 13],
  ])('rejects %j', (text, why, column) => {
    try {
      parseMapSpec(text);
      throw new Error('expected a ParseError');
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).message).toMatch(why);
      expect((err as ParseError).position?.column).toBe(column);
    }
  });

  it('survives random input with only ParseErrors (2000 inputs)', () => {
    const rnd = mulberry32(42);
    const parts = ['a', 'hash', 'ringbuf', 'array', '4', '8', '0', '99999999999', '', ':', '-1', 'x y'];
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: rnd() % 7 }, () => parts[rnd() % parts.length]).join(
        rnd() % 4 ? ':' : '',
      );
      try {
        parseMapSpec(text);
      } catch (err) {
        expect(err, text).toBeInstanceOf(ParseError);
      }
    }
  });
});
