import { describe, expect } from 'vitest';
import { ProgramBuilder, r0, r1, r2, r3, r4, r6, r10 } from '../asm/index.js';
import { NotSupportedError, VerifierError } from '../errors/index.js';
import { SysError } from '../sys/index.js';
import { kernelIt } from '../testing/kernel.js';
import { objectIds } from './info.js';
import { BpfMap } from './map.js';
import { codecs } from './map-codecs.js';
import { Program } from './program.js';

/** counter adds 1 to counts[0] and returns `ret`. */
function counter(ret: number) {
  return new ProgramBuilder()
    .st('u32', r10, -4, 0)
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .label('out')
    .mov(r0, ret)
    .exit()
    .build();
}

describe('Program', () => {
  kernelIt('a socket filter writes to a map when test-run, and the map sees it', () => {
    const counts = BpfMap.create({
      type: 'array',
      valueSize: 8,
      maxEntries: 1,
      key: codecs.u32,
      value: codecs.u64,
    });
    const prog = Program.load({
      type: 'socket_filter',
      insns: counter(7),
      maps: { counts },
      name: 'count-me',
    });
    try {
      const r = prog.testRun({ data: Buffer.alloc(64, 1), repeat: 5 });
      expect(r.retval).toBe(7);
      expect(counts.get(0)).toBe(5n);
      expect(r.dataOut?.length).toBe(64);
      expect(prog.name).toBe('count_me');
      const info = prog.info();
      expect(info.name).toBe('count_me');
      expect(info.mapIds).toEqual([counts.info().id]);
      expect(info.tag).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      prog.close();
      counts.close();
    }
  });

  kernelIt('xdp and sched_cls programs test-run on a packet', () => {
    const pass = new ProgramBuilder().mov(r0, 2).exit().build(); // XDP_PASS
    const xdp = Program.load({ type: 'xdp', insns: pass });
    const tc = Program.load({ type: 'sched_cls', insns: new ProgramBuilder().mov(r0, 0).exit().build() });
    try {
      const pkt = Buffer.alloc(60, 0xab);
      const x = xdp.testRun({ data: pkt });
      expect(x.retval).toBe(2);
      expect(x.dataOut).toEqual(pkt);
      expect(tc.testRun({ data: pkt }).retval).toBe(0);
    } finally {
      xdp.close();
      tc.close();
    }
  });

  kernelIt('a sched_cls program sees and changes its __sk_buff context', () => {
    // skb->mark = skb->priority + 1; return TC_ACT_OK
    const insns = new ProgramBuilder()
      .ldx('u32', r6, r1, 32)
      .add(r6, 1)
      .st('u32', r1, 8, r6)
      .mov(r0, 0)
      .exit()
      .build();
    const prog = Program.load({ type: 'sched_cls', insns });
    try {
      const ctx = Buffer.alloc(192); // sizeof(struct __sk_buff)
      ctx.writeUInt32LE(6, 32); // priority
      const r = prog.testRun({ data: Buffer.alloc(64), ctx, ctxOut: true });
      expect(r.retval).toBe(0);
      expect(r.ctxOut?.readUInt32LE(8)).toBe(7);
    } finally {
      prog.close();
    }
  });

  kernelIt('a raw_tracepoint program test-runs on a context of u64 arguments', () => {
    // r0 = ctx[1] + 1
    const insns = new ProgramBuilder().ldx('u64', r6, r1, 8).mov(r0, r6).add(r0, 1).exit().build();
    const prog = Program.load({ type: 'raw_tracepoint', insns });
    try {
      const ctx = Buffer.alloc(16);
      ctx.writeBigUInt64LE(41n, 8);
      expect(prog.testRun({ ctx }).retval).toBe(42);
    } finally {
      prog.close();
    }
  });

  kernelIt('an invalid program throws VerifierError with the failing instruction and the log', () => {
    // r0 is never written before exit.
    const insns = new ProgramBuilder().mov(r1, 1).mov(r2, 2).exit().build();
    let err: unknown;
    try {
      Program.load({ type: 'socket_filter', insns, name: 'bad' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.pc).toBe(2);
    expect(v.message).toMatch(/rejected socket_filter program 'bad' at instruction 2: R0 !read_ok/);
    expect(v.log.join('\n')).toMatch(/2: \(95\) exit/);
    expect(v.errno).toBe(13);
  });

  kernelIt('an out-of-bounds stack access names its instruction', () => {
    const insns = new ProgramBuilder().mov(r0, 0).ldx('u64', r3, r10, 8).exit().build();
    const err = catchErr(() => Program.load({ type: 'xdp', insns })) as VerifierError;
    expect(err).toBeInstanceOf(VerifierError);
    expect(err.pc).toBe(1);
    expect(err.message).toMatch(/invalid read from stack|invalid stack/);
  });

  kernelIt('a missing map name and a bad program type are reported before loading', () => {
    expect(() => Program.load({ type: 'socket_filter', insns: counter(0) })).toThrow(/uses map 'counts'/);
    expect(() => Program.load({ type: 'kprobe_typo' as 'kprobe', insns: [] })).toThrow(
      /unknown program type/,
    );
    expect(() => Program.load({ type: 'xdp', insns: [] })).toThrow(/empty program/);
  });

  kernelIt('a program with an unknown attach type fails with a SysError and hint', () => {
    const insns = new ProgramBuilder().mov(r0, 0).exit().build();
    const err = catchErr(() => Program.load({ type: 'cgroup_sock_addr', expectedAttachType: 9999, insns }));
    expect(err).toBeInstanceOf(SysError);
    expect((err as SysError).code).toBe('EINVAL');
  });

  kernelIt('logLevel keeps the log of a successful load', () => {
    const prog = Program.load({
      type: 'xdp',
      insns: new ProgramBuilder().mov(r0, 2).exit().build(),
      logLevel: 2,
    });
    try {
      expect(prog.verifierLog).toMatch(/processed 2 insns/);
    } finally {
      prog.close();
    }
  });

  kernelIt('a log larger than the first buffer is fetched whole by growing the buffer', () => {
    const b = new ProgramBuilder();
    for (let i = 0; i < 3000; i++) b.mov(r0, i);
    const prog = Program.load({ type: 'socket_filter', insns: b.exit().build(), logLevel: 2 });
    try {
      expect(prog.verifierLog.length).toBeGreaterThan(64 * 1024);
      expect(prog.verifierLog).toMatch(/processed 3001 insns/);
      expect(prog.verifierLog).toMatch(/^0: R1=ctx\(\) R10=fp0/m);
    } finally {
      prog.close();
    }
  });

  kernelIt('id iteration finds our program, and fromId reopens it', () => {
    const prog = Program.load({
      type: 'xdp',
      insns: new ProgramBuilder().mov(r0, 1).exit().build(),
      name: 'findme',
    });
    try {
      const id = prog.info().id;
      expect([...objectIds('prog')]).toContain(id);
      const again = Program.fromId(id)!;
      try {
        expect(again.name).toBe('findme');
        expect(again.typeName).toBe('xdp');
      } finally {
        again.close();
      }
      expect(Program.fromId(0x7ffffff0)).toBeUndefined();
    } finally {
      prog.close();
    }
  });

  kernelIt('a prog array slot takes a program', () => {
    const pa = BpfMap.create({ type: 'prog_array', maxEntries: 2, key: codecs.u32, value: codecs.u32 });
    const prog = Program.load({ type: 'xdp', insns: new ProgramBuilder().mov(r0, 2).exit().build() });
    try {
      pa.setFd(1, prog);
      expect(pa.get(1)).toBe(prog.info().id);
      expect(pa.delete(1)).toBe(true);
    } finally {
      pa.close();
      prog.close();
    }
  });

  kernelIt('an open map passed to ldMap is relocated by its fd', () => {
    const counts = BpfMap.create({ type: 'hash', maxEntries: 4, key: codecs.u32, value: codecs.u64 });
    const b = new ProgramBuilder()
      .st('u32', r10, -4, 3)
      .st('u64', r10, -16, 99)
      .ldMap(r1, counts)
      .mov(r2, r10)
      .add(r2, -4)
      .mov(r3, r10)
      .add(r3, -16)
      .mov(r4, 0)
      .call('map_update_elem')
      .mov(r0, 0)
      .exit();
    const prog = Program.load({ type: 'socket_filter', insns: b.build() });
    try {
      prog.testRun({ data: Buffer.alloc(20) });
      expect(counts.get(3)).toBe(99n);
    } finally {
      prog.close();
      counts.close();
    }
  });
});

function catchErr(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('direct map value loads', () => {
  kernelIt('ldMapValue points into an array map value at an offset', () => {
    const data = BpfMap.create({ type: 'array', valueSize: 16, maxEntries: 1, key: codecs.u32 });
    const insns = new ProgramBuilder()
      .ldMapValue(r1, 'data', 8)
      .st('u64', r1, 0, 0x1234)
      .mov(r0, 0)
      .exit()
      .build();
    const prog = Program.load({ type: 'socket_filter', insns, maps: { data } });
    try {
      prog.testRun({ data: Buffer.alloc(32) });
      const v = data.get(0)!;
      expect(v.readBigUInt64LE(0)).toBe(0n);
      expect(v.readBigUInt64LE(8)).toBe(0x1234n);
    } finally {
      prog.close();
      data.close();
    }
  });
});

describe('stack traces', () => {
  kernelIt('a raw_tracepoint program records its kernel stack in a stack_trace map', () => {
    const stacks = BpfMap.create({
      type: 'stack_trace',
      maxEntries: 8,
      key: codecs.u32,
      value: codecs.stack,
    });
    // r0 = bpf_get_stackid(ctx, stacks, 0)
    const insns = new ProgramBuilder().ldMap(r2, 'stacks').mov(r3, 0).call('get_stackid').exit().build();
    const prog = Program.load({ type: 'raw_tracepoint', insns, maps: { stacks } });
    try {
      const id = prog.testRun({ ctx: Buffer.alloc(8) }).retval | 0;
      expect(id).toBeGreaterThanOrEqual(0);
      const frames = stacks.get(id)!;
      expect(frames.length).toBeGreaterThan(0);
      // Kernel text addresses live in the top half of the address space.
      for (const ip of frames) expect(ip >> 63n).toBe(1n);
      expect([...stacks.keys()]).toEqual([id]);
    } finally {
      prog.close();
      stacks.close();
    }
  });
});

describe('program types', () => {
  const ret = (v: number) => new ProgramBuilder().mov(r0, v).exit().build();
  kernelIt('each supported type loads with r0 = verdict; exit', () => {
    const specs = [
      { type: 'socket_filter' },
      { type: 'xdp' },
      { type: 'sched_cls' },
      { type: 'tracepoint' },
      { type: 'raw_tracepoint' },
      { type: 'perf_event' },
      { type: 'kprobe' },
      { type: 'cgroup_skb', ret: 1 },
      { type: 'cgroup_sock', ret: 1 },
      { type: 'cgroup_sock_addr', ret: 1, expectedAttachType: 'cgroup_inet4_connect' },
    ] as const;
    for (const s of specs) {
      const p = Program.load({
        type: s.type,
        insns: ret('ret' in s ? s.ret : 0),
        ...('expectedAttachType' in s ? { expectedAttachType: s.expectedAttachType } : {}),
      });
      try {
        expect(p.typeName).toBe(s.type);
        expect(p.info().type).toBe(p.type);
      } finally {
        p.close();
      }
    }
  });

  kernelIt('tracing and LSM programs refused by this kernel say what to use instead', () => {
    for (const type of ['tracing', 'lsm'] as const) {
      let err: unknown;
      try {
        Program.load({ type, insns: ret(0), attachBtfId: 1 }).close();
      } catch (e) {
        err = e;
      }
      // Where the kernel supports the type, a bogus BTF id is a verifier rejection instead.
      if (err instanceof NotSupportedError) {
        expect(err.userMessage()).toMatch(new RegExp(`refuses ${type} programs even for root.*use `));
      } else {
        expect(err).toBeInstanceOf(VerifierError);
      }
    }
  });
});
