import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import type * as A from './ast.js';
import { parse } from './parser.js';

const body = (src: string): A.Stmt[] => parse(src).probes[0]!.body;
const firstExpr = (e: string): A.Expr => {
  const s = body(`BEGIN { ${e}; }`)[0]!;
  if (s.kind !== 'expr') throw new Error(`not an expression statement: ${s.kind}`);
  return s.expr;
};

/** show prints an expression fully parenthesised, to check precedence. */
function show(e: A.Expr): string {
  switch (e.kind) {
    case 'int':
      return String(e.value);
    case 'str':
      return JSON.stringify(e.value);
    case 'var':
      return `$${e.name}`;
    case 'builtin':
      return e.name;
    case 'param':
      return e.index < 0 ? '$#' : `$${e.index}`;
    case 'map':
      return e.keys.length ? `${e.name}[${e.keys.map(show).join(', ')}]` : e.name;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'ternary':
      return `(${show(e.cond)} ? ${show(e.then)} : ${show(e.else)})`;
    case 'field':
      return `${show(e.object)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'cast':
      return `((${e.type.name}${'*'.repeat(e.type.pointer)})${show(e.operand)})`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'tuple':
      return `(${e.elems.map(show).join(', ')})`;
    case 'index':
      return `${show(e.object)}[${show(e.index)}]`;
    case 'incdec':
      return e.prefix ? `${e.op}${show(e.target)}` : `${show(e.target)}${e.op}`;
    default:
      return e.kind;
  }
}

describe('parser', () => {
  it('follows C precedence', () => {
    expect(show(firstExpr('1 + 2 * 3 << 1 == 14 && !0 || 5 & 3'))).toBe(
      '(((((1 + (2 * 3)) << 1) == 14) && (!0)) || (5 & 3))',
    );
    expect(show(firstExpr('$a ? 1 : $b ? 2 : 3'))).toBe('($a ? 1 : ($b ? 2 : 3))');
    expect(show(firstExpr('-$x * ~$y'))).toBe('((-$x) * (~$y))');
  });

  it('parses field access, casts and calls', () => {
    expect(show(firstExpr('((struct sock *)args->skaddr)->__sk_common.skc_dport'))).toBe(
      '((struct sock*)args->skaddr)->__sk_common.skc_dport',
    );
    expect(show(firstExpr('curtask->real_parent->pid'))).toBe('curtask->real_parent->pid');
    expect(show(firstExpr('(uint32)arg0 + 1'))).toBe('(((uint32)arg0) + 1)');
    expect(show(firstExpr('printf("%s %d\\n", str(args.filename), (1, 2).0)'))).toBe(
      'printf("%s %d\\n", str(args.filename), (1, 2).0)',
    );
    expect(show(firstExpr('@x[pid, comm]++'))).toBe('@x[pid, comm]++');
  });

  it('parses probes, attach point lists and predicates', () => {
    const p = parse(
      'tracepoint:syscalls:sys_enter_*, uprobe:/bin/bash:readline /pid == 1 && $1 > 2/ { @[probe] = count() }\nEND{}',
    );
    expect(p.probes.map((x) => x.attachPoints.map((a) => a.text))).toEqual([
      ['tracepoint:syscalls:sys_enter_*', 'uprobe:/bin/bash:readline'],
      ['END'],
    ]);
    expect(show(p.probes[0]!.predicate!)).toBe('((pid == 1) && ($1 > 2))');
    // Division needs parentheses inside a predicate, as in bpftrace.
    expect(show(parse('BEGIN /(arg0 / 2) > 1/ { }').probes[0]!.predicate!)).toBe('((arg0 / 2) > 1)');
    expect(parse('kprobe:f/pid/{}').probes[0]!.attachPoints[0]!.text).toBe('kprobe:f');
  });

  it('parses statements', () => {
    const s = body(
      'BEGIN { $x = 1; @a[1] += 2; if ($x) { $x-- } else if (@a[1]) { return } else { @b = 1 } unroll(3) { $x++ } while ($x < 5) { $x++; break; } }',
    );
    expect(s.map((x) => x.kind)).toEqual(['assign', 'assign', 'if', 'unroll', 'while']);
    const elif = (s[2] as A.IfStmt).else![0]!;
    expect(elif.kind).toBe('if');
  });

  it('skips includes, struct definitions and reads config', () => {
    const p = parse(
      '#include <linux/sched.h>\n#define X 1\nstruct foo { int x; struct { int y; } z; };\nconfig = { max_map_keys = 5; stack_mode = perf }\nBEGIN { exit() }',
    );
    expect(p.structDefs).toHaveLength(1);
    expect(p.config.get('max_map_keys')).toBe(5n);
    expect(p.config.get('stack_mode')).toBe('perf');
  });

  it('reads numbers, strings and escapes', () => {
    expect(show(firstExpr("0x10 + 1_000 + 010 + 1e3 + 'a'"))).toBe('((((16 + 1000) + 8) + 1000) + 97)');
    expect(show(firstExpr('"a\\tb\\x41\\101" "c"'))).toBe(JSON.stringify('a\tbAAc'));
  });

  it('reports errors with position and caret', () => {
    const cases: [string, string][] = [
      ['BEGIN { printf("x" }', "stdin:1:20: error: expected ')', found '}'"],
      ['BEGIN {\n  $x = ;\n}', 'stdin:2:8: error: expected an expression'],
      ['BEGIN { "abc }', 'stdin:1:9: error: unterminated string'],
      ['BEGIN { 1 + }', 'stdin:1:13: error: expected an expression'],
      ['BEGIN { @x = 1 @y = 2 }', "stdin:1:16: error: expected ';' or '}'"],
      ['', 'error: the program has no probes'],
      ['BEGIN { 12abc }', "malformed number '12abc'"],
      ['BEGIN { 09 }', "malformed number '09' (a leading 0 makes it octal)"],
      ['BEGIN { 1 = 2 }', 'cannot assign'],
      ['BEGIN { x', "missing '}'"],
      // Unbounded operator chains and prefix runs would overflow the stack of the passes after parsing.
      [`BEGIN { $x = 1${' + 1'.repeat(5000)}; }`, 'the expression is too long (more than 1000 operators)'],
      [`BEGIN { $x = ${'-'.repeat(20000)}1; }`, 'the program nests too deeply'],
      [`BEGIN { $x = ${'+'.repeat(20000)}1; }`, 'the program nests too deeply'],
    ];
    for (const [src, msg] of cases) {
      let err: unknown;
      try {
        parse(src);
      } catch (e) {
        err = e;
      }
      expect(err, src).toBeInstanceOf(ParseError);
      expect((err as ParseError).userMessage(), src).toContain(msg);
    }
    const e = (() => {
      try {
        parse('BEGIN {\n  $x = ;\n}', 'a.bt');
      } catch (err) {
        return err as ParseError;
      }
      throw new Error('no error');
    })();
    expect(e.userMessage()).toBe("a.bt:2:8: error: expected an expression, found ';'\n  $x = ;\n       ^");
  });

  const tools = '/usr/sbin';
  const bt = existsSync(tools) ? readdirSync(tools).filter((f) => f.endsWith('.bt')) : [];
  it.skipIf(bt.length === 0)(
    "parses every bpftrace tool in /usr/sbin (skipped if bpftrace's tools are absent)",
    () => {
      for (const f of bt) expect(() => parse(readFileSync(`${tools}/${f}`, 'utf8'), f), f).not.toThrow();
    },
  );
});
