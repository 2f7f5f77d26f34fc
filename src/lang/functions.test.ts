import { describe, expect, it } from 'vitest';
import { ParseError } from '../errors/index.js';
import { check } from './check.js';
import { Source } from './diagnostics.js';
import { fakeTypeSource } from './fake-type-source.js';
import { parseSource } from './parser.js';

// Checker errors of strcontains, pton, macaddr, cgroup_path and numaid: positioned, one line each.

const compile = (text: string) => {
  const src = new Source(text, 'test.bt');
  return check(parseSource(src), src, { types: fakeTypeSource, params: [] });
};

const errorOf = (text: string): string => {
  try {
    compile(text);
  } catch (e) {
    if (e instanceof ParseError) return e.userMessage().split('\n')[0]!;
    throw e;
  }
  throw new Error(`no error for ${text}`);
};

describe('strcontains', () => {
  it('accepts a string and a literal needle', () => {
    expect(() => compile('BEGIN { $x = strcontains(comm, "sh"); }')).not.toThrow();
  });
  it('refuses wrong argument counts and types, at the argument', () => {
    expect(errorOf('BEGIN { $x = strcontains(comm); }')).toContain('test.bt:1:14: error: strcontains');
    expect(errorOf('BEGIN { $x = strcontains(pid, "a"); }')).toBe(
      'test.bt:1:26: error: strcontains() searches a string, not uint32',
    );
    expect(errorOf('BEGIN { $x = strcontains(comm, comm); }')).toBe(
      'test.bt:1:32: error: strcontains() takes a string literal to look for',
    );
  });
});

describe('numaid', () => {
  it('is a builtin, not a function', () => {
    expect(() => compile('BEGIN { $n = numaid; }')).not.toThrow();
    expect(errorOf('BEGIN { $n = numaid(); }')).toContain('numaid is a builtin, not a function');
  });
});

describe('macaddr', () => {
  it('takes one array or pointer of at least 6 bytes', () => {
    expect(() => compile('kprobe:f { $m = macaddr(arg0); }')).not.toThrow();
    expect(errorOf('BEGIN { $m = macaddr(); }')).toContain('test.bt:1:14: error: macaddr');
    expect(errorOf('BEGIN { $m = macaddr("abc"); }')).toBe(
      'test.bt:1:22: error: macaddr() needs 6 bytes, but this string has 4',
    );
    expect(errorOf('BEGIN { $m = macaddr(kstack); }')).toBe(
      'test.bt:1:22: error: macaddr() needs an array or a pointer, not kstack',
    );
  });
});

describe('pton', () => {
  it('types an address literal as int8[4] or int8[16], comparable with each other (arrays: see the runtime corpus)', () => {
    expect(() => compile('BEGIN { $x = pton("::1") == pton("::2"); }')).not.toThrow();
  });
  it('refuses bad literals, non-literals and mismatched comparisons, at the culprit', () => {
    expect(errorOf('BEGIN { $x = pton("1.2.3"); }')).toBe(
      "test.bt:1:19: error: pton: '1.2.3' is not an IPv4 or IPv6 address",
    );
    expect(errorOf('BEGIN { $x = pton(comm); }')).toBe(
      'test.bt:1:19: error: pton() takes an address string literal',
    );
    expect(errorOf('BEGIN { $x = pton(); }')).toContain('test.bt:1:14: error: pton');
    expect(errorOf('BEGIN { $x = pton("::1") == pton("1.2.3.4"); }')).toContain(
      'test.bt:1:29: error: cannot compare int8[16] with int8[4]',
    );
    expect(errorOf('BEGIN { $x = pton("::1") < pton("::2"); }')).toContain(
      "error: '<' cannot be applied to int8[16]",
    );
  });
});

describe('cgroup_path', () => {
  it('takes an id and an optional hierarchy filter literal', () => {
    expect(() => compile('BEGIN { printf("%s\\n", cgroup_path(cgroup, "unified")); }')).not.toThrow();
    expect(errorOf('BEGIN { print(cgroup_path(comm)); }')).toBe(
      'test.bt:1:27: error: cgroup_path() needs an integer, not string',
    );
    expect(errorOf('BEGIN { print(cgroup_path(cgroup, comm)); }')).toBe(
      'test.bt:1:35: error: cgroup_path() takes a hierarchy filter string literal',
    );
    expect(errorOf('BEGIN { print(cgroup_path(1, "a", "b")); }')).toContain(
      'test.bt:1:15: error: cgroup_path',
    );
    expect(errorOf('BEGIN { printf("%d\\n", cgroup_path(1)); }')).toContain('%d expects an integer');
  });
});
