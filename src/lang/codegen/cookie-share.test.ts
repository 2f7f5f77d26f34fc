import { describe, expect, it } from 'vitest';
import { helperId } from '../../asm/helpers.js';
import { type CookieProgramType, check } from '../check.js';
import { Source } from '../diagnostics.js';
import { fakeTypeSource } from '../fake-type-source.js';
import { parseSource } from '../parser.js';
import { type Compiled, compile } from './compile.js';

const asked: CookieProgramType[] = [];

function build(text: string, cookies: boolean): Compiled {
  const src = new Source(text, 'test.bt');
  const attachCookies = (t: CookieProgramType) => {
    asked.push(t);
    return cookies;
  };
  return compile(check(parseSource(src), src, { types: fakeTypeSource, attachCookies }));
}

const COOKIE_CALL = helperId('get_attach_cookie')!;
const callsCookie = (c: Compiled, i = 0) =>
  c.programs[i]!.built.insns.some((x) => x.code === 0x85 && x.src === 0 && x.imm === COOKIE_CALL);
const specNames = (c: Compiled) => c.programs.map((p) => p.specs.map((s) => s.name));

describe('programs shared by attach cookie', () => {
  it('a body reading only `probe` is one program reading the cookie, every name in probeNames', () => {
    const c = build('tracepoint:syscalls:sys_enter_* { @[probe] = count(); }', true);
    expect(c.programs).toHaveLength(1);
    const names = c.programs[0]!.specs.map((s) => s.name);
    expect(names.length).toBeGreaterThan(1);
    expect(c.byCookie.has(c.programs[0]!)).toBe(true);
    expect(callsCookie(c)).toBe(true);
    for (const n of names) expect(c.probeNames).toContain(n);
    expect(c.programs[0]!.name).toBe(`${names[0]} (+${names.length - 1})`);
  });

  it('without cookies it stays a program per attach point, each with its constant', () => {
    const c = build('tracepoint:syscalls:sys_enter_* { @[probe] = count(); }', false);
    expect(c.programs.length).toBeGreaterThan(1);
    expect(c.programs.every((p) => p.specs.length === 1)).toBe(true);
    expect(c.byCookie.size).toBe(0);
    expect(c.programs.some((_, i) => callsCookie(c, i))).toBe(false);
  });

  it('args read alike merge into one program; with `probe` only when the cookie tells them apart', () => {
    const text = 'tracepoint:syscalls:sys_exit_* /args.ret < 0/ { @[probe] = count(); }';
    expect(specNames(build(text, true))).toEqual([
      ['tracepoint:syscalls:sys_exit_openat', 'tracepoint:syscalls:sys_exit_read'],
    ]);
    expect(specNames(build(text, false))).toHaveLength(2);
    // No `probe`: the programs are identical, so they are shared with no cookie needed.
    const plain = build('tracepoint:syscalls:sys_exit_* /args.ret < 0/ { @ = count(); }', false);
    expect(plain.programs).toHaveLength(1);
    expect(plain.byCookie.size).toBe(0);
  });

  it('programs that differ in anything (here each printf is its own action) stay apart', () => {
    const c = build(
      'tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_read { printf("%d %s\\n", args.__syscall_nr, probe); }',
      true,
    );
    expect(c.programs).toHaveLength(2);
    expect(c.byCookie.size).toBe(2);
    expect(callsCookie(c, 0) && callsCookie(c, 1)).toBe(true);
  });

  it('func, mixed probe types and a single attach point never share by cookie', () => {
    asked.length = 0;
    expect(build('uprobe:/bin/sh:ma* { @[probe, func] = count(); }', true).byCookie.size).toBe(0);
    const mixed = build(
      'tracepoint:syscalls:sys_enter_read, uprobe:/bin/sh:main { @[probe] = count(); }',
      true,
    );
    expect(mixed.programs).toHaveLength(2);
    expect(mixed.byCookie.size).toBe(0);
    const one = build('tracepoint:syscalls:sys_enter_read { @[probe] = count(); }', true);
    expect(one.byCookie.size).toBe(0);
    expect(callsCookie(one)).toBe(false);
    // The kernel is asked only when sharing is possible, and about the right program type.
    expect(asked).toEqual([]);
    build('uprobe:/bin/sh:main, uretprobe:/bin/sh:main { @[probe] = count(); }', true);
    build('uprobe:/bin/sh:ma*, profile:hz:99 { @[probe] = count(); }', true);
    build('uprobe:/bin/sh:ma* { @[probe] = count(); }', true);
    build('profile:hz:99, interval:s:1 { @[probe] = count(); }', true);
    build('profile:hz:99, profile:hz:49 { @[probe] = count(); }', true);
    expect(asked).toEqual(['kprobe', 'perf_event']);
  });
});
