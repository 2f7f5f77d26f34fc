import { describe, expect, it } from 'vitest';
import type { TraceField } from '../../btf/tracefs-format.js';
import { BpfkitError, ParseError } from '../../errors/index.js';
import { prepareProbe } from '../trace.js';
import { generateProbe } from './codegen.js';
import { applyFormat, parseFormat } from './printf.js';
import { parseProbe } from './spec.js';

const caret = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return (err as ParseError).userMessage();
  }
  throw new Error('expected a ParseError');
};

describe('trace probe specs', () => {
  it('parse a tracepoint with predicate, format and arguments', () => {
    const p = parseProbe(
      't:syscalls:sys_enter_openat (args->flags & 64 && $pid != 1) "%s %d", args->filename@user, args->mode',
    );
    expect(p).toMatchObject({ kind: 't', library: 'syscalls', func: 'sys_enter_openat', format: '%s %d' });
    expect(p.args.map((a) => [a.expr.type, a.user])).toEqual([
      ['field', true],
      ['field', false],
    ]);
    expect(p.predicate).toMatchObject({
      type: 'binary',
      op: '&&',
      l: { type: 'binary', op: '&', l: { name: 'flags' }, r: { value: 64n } },
      r: { type: 'binary', op: '!=', l: { type: 'special', name: 'pid' }, r: { value: 1n } },
    });
  });

  it('parse uprobes, uretprobes and kprobes', () => {
    expect(parseProbe('u:c:write (arg1 == 2) "%d", arg3')).toMatchObject({
      kind: 'u',
      library: 'c',
      func: 'write',
    });
    expect(parseProbe('r:c:malloc (retval == 0)')).toMatchObject({
      kind: 'r',
      library: 'c',
      predicate: { op: '==' },
    });
    expect(parseProbe('p::do_sys_open')).toMatchObject({
      kind: 'p',
      library: '',
      func: 'do_sys_open',
      args: [],
    });
    expect(parseProbe('r::vfs_read "%d", retval').args[0]!.expr.type).toBe('retval');
  });

  it('read BCC shorthand heads: func is p::func, lib:func is p:lib:func, func+off in a library', () => {
    expect(parseProbe('do_sys_open')).toMatchObject({ kind: 'p', library: '', func: 'do_sys_open' });
    expect(parseProbe('c:malloc "size = %d", arg1')).toMatchObject({
      kind: 'p',
      library: 'c',
      func: 'malloc',
    });
    expect(parseProbe(':c:malloc')).toMatchObject({ kind: 'p', library: 'c', func: 'malloc' });
    expect(parseProbe('p:c:malloc+0x10')).toMatchObject({ kind: 'p', library: 'c', func: 'malloc+0x10' });
    expect(caret(() => parseProbe('kfree_skb+0x12'))).toMatch(
      /1:1: error: 'kfree_skb\+0x12': an offset inside a function needs kprobes/,
    );
    expect(caret(() => parseProbe('t:a:b:c'))).toMatch(
      /1:3: error: a tracepoint needs a category and an event/,
    );
  });

  it("read C casts, as in BCC's (int)retval < 0", () => {
    expect(parseProbe('r:c:read ((int)retval < 0) "read failed: %d", retval').predicate).toMatchObject({
      op: '<',
      l: { type: 'cast', bits: 32, signed: true, e: { type: 'retval' } },
    });
    expect(parseProbe('p:c:f (*(int *)(arg2 + 8) < 0 && *arg1)').predicate).toMatchObject({
      l: { l: { type: 'deref', bits: 32, signed: true, e: { type: 'cast', pointee: { bits: 32 } } } },
      r: { type: 'deref', bits: 64, signed: false, e: { type: 'arg', n: 1 } },
    });
    expect(caret(() => parseProbe('p:c:f (arg1->len > 0)'))).toMatch(/1:8: error: arg1->field needs C types/);
    expect(caret(() => parseProbe('p:c:f (arg1 = 2)'))).toMatch(/1:13: error: '=' would assign/);
    const cast = (t: string) => parseProbe(`p:c:f ((${t})arg1)`).predicate;
    expect(cast('unsigned long')).toMatchObject({ type: 'cast', bits: 64, signed: false });
    expect(cast('short int')).toMatchObject({ type: 'cast', bits: 16, signed: true });
    expect(cast('__u8')).toMatchObject({ type: 'cast', bits: 8, signed: false });
    expect(cast('const char *')).toMatchObject({ type: 'cast', bits: 64, signed: false });
    // A parenthesized value is not a cast.
    expect(parseProbe('p:c:f ((arg2))').predicate).toMatchObject({ type: 'arg', n: 2 });
    expect(caret(() => parseProbe('p:c:f ((foo)arg1)'))).toMatch(/unknown name 'foo'/);
  });

  it('read STRCMP("text", value), with escapes and @user', () => {
    const p = parseProbe('p:c:open (STRCMP("a\\x01b", arg1@user) && !STRCMP("x", arg2))');
    expect(p.predicate).toMatchObject({
      op: '&&',
      l: { type: 'strcmp', literal: Uint8Array.from([97, 1, 98]), user: true, e: { type: 'arg', n: 1 } },
      r: { type: 'unary', e: { type: 'strcmp', user: false } },
    });
    expect(caret(() => parseProbe('p:c:f (STRCMP(arg1, "x"))'))).toMatch(
      /1:15: error: STRCMP needs a string literal/,
    );
    expect(caret(() => parseProbe('p:c:f (STRCMP("", arg1))'))).toMatch(/a STRCMP string is 1 to 64 bytes/);
    expect(caret(() => parseProbe('p:c:f (STRCMP("x" arg1))'))).toMatch(
      /expected ',' after the STRCMP string/,
    );
    expect(caret(() => parseProbe('p:c:f (STRCMP("x, arg1))'))).toMatch(/1:15: error: unterminated string/);
  });

  it('read USDT heads: u:lib:probe and u:lib:provider:probe', () => {
    expect(parseProbe('u:/usr/bin/python3:python:audit "%s", arg1')).toMatchObject({
      kind: 'u',
      library: '/usr/bin/python3',
      func: 'python:audit',
      funcAt: 19,
    });
    expect(parseProbe('u:pthread:pthread_create (arg4 != 0)')).toMatchObject({
      library: 'pthread',
      func: 'pthread_create',
    });
  });

  it('bind C operators by precedence, longest operator first', () => {
    expect(parseProbe('t:a:b (args->x / 2 % 3 == 1)').predicate).toMatchObject({
      op: '==',
      l: { op: '%', l: { op: '/' } },
    });
    const p = parseProbe('t:a:b (args->x << 2 <= 1 + 2 * 3 || !args->y)');
    expect(p.predicate).toMatchObject({
      op: '||',
      l: { op: '<=', l: { op: '<<' }, r: { op: '+', r: { op: '*' } } },
      r: { type: 'unary', op: '!' },
    });
  });

  it('point at the mistake', () => {
    expect(caret(() => parseProbe('x:a:b'))).toBe(
      "probe:1:1: error: unknown probe type 'x' (use t, p, r or u)\nx:a:b\n^",
    );
    expect(caret(() => parseProbe('t:sched:sched_switch (args->prev_pid == ) "x"'))).toBe(
      'probe:1:41: error: unexpected \')\'\nt:sched:sched_switch (args->prev_pid == ) "x"\n                                        ^',
    );
    expect(caret(() => parseProbe('t:a:b "%d", arg1'))).toMatch(
      /1:13: error: arg1\.\.arg6 are for kprobes and uprobes/,
    );
    expect(caret(() => parseProbe('u:c:f "%d", retval'))).toMatch(
      /retval is only available in return probes/,
    );
    expect(caret(() => parseProbe('t:a:b "unterminated'))).toMatch(/1:7: error: unterminated format string/);
    expect(caret(() => parseProbe('t:a:b "%d" args->x'))).toMatch(/expected ',' before the next argument/);
    expect(caret(() => parseProbe('t::b'))).toMatch(/needs a category/);
    expect(caret(() => parseProbe('p::SyS_nanosleep(struct timespec *ts) "%d", ts->tv_nsec'))).toMatch(
      /1:17: error: function signatures need C headers/,
    );
    expect(caret(() => parseProbe('p::mntns_install "%d", $task->fs->users'))).toMatch(
      /1:24: error: \$task->field needs C headers/,
    );
    expect(parseProbe('p:c:f(arg1 > 2)').predicate).toMatchObject({ op: '>' });
    expect(parseProbe('p:c:f "%llx", $task').args[0]!.expr).toMatchObject({ type: 'special', name: 'task' });
  });

  it('throw only typed errors on random input (fuzz)', () => {
    let seed = 99;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = [
      't:',
      'u:',
      'r:',
      'p:',
      ':',
      'sys',
      'c',
      '(',
      ')',
      ' ',
      '"',
      '%d',
      '%s',
      ',',
      'args->',
      'x',
      'arg1',
      'retval',
      '$pid',
      '==',
      '&&',
      '||',
      '!',
      '<<',
      '0x1f',
      '42',
      '@user',
      '\\',
      '-',
      'STRCMP(',
      '"ab"',
      '(int)',
      '(unsigned long)',
      '(char *)',
      '\\x4',
      '$task',
      '->',
      'python:',
      '%K',
      '%U',
      '+0x1',
      'struct ',
      '*',
      'arg7',
      'comm',
      '*(int *)(',
      '*(u8 *)',
      '/',
      '%',
      '=',
    ];
    // Fields of a made-up tracepoint: a number, a char array and a __data_loc string.
    const fields = (name: string, at: number): TraceField => {
      const f: Record<string, TraceField> = {
        x: { name: 'x', type: 'int', offset: 8, size: 4, signed: true, common: false },
        comm: {
          name: 'comm',
          type: 'char',
          offset: 12,
          size: 16,
          signed: false,
          arrayLength: 16,
          common: false,
        },
        sys: {
          name: 'sys',
          type: 'char',
          offset: 28,
          size: 4,
          signed: false,
          dataLoc: 'data_loc',
          common: false,
        },
      };
      const field = f[name];
      if (!field) throw new ParseError(`no field '${name}'`, { file: 'probe', line: 1, column: at + 1 });
      return field;
    };
    let generated = 0;
    for (let i = 0; i < 8000; i++) {
      let s = '';
      const n = rnd(14);
      for (let j = 0; j < n; j++) s += pieces[rnd(pieces.length)];
      try {
        // Through the format check and the code generator too: only typed errors, any input.
        const p = prepareProbe(s);
        const o = { index: 0, userStrings: p.spec.kind !== 't', binaryCompare: rnd(2) === 1 };
        generateProbe(p.spec, p.stringArgs, p.spec.kind === 't' ? { ...o, fields } : o);
        generated++;
      } catch (err) {
        expect(err, s).toBeInstanceOf(BpfkitError);
      }
    }
    expect(generated).toBeGreaterThan(100);
  });
});

