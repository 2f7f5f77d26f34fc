import { describe, expect, it } from 'vitest';
import { check } from '../check.js';
import { Source } from '../diagnostics.js';
import { fakeTypeSource } from '../fake-type-source.js';
import { parseSource } from '../parser.js';
import { compile } from './compile.js';
import { EVENTS_MAP } from './layout.js';

function ringBytes(text: string): number | undefined {
  const src = new Source(text, 'ring.bt');
  return compile(check(parseSource(src), src, { types: fakeTypeSource })).maps.find(
    (m) => m.ref === EVENTS_MAP,
  )?.maxEntries;
}

describe('the event ring', () => {
  it('is large for scripts whose repeating probes send events, small for those that only aggregate', () => {
    expect(ringBytes('tracepoint:syscalls:sys_enter_openat { printf("%d\\n", pid); }')).toBe(1 << 20);
    expect(
      ringBytes('tracepoint:syscalls:sys_enter_read /pid > 1/ { @x = 1; if (pid > 2) { print(@x); } }'),
    ).toBe(1 << 20);
    expect(
      ringBytes('interval:s:1 { print(@x); } tracepoint:syscalls:sys_enter_read { @x = count(); }'),
    ).toBe(1 << 20);
    expect(ringBytes('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }')).toBe(1 << 16);
    expect(
      ringBytes(
        'BEGIN { printf("hi\\n"); } tracepoint:syscalls:sys_enter_read { @ = hist(pid); } END { printf("bye\\n"); }',
      ),
    ).toBe(1 << 16);
  });
});

describe('stack tables', () => {
  it('gives each stack frame limit its own table, sized to it, so equal top frames share one key', () => {
    const src = new Source(
      'tracepoint:sched:sched_switch { @a[kstack(2)] = count(); @b[ustack(perf, 5)] = count(); @c[kstack] = count(); }',
      'stacks.bt',
    );
    const compiled = compile(check(parseSource(src), src, { types: fakeTypeSource }));
    const tables = compiled.maps
      .filter((m) => m.type === 'stack_trace')
      .map((m) => [m.ref, m.valueSize])
      .sort();
    expect(tables).toEqual([
      ['__stacks', 127 * 8],
      ['__stacks_2', 16],
      ['__stacks_5', 40],
    ]);
  });

  it('are not created, nor is the join buffer, for a script that uses neither', () => {
    const refs = (text: string): string[] => {
      const src = new Source(text, 'tables.bt');
      return compile(check(parseSource(src), src, { types: fakeTypeSource })).maps.map((m) => m.ref);
    };
    const plain = refs('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }');
    expect(plain.filter((r) => r.startsWith('__stacks') || r === '__join')).toEqual([]);
    expect(plain).toContain(EVENTS_MAP);
    expect(refs('profile:hz:99 { @[kstack] = count(); }')).toContain('__stacks');
    expect(refs('tracepoint:raw_syscalls:sys_enter { join((uint64 *)args.args[1]); }')).toContain('__join');
  });
});
