import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { parse } from './parser.js';

const SEEDS = [
  'BEGIN { printf("hello %s %d\\n", comm, pid); exit(); }',
  'tracepoint:syscalls:sys_enter_openat /comm != "bash"/ { @[str(args.filename)] = count(); }',
  'kprobe:f, uprobe:/bin/sh:main { $x = (struct sock *)arg0; @h[tid] = hist($x->__sk_common.skc_dport); }',
  'interval:s:1 { if (@a > 1) { print(@a); } else { clear(@a) } unroll(2) { $i++ } while ($i < 9) { $i += 2 } }',
  'END { @s = stats(1 ? -2 : ~3 << 1); delete(@m[1, "x"]); $t = (1, "a").1; }',
  'config = { a = 1 }\n#include <x.h>\nstruct s { int a; };\nprofile:hz:99 /cpu == 0/ { @[kstack(3)] = count() }',
];

const PIECES = [
  '{',
  '}',
  '(',
  ')',
  '/',
  '"',
  '$',
  '@',
  ';',
  ',',
  '->',
  '.',
  '[',
  ']',
  '?',
  ':',
  '\\',
  '#',
  '*',
  "'",
  '\n',
  '0x',
  '/*',
  '//',
  'if',
  'else',
  'struct',
  'config',
  '=',
];

/** mulberry32 is a small seeded PRNG, so a failure reproduces. */
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
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.35) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 5));
    else if (op < 0.7) s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)]! + s.slice(at);
    else if (op < 0.85) s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(at);
    else s = s.slice(0, at);
  }
  return s;
}

describe('parser fuzz', () => {
  it('throws only ParseError on 6000 mutated programs', () => {
    const r = rng(12345);
    for (let i = 0; i < 6000; i++) {
      const src = mutate(SEEDS[i % SEEDS.length]!, r);
      try {
        parse(src);
      } catch (e) {
        if (!(e instanceof ParseError))
          throw new Error(`non-ParseError on ${JSON.stringify(src)}: ${String(e)}`);
        expect(e.position?.line).toBeGreaterThan(0);
      }
    }
  });

  it('fails cleanly on deep nesting', () => {
    expect(() => parse(`BEGIN { $x = ${'('.repeat(5000)}1${')'.repeat(5000)} }`)).toThrow(ParseError);
    expect(() => parse(`BEGIN { ${'if (1) {'.repeat(3000)} }`)).toThrow(ParseError);
    expect(() => parse(`BEGIN { $x = ${'-'.repeat(5000)}1 }`)).toThrow(ParseError);
  });
});