describe('trace printf', () => {
  it('formats like C', () => {
    const f = parseFormat('%d|%5u|%-4s|%x|%#lx|%c|%%|%03d|%lld');
    expect(Array.isArray(f)).toBe(true);
    expect(applyFormat(f as never, [0xffffffffn, 7n, 'ab', 255n, 4096n, 65n, 5n, 0xffffffffffffffffn])).toBe(
      '-1|    7|ab  |ff|0x1000|A|%|005|-1',
    );
    expect(parseFormat('bad %q here')).toEqual({ error: "printf: unknown conversion '%q'", at: 4 });
    // bpftrace's %r and C99's j/t lengths are not C printf as BCC's trace takes it.
    expect(parseFormat('x %r')).toEqual({ error: "printf: unknown conversion '%r'", at: 2 });
    expect(parseFormat('%jd')).toEqual({ error: "printf: unknown conversion '%jd'", at: 0 });
  });

  it('never throws on random formats (fuzz)', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = '%%dsuxXcpl-0#.123 hzq';
    for (let i = 0; i < 3000; i++) {
      let f = '';
      const n = rnd(12);
      for (let j = 0; j < n; j++) f += alphabet[rnd(alphabet.length)];
      const parts = parseFormat(f);
      if (!Array.isArray(parts)) {
        expect(parts.at).toBeGreaterThanOrEqual(0);
        expect(parts.at).toBeLessThan(f.length);
        continue;
      }
      const values = parts.filter((p) => typeof p !== 'string').map(() => BigInt(rnd(1 << 30)) - 5n);
      expect(typeof applyFormat(parts, values)).toBe('string');
    }
  });
});
