import { describe, expect, it } from 'vitest';
import { closest, levenshtein } from './closest.js';

describe('closest', () => {
  it('measures edits, counting an adjacent swap as one', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('tock', 'tokc')).toBe(1);
    expect(levenshtein('real_parnt', 'real_parent')).toBe(1);
    expect(levenshtein('abcdef', 'uvwxyz', 2)).toBe(3);
  });

  it('suggests near names, nearest first, and nothing for far ones', () => {
    expect(closest('real_parnt', ['parent', 'real_parent', 'real_cred'])).toEqual(['real_parent']);
    expect(closest('tokc', ['tock', 'tick'])).toEqual(['tock']);
    expect(closest('pdi', ['tgid', 'pid', 'ppid'])).toEqual(['pid']);
    expect(closest('zzzzzz', ['pid', 'comm'])).toEqual([]);
    expect(closest('sched_switch', ['sched_switch_ext', 'other'])).toEqual(['sched_switch_ext']);
  });
});
