import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import {
  editDistance,
  ensureTracefs,
  nearest,
  TracepointNotFoundError,
  tracepointId,
} from './tracefs-mount.js';

describe('tracefs', () => {
  kernelIt('mounts tracefs when needed and reads a tracepoint id', () => {
    const root = ensureTracefs();
    expect(root).toMatch(/tracing$/);
    expect(tracepointId('syscalls', 'sys_enter_openat')).toBeGreaterThan(0);
  });

  kernelIt('refuses names that are not tracepoint names', () => {
    expect(() => tracepointId('syscalls/..', 'sys_enter_openat')).toThrow(/is not a tracepoint name/);
    expect(() => tracepointId('syscalls', '')).toThrow(TracepointNotFoundError);
  });

  kernelIt('names the closest tracepoints for a misspelt one', () => {
    let err: unknown;
    try {
      tracepointId('syscalls', 'sys_enter_opnat');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TracepointNotFoundError);
    expect((err as TracepointNotFoundError).message).toContain('syscalls:sys_enter_opnat');
    expect((err as TracepointNotFoundError).hint).toContain('syscalls:sys_enter_openat');
  });
});

describe('nearest', () => {
  it('ranks candidates by edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearest('sched:sched_procss_exec', ['sched:sched_process_exec', 'net:foo', 'x:y'], 2)).toEqual([
      'sched:sched_process_exec',
    ]);
  });
});
