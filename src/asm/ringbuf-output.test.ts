import { describe, expect, it } from 'vitest';
import { ProgramBuilder, r0, r1, r3, r4, r6, r7, r10 } from './builder.js';
import { disassemble } from './disassembler.js';
import {
  BPF_RB_AVAIL_DATA,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  ringbufOutputAdaptive,
  ringbufSubmitAdaptive,
  ringbufWakeupFlags,
  wakeAtHalf,
} from './ringbuf-output.js';

const text = (b: ProgramBuilder) => {
  const p = b.mov(r0, 0).exit().build();
  return disassemble(p.insns, { relocations: p.relocations });
};

describe('ringbuf adaptive wake-up fragments', () => {
  it('uses the UAPI flag values', () => {
    expect([BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP, BPF_RB_AVAIL_DATA]).toEqual([1, 2, 0]);
    expect(wakeAtHalf(1 << 20)).toBe(1 << 19);
  });

  it('queries the unread bytes and picks FORCE above wakeAt, NO_WAKEUP otherwise', () => {
    const insns = ringbufWakeupFlags(new ProgramBuilder(), 'events', 4096, r4).build().insns;
    // ld_imm64 (2 slots), mov r2, call, mov r4 1, jle, mov r4 2
    expect(insns.length).toBe(7);
    const jle = insns[5]!;
    expect(jle.imm).toBe(4096);
    expect(jle.off).toBe(1);
    expect(insns[4]!.imm).toBe(BPF_RB_NO_WAKEUP);
    expect(insns[6]!.imm).toBe(BPF_RB_FORCE_WAKEUP);
  });

  it('emits a complete bpf_ringbuf_output call that leaves r6-r9 alone', () => {
    const b = new ProgramBuilder().mov(r6, r10);
    ringbufOutputAdaptive(b, { map: 'events', data: r6, offset: -16, size: 16, wakeAt: 100 });
    const t = text(b);
    expect(t).toMatch(/call bpf_ringbuf_query/);
    expect(t).toMatch(/call bpf_ringbuf_output/);
    expect(t).toMatch(/r3 = 16/);
    expect(t).not.toMatch(/r[6-9] = (?!r10)/);
  });

  it('emits bpf_ringbuf_submit with the flags in r2', () => {
    const t = text(ringbufSubmitAdaptive(new ProgramBuilder().mov(r7, r10), 'events', r7, 8));
    expect(t).toMatch(/r2 = 1\n.*if r0 <= 0x8 goto pc\+1\n.*r2 = 2\n.*r1 = r7\n.*call bpf_ringbuf_submit/);
  });

  it('refuses registers the query call would clobber, and impossible thresholds', () => {
    const b = new ProgramBuilder();
    expect(() => ringbufOutputAdaptive(b, { map: 'e', data: r1, size: 8, wakeAt: 0 })).toThrow(RangeError);
    expect(() => ringbufOutputAdaptive(b, { map: 'e', data: r6, size: r3, wakeAt: 0 })).toThrow(RangeError);
    expect(() => ringbufSubmitAdaptive(b, 'e', r10, 0)).toThrow(RangeError);
    expect(() => ringbufWakeupFlags(b, 'e', -1, r4)).toThrow(RangeError);
    expect(() => ringbufWakeupFlags(b, 'e', 2 ** 31, r4)).toThrow(RangeError);
    expect(() => ringbufWakeupFlags(b, 'e', 1, r10)).toThrow(RangeError);
  });
});
