import { describe, expect, it } from 'vitest';
import { BpfkitError, ParseError } from '../errors/index.js';
import { check } from './check.js';
import { compile } from './codegen/compile.js';
import { Source } from './diagnostics.js';
import { fakeTypeSource } from './fake-type-source.js';
import { parseSource } from './parser.js';

// Programs that parse must either compile or be refused with a positioned error: never a TypeError
// or other crash from the checker or the code generator.
const SEEDS = [
  'BEGIN { printf("hello %s %d\\n", comm, pid); @x[comm] = count(); exit(); }',
  'tracepoint:syscalls:sys_enter_openat /comm != "bash"/ { @[str(args.filename)] = count(); $d = args.dfd; }',
  'tracepoint:sock:inet_sock_set_state { $sk = (struct sock *)args->skaddr; @h[$sk->__sk_common.skc_dport] = hist(args.newstate); }',
  'interval:s:1 { if (@a > 1) { print(@a); } else { clear(@a) } unroll(2) { $i++ } while ($i < 9) { $i += 2 } @a = 5; }',
  'END { @s = stats(1 ? -2 : ~3 << 1); delete(@m[1, "x"]); @m[2, "y"] = 1; $t = (1, "a"); printf("%s\\n", $t.1); }',
  'tracepoint:sched:sched_switch { @[args.prev_comm, args.next_pid] = lhist(args.prev_prio, 0, 140, 10); @l = max(args.prev_pid); }',
  'rawtracepoint:sys_enter { @[arg1] = sum(arg0 * 2 / 3 % 4); $s = curtask->real_parent->comm; printf("%s %d\\n", $s, curtask->pid); }',
  'tracepoint:sched:sched_process_exec { printf("%s %s %d\\n", str(args.filename), ntop(0x0100007f), strncmp(comm, "bash", 4)); }',
  'fentry:tcp_sendmsg { @[args.sk->__sk_common.skc_dport] = sum(args->size); } fexit:tcp_sendmsg /retval < 0/ { @e[uptr(args.msg)] = count(); }',
];

const PIECES = [
  'comm',
  'pid',
  '"s"',
  '1',
  '@x',
  '$y',
  'args',
  'args.filename',
  '(',
  ')',
  '+',
  '==',
  '*',
  '-',
  '!',
  ',',
  ';',
  '[0]',
  '.0',
  'str(',
  'count()',
  'hist(',
  '->pid',
  'curtask',
  'retval',
  'args.sk',
  '*args.msg',
  '?',
  ':',
  'exit()',
  '{',
  '}',
];

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: string, r: () => number): string {
  let s = src;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    if (r() < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 4));
    else s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)]! + s.slice(at);
  }
  return s;
}

describe('checker and code generator fuzz', () => {
  it('compiles or refuses 3000 mutated programs with typed errors only', () => {
    const r = rng(777);
    let compiled = 0;
    for (let i = 0; i < 3000; i++) {
      const text = mutate(SEEDS[i % SEEDS.length]!, r);
      const src = new Source(text, 'fuzz.bt');
      let prog: ReturnType<typeof parseSource>;
      try {
        prog = parseSource(src);
      } catch (e) {
        if (e instanceof ParseError) continue;
        throw e;
      }
      try {
        compile(check(prog, src, { types: fakeTypeSource }));
        compiled++;
      } catch (e) {
        if (!(e instanceof BpfkitError)) {
          throw new Error(`crash on ${JSON.stringify(text)}: ${(e as Error).stack}`);
        }
      }
    }
    expect(compiled).toBeGreaterThan(100);
  });

  it('compiles every seed', () => {
    for (const text of SEEDS) {
      const src = new Source(text, 'seed.bt');
      const out = compile(check(parseSource(src), src, { types: fakeTypeSource }));
      expect(out.programs.length).toBeGreaterThan(0);
    }
  });
});
