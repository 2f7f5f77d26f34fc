import { describe, expect, it } from 'vitest';
import { FormatError, parseFormat, render } from './printf.js';

const f = (fmt: string, ...args: (bigint | string)[]): string => render(parseFormat(fmt), args);

describe('printf', () => {
  it('renders like C (and bpftrace)', () => {
    // The reference line is bpftrace 0.17's output for the same call.
    expect(f('%d %s %5d|%-5s|%x %llu\n', 3n, 'ab', 42n, 'x', 255n, 7n)).toBe('3 ab    42|x    |ff 7\n');
  });

  it('handles widths, flags and lengths', () => {
    expect(f('%05d|%-4d|%+d', -42n, 7n, 5n)).toBe('-0042|7   |+5');
    expect(f('%#x %#o %X %p', 255n, 8n, 255n, 4096n)).toBe('0xff 010 FF 0x1000');
    expect(f('%u %d', -1n, -1n)).toBe('18446744073709551615 -1');
    expect(f('%hhu %hd', 257n, 65535n)).toBe('1 -1');
    expect(f('%.2s|%c|%%', 'abcdef', 65n)).toBe('ab|A|%');
    expect(f('%-16s%6d', 'bash', 12n)).toBe('bash                12');
  });

  it('rejects bad conversions with an offset', () => {
    expect(() => parseFormat('abc %q')).toThrow(FormatError);
    try {
      parseFormat('ab %');
    } catch (e) {
      expect((e as FormatError).at).toBe(3);
    }
  });
});
