import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { check } from './check.js';
import { Source } from './diagnostics.js';
import { fakeTypeSource } from './fake-type-source.js';
import { parseSource } from './parser.js';
import { tyName } from './types.js';

const compile = (text: string, params: string[] = []) => {
  const src = new Source(text, 'test.bt');
  return check(parseSource(src), src, { types: fakeTypeSource, params });
};

const errorOf = (text: string): string => {
  try {
    compile(text);
  } catch (e) {
    if (e instanceof ParseError) return e.userMessage();
    throw e;
  }
  throw new Error(`no error for ${text}`);
};

describe('check', () => {
  it('suggests builtins, functions, variables, maps and members', () => {
    expect(errorOf('BEGIN { printf("%d\\n", pidd); }')).toBe(
      "test.bt:1:24: error: unknown builtin 'pidd' (did you mean 'pid'?)\nBEGIN { printf(\"%d\\n\", pidd); }\n                       ^",
    );
    expect(errorOf('BEGIN { prinft("x"); }')).toContain("unknown function 'prinft' (did you mean 'printf'?)");
    expect(errorOf('BEGIN { $count = 1; print($coutn); }')).toContain(
      "$coutn is used before it is assigned (did you mean '$count'?)",
    );
    expect(errorOf('BEGIN { @hits = 1; } END { print(@hist[1]); }')).toContain(
      '@hist is read but never assigned',
    );
    expect(errorOf('kprobe:f { $t = curtask->real_parnet; }')).toContain(
      "struct task_struct has no member 'real_parnet' (did you mean 'real_parent'?)",
    );
    expect(errorOf('tracepoint:syscalls:sys_enter_openat { print(args.filenme) }')).toContain(
      "has no member 'filenme' (did you mean 'filename'?)",
    );
    expect(errorOf('tracepoint:syscalls:sys_enter_opnat { }')).toContain(
      "unknown tracepoint 'tracepoint:syscalls:sys_enter_opnat' (did you mean 'tracepoint:syscalls:sys_enter_openat'?)",
    );
    expect(errorOf('tracpoint:a:b { }')).toContain(
      "unknown probe type 'tracpoint' (did you mean 'tracepoint'?)",
    );
  });

  it('reports type errors', () => {
    expect(errorOf('BEGIN { if (comm == 5) { } }')).toContain('cannot compare string with int64');
    expect(errorOf('BEGIN { $x = comm + 1; }')).toContain("'+' cannot be applied to strings");
    expect(errorOf('BEGIN { @x = 1; @x = "a"; }')).toContain('map @x holds int64 elsewhere, string here');
    expect(errorOf('BEGIN { @x[1] = 1; @x[1, 2] = 1; }')).toContain('used with 1 key elsewhere, 2 here');
    expect(errorOf('BEGIN { printf("%d\\n", comm); }')).toContain(
      '%d expects an integer, but this is string (use %s)',
    );
    expect(errorOf('BEGIN { printf("%d %d\\n", 1); }')).toContain(
      'the format has 2 conversions but 1 argument was given',
    );
    expect(errorOf('BEGIN { printf("%q", 1); }')).toContain("unknown conversion '%q'");
    expect(errorOf('BEGIN { count(); }')).toContain('count() must be assigned to a map');
    expect(errorOf('BEGIN { $x = count(); }')).toContain('can only be assigned to a map');
    expect(errorOf('BEGIN { @x = lhist(1, 0, 10, 0); }')).toContain('step must be positive');
    expect(errorOf('BEGIN { print(retval); }')).toContain('retval is only available in');
    expect(errorOf('tracepoint:syscalls:sys_enter_openat { print(arg0); }')).toContain('use args.<field>');
    expect(errorOf('BEGIN { system("ls"); }')).toContain('needs --unsafe');
    expect(errorOf('BEGIN { break; }')).toContain("'break' outside a while loop");
    expect(errorOf('BEGIN { $x = (struct nosuch *)0; }')).toContain("unknown type 'struct nosuch'");
  });

  it('types expressions from tracepoint formats and BTF', () => {
    const prog = compile(
      'tracepoint:syscalls:sys_enter_openat { $f = str(args->filename); $d = args.dfd; @[comm, $f] = count(); }\n' +
        'tracepoint:sock:inet_sock_set_state { $sk = (struct sock *)args->skaddr; $port = $sk->__sk_common.skc_dport; $a = $sk->__sk_common.skc_addrpair; }\n' +
        'tracepoint:sched:sched_process_exec { $p = curtask->real_parent->pid; $n = str(args.filename); }\n' +
        'END { @h = hist(5); @l = lhist(5, 0, 100, 10); @s = stats(1); }',
    );
    const vars = prog.probes.map((p) =>
      Object.fromEntries([...p.variants[0]!.vars].map(([k, v]) => [k, tyName(v)])),
    );
    expect(vars[0]).toEqual({ f: 'string', d: 'uint64' });
    expect(vars[1]).toEqual({ sk: 'struct sock *', port: 'uint16', a: 'uint64' });
    expect(vars[2]).toEqual({ p: 'int32', n: 'string' });
    expect(tyName(prog.maps.get('@')!.value!)).toBe('count()');
    expect(prog.maps.get('@')!.keys!.map(tyName)).toEqual(['string', 'string']);
    expect(prog.maps.get('@l')!.value).toEqual({
      k: 'agg',
      fn: 'lhist',
      lhist: { min: 0n, max: 100n, step: 10n },
    });
  });

  it('expands tracepoint wildcards into one program per event when args is used', () => {
    const a = compile('tracepoint:syscalls:sys_enter_open* { @[args.filename] = count(); }');
    expect(a.probes[0]!.variants.map((v) => v.specs.map((s) => s.name))).toEqual([
      ['tracepoint:syscalls:sys_enter_openat'],
    ]);
    const b = compile('tracepoint:syscalls:sys_enter_* { @[pid] = count(); }');
    expect(b.probes[0]!.variants).toHaveLength(1);
    expect(b.probes[0]!.variants[0]!.specs.length).toBe(4);
  });

  it('accepts a map read before the probe that assigns it', () => {
    const p = compile(
      'tracepoint:syscalls:sys_exit_read /@start[tid]/ { @lat = hist(nsecs - @start[tid]); delete(@start[tid]); } tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; }',
    );
    expect(tyName(p.maps.get('@start')!.value!)).toBe('uint64');
  });
});
