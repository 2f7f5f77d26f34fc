import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEventFormat } from './tracefs-format.js';
import { printSymbols, symbolize } from './tracefs-print.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const format = (f: string) => parseEventFormat(readFileSync(join(testdata, f), 'utf8'), f);

describe('printSymbols', () => {
  it('reads TCP states and address families from inet_sock_set_state', () => {
    const syms = printSymbols(format('inet_sock_set_state.format'));
    expect(syms.map((s) => `${s.kind}:${s.field}`)).toEqual([
      'symbolic:family',
      'symbolic:protocol',
      'symbolic:oldstate',
      'symbolic:newstate',
    ]);
    const family = syms[0]!;
    expect([...family.values]).toEqual([
      [2, 'AF_INET'],
      [10, 'AF_INET6'],
    ]);
    const state = syms[3]!;
    expect(state.values.size).toBe(12);
    expect(symbolize(state, 1)).toBe('TCP_ESTABLISHED');
    expect(symbolize(state, 10)).toBe('TCP_LISTEN');
    expect(symbolize(state, 99)).toBe('99');
  });

  it('reads task state flags from sched_switch', () => {
    const [flags] = printSymbols(format('sched_switch.format'));
    expect(flags).toMatchObject({ field: 'prev_state', kind: 'flags', delimiter: '|' });
    expect(symbolize(flags!, 0x1)).toBe('S');
    expect(symbolize(flags!, 0x2 | 0x80)).toBe('D|I');
    expect(symbolize(flags!, 0x1 | 0x1000)).toBe('S|0x1000');
  });

  it('finds nothing in formats without tables, and tolerates broken ones', () => {
    expect(printSymbols(format('sys_enter_openat.format'))).toEqual([]);
    const broken = parseEventFormat(
      'name: x\nID: 1\nprint fmt: "%s", __print_symbolic(REC->a, { 1, "A" }, { x, "B" }',
    );
    expect(printSymbols(broken)).toEqual([
      { field: 'a', kind: 'symbolic', delimiter: '', values: new Map([[1, 'A']]) },
    ]);
  });
});
