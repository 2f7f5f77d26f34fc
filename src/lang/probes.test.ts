import { describe, expect, it } from 'vitest';
import { fakeTypeSource } from './fake-type-source.js';
import { listProbes } from './probes.js';

describe('listProbes (-l)', () => {
  it('matches full names with a glob, bpftrace-style', () => {
    expect(listProbes(fakeTypeSource, 'tracepoint:syscalls:sys_enter_open*')).toEqual([
      'tracepoint:syscalls:sys_enter_openat',
    ]);
    // A glob without ':' matches whole names, not substrings: openat2 would not match here.
    expect(listProbes(fakeTypeSource, '*sys_enter_openat')).toEqual(['tracepoint:syscalls:sys_enter_openat']);
    expect(listProbes(fakeTypeSource, 'sched:sched_switch')).toEqual(['tracepoint:sched:sched_switch']);
    expect(listProbes(fakeTypeSource, 't:sched:sched_sw*')).toEqual(['tracepoint:sched:sched_switch']);
  });

  it('searches by substring for a bare word', () => {
    expect(listProbes(fakeTypeSource, 'exit_read')).toEqual(['tracepoint:syscalls:sys_exit_read']);
  });

  it('lists raw tracepoints and software/hardware events, and nothing for kprobes', () => {
    expect(listProbes(fakeTypeSource, 'rawtracepoint:sched_sw*')).toEqual(['rawtracepoint:sched_switch']);
    expect(listProbes(fakeTypeSource, 'software:cs')).toEqual(['software:cs:']);
    expect(listProbes(fakeTypeSource, 'hardware:cyc*')).toEqual(['hardware:cycles:']);
    expect(listProbes(fakeTypeSource, 'software:*')).toContain('software:page-faults:');
    expect(listProbes(fakeTypeSource, 'kprobe:vfs_*')).toEqual([]);
  });

  it('adds each tracepoint field with -v, as bpftrace -lv prints them', () => {
    expect(listProbes(fakeTypeSource, 'tracepoint:sched:sched_process_exec', true)).toEqual([
      'tracepoint:sched:sched_process_exec',
      '    __data_loc char[] filename',
      '    pid_t pid',
      '    pid_t old_pid',
    ]);
  });
});
