import { describe, expect, it } from 'vitest';
import { Timestamper } from './timestamps.js';

// 2026-11-25 10:57:56.798630 UTC is this many ns after the epoch; the monotonic clock reads 5 s then.
const REAL = 1795604276_798630_123n;
const MONO = 5_000_000_000n;
const offset = REAL - MONO;

describe('strace timestamps', () => {
  it('prints nothing without -t or -r', () => {
    const t = new Timestamper({ absolute: 0, relative: false }, offset);
    expect(t.active).toBe(false);
    expect(t.leader(MONO)).toBe('');
  });

  it('prints -t, -tt and -ttt as strace does', () => {
    const hms = (ns: bigint) => {
      const d = new Date(Number(ns / 1_000_000n));
      return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    };
    expect(new Timestamper({ absolute: 1, relative: false }, offset).leader(MONO)).toBe(`${hms(REAL)} `);
    expect(new Timestamper({ absolute: 2, relative: false }, offset).leader(MONO)).toBe(
      `${hms(REAL)}.798630 `,
    );
    expect(new Timestamper({ absolute: 3, relative: false }, offset).leader(MONO + 1_000n)).toBe(
      '1795604276.798631 ',
    );
  });

  it('prints -r as the time since the previous call, starting at zero', () => {
    const t = new Timestamper({ absolute: 0, relative: true }, offset);
    expect(t.leader(MONO)).toBe('     0.000000 ');
    expect(t.leader(MONO + 1_138_000n)).toBe('     0.001138 ');
    expect(t.leader(MONO + 12_001_138_000n)).toBe('    12.000000 ');
  });

  it('prints -tt -r as strace 6 does: the time, then (+ relative)', () => {
    const t = new Timestamper({ absolute: 2, relative: true }, offset);
    expect(t.leader(MONO)).toMatch(/^\d\d:\d\d:\d\d\.798630 \(\+ {5}0\.000000\) $/);
    expect(t.leader(MONO + 337_000n)).toMatch(/^\d\d:\d\d:\d\d\.798967 \(\+ {5}0\.000337\) $/);
  });
});
