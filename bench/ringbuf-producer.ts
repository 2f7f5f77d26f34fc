// The benches' producer: a tracepoint program on syscalls:sys_enter_read that sends
// { u32 pid, u32 pad, u64 count } (padded to `size`) for tasks named `comm` with bpf_ringbuf_output,
// either waking the reader as the kernel does by default or with the adaptive wake-up fragment.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BuiltProgram,
  ProgramBuilder,
  r0,
  r1,
  r2,
  r3,
  r4,
  r6,
  r10,
  ringbufOutputAdaptive,
} from '../src/asm/index.js';

/** ReadProducerOptions selects the record size, the task name and the wake-up policy. */
export interface ReadProducerOptions {
  /** size of each record (16 to 256 bytes, a multiple of 8). */
  size: number;
  /** comm keeps tasks with this name (at most 7 bytes). */
  comm: string;
  /** wakeAt: absent, every record may wake the reader (flags 0); else ringbufOutputAdaptive's threshold. */
  wakeAt?: number;
}

/**
 * readProducer builds the program. Maps: ring buffer `events`, array `lost` (u32 → u64) counting
 * records that did not fit.
 */
export function readProducer(o: ReadProducerOptions): BuiltProgram {
  const size = o.size;
  if (size < 16 || size > 256 || size % 8 !== 0)
    throw new RangeError(`record size ${size} is not 16..256, 8-aligned`);
  const name = Buffer.from(o.comm);
  if (name.length > 7) throw new RangeError('comm is limited to 7 bytes');
  // comm is NUL-terminated, so comparing the name plus its NUL as one little-endian word is exact.
  let want = 0n;
  for (let i = name.length - 1; i >= 0; i--) want = (want << 8n) | BigInt(name[i]!);
  const mask = (1n << BigInt(8 * (name.length + 1))) - 1n;
  const rec = -size;
  const b = new ProgramBuilder().mov(r6, r1);
  b.mov(r1, r10).add(r1, rec).mov(r2, 16).call('get_current_comm');
  b.ldx('u64', r1, r10, rec).ld64(r2, mask).and(r1, r2).ld64(r2, want).jmp('JNE', r1, r2, 'out');
  for (let off = rec; off < 0; off += 8) b.st('u64', r10, off, 0);
  b.call('get_current_pid_tgid').rsh(r0, 32).st('u32', r10, rec, r0);
  b.ldx('u64', r1, r6, 32).st('u64', r10, rec + 8, r1);
  if (o.wakeAt === undefined) {
    b.ldMap(r1, 'events').mov(r2, r10).add(r2, rec).mov(r3, size).mov(r4, 0).call('ringbuf_output');
  } else {
    ringbufOutputAdaptive(b, { map: 'events', data: r10, offset: rec, size, wakeAt: o.wakeAt });
  }
  b.jmp('JEQ', r0, 0, 'out');
  // The record did not fit: count it.
  b.st('u32', r10, -4, 0).ldMap(r1, 'lost').mov(r2, r10).add(r2, -4).call('map_lookup_elem');
  b.jmp('JEQ', r0, 0, 'out').mov(r1, 1).atomic('add', 'u64', r0, 0, r1);
  return b.label('out').mov(r0, 0).exit().build();
}

/** PrivateDd is a copy of dd under a name of its own (its comm), removed by `remove()`. */
export interface PrivateDd {
  path: string;
  comm: string;
  remove(): void;
}

/**
 * privateDd copies dd to a temporary directory as `dd<pid>`, so the benches' comm filter sees only
 * the dd they start, not dd runs of anything else on the machine.
 */
export function privateDd(): PrivateDd {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-dd-'));
  const comm = `dd${process.pid % 100000}`;
  const path = join(dir, comm);
  copyFileSync(execFileSync('sh', ['-c', 'command -v dd'], { encoding: 'utf8' }).trim(), path);
  execFileSync('chmod', ['755', path]);
  return { path, comm, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
