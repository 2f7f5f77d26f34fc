// Small programs the link and reader tests (and examples) attach: written with ProgramBuilder so they
// need no compiler. Each documents the maps it expects by name.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r4, r5, r6, r7, r10 } from '../asm/index.js';

/**
 * countInto emits `lost[0] += 1` (an array map named `counter` with a u64 value), then `exit 0`.
 * Used for drop counters and for hit counters.
 */
function countAndExit(b: ProgramBuilder, map: string): ProgramBuilder {
  return b
    .st('u32', r10, -4, 0)
    .ldMap(r1, map)
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, `${map}_out`)
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .label(`${map}_out`)
    .mov(r0, 0)
    .exit();
}

/**
 * openatToRingbuf: tracepoint syscalls:sys_enter_openat → ring buffer `events` gets the first
 * `size` bytes of the filename (NUL-terminated string); reservation failures count in array `lost`.
 */
export function openatToRingbuf(size = 64): BuiltProgram {
  const b = new ProgramBuilder()
    .mov(r6, r1)
    .ldMap(r1, 'events')
    .mov(r2, size)
    .mov(r3, 0)
    .call('ringbuf_reserve')
    .jmp('JEQ', r0, 0, 'drop')
    .mov(r7, r0)
    .mov(r1, r7)
    .mov(r2, size)
    .ldx('u64', r3, r6, 24)
    .call('probe_read_user_str')
    .mov(r1, r7)
    .mov(r2, 0)
    .call('ringbuf_submit')
    .mov(r0, 0)
    .exit()
    .label('drop');
  return countAndExit(b, 'lost').build();
}

/**
 * openatToPerf: tracepoint syscalls:sys_enter_openat → perf event array `events` gets the first
 * `size` bytes of the filename, via bpf_perf_event_output on the current CPU.
 */
export function openatToPerf(size = 64): BuiltProgram {
  return new ProgramBuilder()
    .mov(r6, r1)
    .mov(r1, r10)
    .add(r1, -size)
    .mov(r2, size)
    .ldx('u64', r3, r6, 24)
    .call('probe_read_user_str')
    .mov(r1, r6)
    .ldMap(r2, 'events')
    .ld64(r3, 0xffffffffn) // BPF_F_CURRENT_CPU
    .mov(r4, r10)
    .add(r4, -size)
    .mov(r5, size)
    .call('perf_event_output')
    .mov(r0, 0)
    .exit()
    .build();
}

/**
 * countCalls: any program type; `counter[0] += 1` when the current tgid equals `pid`
 * (or always, for pid 0). Array map `counter`, u32 key, u64 value.
 */
export function countCalls(pid = 0): BuiltProgram {
  const b = new ProgramBuilder();
  if (pid !== 0) {
    b.call('get_current_pid_tgid').rsh(r0, 32).jmp('JNE', r0, pid, 'skip');
  }
  countAndExit(b, 'counter');
  if (pid !== 0) b.label('skip').mov(r0, 0).exit();
  return b.build();
}

/**
 * recordReturn: a kprobe-type program for uretprobes that stores the return value (ctx->ax, at
 * offset 80 of struct pt_regs on x86_64) into `counter[0]` when the tgid is `pid`.
 */
export function recordReturn(pid: number): BuiltProgram {
  return new ProgramBuilder()
    .mov(r6, r1)
    .call('get_current_pid_tgid')
    .rsh(r0, 32)
    .jmp('JNE', r0, pid, 'skip')
    .st('u32', r10, -4, 0)
    .ldMap(r1, 'counter')
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'skip')
    .ldx('u64', r1, r6, 80)
    .st('u64', r0, 0, r1)
    .label('skip')
    .mov(r0, 0)
    .exit()
    .build();
}

/** ReadEventsOptions configures readToRingbuf. */
export interface ReadEventsOptions {
  /** size is the record size in bytes (at least 16). */
  size: number;
  /** comm keeps only tasks with this command name (at most 7 bytes), like bpftrace's /comm=="dd"/. */
  comm?: string;
  /** every emits one record per `every` matching events (array map `pace`, u64 counter). */
  every?: number;
}

