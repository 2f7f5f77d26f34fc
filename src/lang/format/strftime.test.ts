import { describe, expect, it } from 'vitest';
import { strftime } from './strftime.js';

// Expected strings are glibc's strftime output for the same local times (checked with Python's
// time.strftime), bpftrace's %f aside.
describe('strftime', () => {
  const d = new Date(2024, 11, 30, 23, 4, 5);
  it('formats the common conversions', () => {
    expect(strftime('%Y-%m-%d %T.%f', d, 123)).toBe('2024-12-30 23:04:05.000123');
    expect(strftime('%c|%r|%x|%X', d)).toBe('Mon Dec 30 23:04:05 2024|11:04:05 PM|12/30/24|23:04:05');
    expect(strftime('%a %A %b %B %h %j %e', d)).toBe('Mon Monday Dec December Dec 365 30');
  });

  it('formats the space-padded hours, am/pm, century and week numbers', () => {
    expect(strftime('%k|%l|%P|%C|%g|%G|%u|%w|%V|%U|%W', d)).toBe('23|11|pm|20|25|2025|1|1|01|52|53');
    expect(strftime('%k|%l|%V|%G|%U|%W', new Date(2027, 0, 3, 7))).toBe(' 7| 7|53|2026|01|00');
  });

  it("takes glibc's flags, widths and E/O modifiers, and leaves unknown conversions alone", () => {
    expect(strftime('%Ey|%Od|%-d|%_d|%03d|%-j|%^a|%10A', new Date(2021, 0, 1, 3))).toBe(
      '21|01|1| 1|001|1|FRI|    Friday',
    );
    expect(strftime('%E|%q|%O|%+|%', d)).toBe('%E|%q|%O|%+|%');
  });
});