/**
 * readToRingbuf: tracepoint syscalls:sys_enter_read → ring buffer `events` gets a record
 * { u32 pid, u32 pad, u64 count } padded to `size`; failed reservations count in array `lost`.
 */
export function readToRingbuf(opts: ReadEventsOptions): BuiltProgram {
  const b = new ProgramBuilder().mov(r6, r1);
  if (opts.comm !== undefined) {
    const name = Buffer.from(opts.comm);
    if (name.length > 7) throw new RangeError('comm filter is limited to 7 bytes');
    let want = 0n;
    for (let i = name.length - 1; i >= 0; i--) want = (want << 8n) | BigInt(name[i]!);
    const mask = (1n << BigInt(8 * (name.length + 1))) - 1n;
    b.mov(r1, r10)
      .add(r1, -16)
      .mov(r2, 16)
      .call('get_current_comm')
      .ldx('u64', r1, r10, -16)
      .ld64(r2, mask)
      .and(r1, r2)
      .ld64(r2, want)
      .jmp('JNE', r1, r2, 'out');
  }
  if (opts.every !== undefined && opts.every > 1) {
    b.st('u32', r10, -20, 0)
      .ldMap(r1, 'pace')
      .mov(r2, r10)
      .add(r2, -20)
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, 'out')
      .mov(r1, 1)
      .atomic('add', 'u64', r0, 0, r1, true)
      .alu64('MOD', r1, opts.every)
      .jmp('JNE', r1, 0, 'out');
  }
  b.ldMap(r1, 'events')
    .mov(r2, Math.max(16, opts.size))
    .mov(r3, 0)
    .call('ringbuf_reserve')
    .jmp('JEQ', r0, 0, 'drop')
    .mov(r7, r0)
    .call('get_current_pid_tgid')
    .rsh(r0, 32)
    .st('u32', r7, 0, r0)
    .ldx('u64', r1, r6, 32)
    .st('u64', r7, 8, r1)
    .mov(r1, r7)
    .mov(r2, 0)
    .call('ringbuf_submit')
    .label('out')
    .mov(r0, 0)
    .exit()
    .label('drop');
  return countAndExit(b, 'lost').build();
}

/**
 * readToPerf: like readToRingbuf, but the { u32 pid, u32 pad, u64 count } record (padded to `size`,
 * at most 256 bytes, built on the stack) goes out through bpf_perf_event_output to the perf event
 * array `events`.
 */
export function readToPerf(opts: ReadEventsOptions): BuiltProgram {
  const size = Math.max(16, Math.min(256, opts.size));
  const b = new ProgramBuilder().mov(r6, r1);
  if (opts.comm !== undefined) {
    const name = Buffer.from(opts.comm);
    if (name.length > 7) throw new RangeError('comm filter is limited to 7 bytes');
    let want = 0n;
    for (let i = name.length - 1; i >= 0; i--) want = (want << 8n) | BigInt(name[i]!);
    const mask = (1n << BigInt(8 * (name.length + 1))) - 1n;
    b.mov(r1, r10)
      .add(r1, -16)
      .mov(r2, 16)
      .call('get_current_comm')
      .ldx('u64', r1, r10, -16)
      .ld64(r2, mask)
      .and(r1, r2)
      .ld64(r2, want)
      .jmp('JNE', r1, r2, 'out');
  }
  // Zero the record so no stack garbage reaches user space (and the verifier sees it initialised).
  for (let off = -size; off < 0; off += 8) b.st('u64', r10, off, 0);
  b.call('get_current_pid_tgid')
    .rsh(r0, 32)
    .st('u32', r10, -size, r0)
    .ldx('u64', r1, r6, 32)
    .st('u64', r10, -size + 8, r1)
    .mov(r1, r6)
    .ldMap(r2, 'events')
    .ld64(r3, 0xffffffffn)
    .mov(r4, r10)
    .add(r4, -size)
    .mov(r5, size)
    .call('perf_event_output')
    .label('out')
    .mov(r0, 0)
    .exit();
  return b.build();
}
