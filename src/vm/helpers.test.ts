// The vm's helpers on both tiers: maps, ring buffers, perf output, probe_read against supplied memory,
// task context, trace_printk, seeded prandom, and tail calls.

import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/assembler.js';
import { VmError } from './errors.js';
import { formatPrintk } from './helpers.js';
import { VmMap, VmMapType } from './maps.js';
import { Memory } from './memory.js';
import { VmProgram } from './program.js';
import { mulberry32, type Runtime } from './runtime.js';
import { Vm, type VmOptions } from './vm.js';

const prog = (src: string): VmProgram => new VmProgram(assemble(src).insns);
const le32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const le64 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
};

// Counts calls per key in a hash map: lookup, then increment in place or insert 1.
const COUNTER = `
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map[fd:3]
  call bpf_map_lookup_elem
  if r0 == 0 goto insert
  r1 = 1
  lock *(u64 *)(r0 + 0) += r1
  r0 = 0
  exit
insert:
  *(u64 *)(r10 - 16) = 1
  r1 = map[fd:3]
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = 0
  call bpf_map_update_elem
  exit
`;

for (const tier of ['interpreter', 'compiled'] as const) {
  const vmWith = (src: string | VmProgram, options: VmOptions = {}) =>
    new Vm(typeof src === 'string' ? prog(src) : src, { tier, ...options });

  describe(`helpers (${tier} tier)`, () => {
    it('looks up, updates in place and inserts hash map elements', () => {
      const counts = new VmMap({ type: VmMapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 });
      // r1 is the memory pointer; the program stores its low 32 bits as the key, so vary the memory.
      const vm = vmWith(
        COUNTER.replace('*(u32 *)(r10 - 4) = r1', 'r1 = *(u32 *)(r1 + 0)\n  *(u32 *)(r10 - 4) = r1'),
        {
          maps: new Map([[3, counts]]),
        },
      );
      for (const k of [7, 7, 7, 9]) expect(vm.run({ mem: le32(k) }).r0).toBe(0n);
      const entries = counts
        .entries()
        .map(([k, v]) => [
          new DataView(k.buffer).getUint32(0, true),
          new DataView(v.buffer).getBigUint64(0, true),
        ]);
      expect(entries).toEqual([
        [7, 3n],
        [9, 1n],
      ]);
    });

    it('reports a full hash map as -E2BIG and deletes elements', () => {
      const m = new VmMap({ type: VmMapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1 });
      m.update(le32(1), le64(5n));
      const insert = vmWith(
        `*(u32 *)(r10 - 4) = 2
         *(u64 *)(r10 - 16) = 1
         r1 = map[fd:3]
         r2 = r10
         r2 += -4
         r3 = r10
         r3 += -16
         r4 = 0
         call bpf_map_update_elem
         exit`,
        { maps: new Map([[3, m]]) },
      );
      expect(BigInt.asIntN(64, insert.run().r0)).toBe(-7n);
      const del = vmWith(
        `*(u32 *)(r10 - 4) = 1
         r1 = map[fd:3]
         r2 = r10
         r2 += -4
         call bpf_map_delete_elem
         exit`,
        { maps: new Map([[3, m]]) },
      );
      expect(del.run().r0).toBe(0n);
      expect(BigInt.asIntN(64, del.run().r0)).toBe(-2n);
      expect(m.entries()).toEqual([]);
    });

    it('gives array map values a stable address and bounds-checks them', () => {
      const arr = new VmMap({ type: VmMapType.Array, keySize: 4, valueSize: 8, maxEntries: 2 });
      const src = `
        *(u32 *)(r10 - 4) = 1
        r1 = map[fd:3]
        r2 = r10
        r2 += -4
        call bpf_map_lookup_elem
        if r0 == 0 goto out
        r1 = 40
        *(u64 *)(r0 + 0) = r1
        r0 = *(u64 *)(r0 + OFF)
      out:
        exit`;
      expect(vmWith(src.replace('OFF', '0'), { maps: new Map([[3, arr]]) }).run().r0).toBe(40n);
      const err = (() => {
        try {
          vmWith(src.replace('OFF', '8'), { maps: new Map([[3, arr]]) }).run();
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(VmError);
      expect((err as VmError).message).toMatch(/out-of-bounds read of 8 bytes .* in map_2 value/);
    });

    it('reserves, submits and discards ring buffer records, and outputs copies', () => {
      const rb = new VmMap({ type: VmMapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
      const vm = vmWith(
        `r1 = map[fd:4]
         r2 = 8
         r3 = 0
         call bpf_ringbuf_reserve
         if r0 == 0 goto fail
         r1 = 0x1122
         *(u64 *)(r0 + 0) = r1
         r1 = r0
         r2 = 0
         call bpf_ringbuf_submit
         r1 = map[fd:4]
         r2 = 16
         r3 = 0
         call bpf_ringbuf_reserve
         r1 = r0
         r2 = 0
         call bpf_ringbuf_discard
         *(u32 *)(r10 - 4) = 0x33
         r1 = map[fd:4]
         r2 = r10
         r2 += -4
         r3 = 4
         r4 = 0
         call bpf_ringbuf_output
         exit
       fail:
         r0 = 1
         exit`,
        { maps: new Map([[4, rb]]) },
      );
      expect(vm.run().r0).toBe(0n);
      expect(rb.drain().map((r) => Buffer.from(r).toString('hex'))).toEqual(['2211000000000000', '33000000']);
    });

    it('faults when a submitted record is used afterwards', () => {
      const rb = new VmMap({ type: VmMapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
      const vm = vmWith(
        `r1 = map[fd:4]
         r2 = 8
         r3 = 0
         call bpf_ringbuf_reserve
         r6 = r0
         r1 = r0
         r2 = 0
         call bpf_ringbuf_submit
         r0 = *(u64 *)(r6 + 0)
         exit`,
        { maps: new Map([[4, rb]]) },
      );
      expect(() => vm.run()).toThrow(/instruction 9: out-of-bounds read .*unmapped memory/);
    });

    it('writes perf event output records', () => {
      const perf = new VmMap({ type: VmMapType.PerfEventArray, keySize: 4, valueSize: 4, maxEntries: 1 });
      const vm = vmWith(
        `*(u64 *)(r10 - 8) = 77
         r2 = map[fd:5]
         r3 = 0xffffffff ll
         r4 = r10
         r4 += -8
         r5 = 8
         call bpf_perf_event_output
         exit`,
        { maps: new Map([[5, perf]]) },
      );
      expect(vm.run().r0).toBe(0n);
      expect(perf.drain()).toEqual([le64(77n)]);
    });

    it('probe_read copies supplied memory, and zeroes the buffer with -EFAULT elsewhere', () => {
      const kernel = {
        address: 0xffff888000001000n,
        bytes: Uint8Array.from([1, 2, 3, 4, 0x68, 0x69, 0, 9]),
        kind: 'kernel' as const,
      };
      const read = (helper: string, addr: string, size = 4) =>
        vmWith(
          `*(u64 *)(r10 - 8) = -1
           r1 = r10
           r1 += -8
           r2 = ${size}
           r3 = ${addr} ll
           call ${helper}
           r1 = *(u64 *)(r10 - 8)
           *(u64 *)(r10 - 16) = r0
           r0 = r1
           exit`,
          { probeMemory: [kernel] },
        ).run().r0;
      expect(read('bpf_probe_read_kernel', '0xffff888000001000')).toBe(0xffffffff04030201n);
      // A failed read zeroes only the `size` bytes it was asked for; the rest of the buffer stays -1.
      expect(read('bpf_probe_read_kernel', '0xffff888000001006')).toBe(0xffffffff00000000n);
      expect(read('bpf_probe_read_user', '0xffff888000001000')).toBe(0xffffffff00000000n);
      // The _str flavour copies up to and including the NUL and leaves the rest untouched.
      expect(read('bpf_probe_read_kernel_str', '0xffff888000001004', 8)).toBe(0xffffffffff006968n);
    });

    it('reports the supplied task context, cpu and a seeded prandom', () => {
      const task = { pid: 1234, tgid: 1200, uid: 1000, gid: 100, comm: 'nginx' };
      const pidTgid = vmWith('call bpf_get_current_pid_tgid\nexit', { task }).run().r0;
      expect(pidTgid).toBe((1200n << 32n) | 1234n);
      expect(vmWith('call bpf_get_current_uid_gid\nexit', { task }).run().r0).toBe((100n << 32n) | 1000n);
      const comm = vmWith(
        `r1 = r10
         r1 += -16
         r2 = 16
         call bpf_get_current_comm
         r0 = *(u64 *)(r10 - 16)
         exit`,
        { task },
      ).run().r0;
      expect(Buffer.from(le64(comm)).toString('latin1').replace(/\0+$/, '')).toBe('nginx');
      expect(vmWith('call bpf_get_smp_processor_id\nexit', { cpu: 3 }).run().r0).toBe(3n);
      const rand = (seed: number) => vmWith('call bpf_get_prandom_u32\nexit', { seed }).run().r0;
      expect(rand(1)).toBe(rand(1));
      expect(rand(1)).not.toBe(rand(2));
      expect(vmWith('call bpf_ktime_get_ns\nexit', { clock: () => 123n }).run().r0).toBe(123n);
    });

    it('formats trace_printk', () => {
      const r = vmWith(
        `r1 = 0x6425203a78 ll
         *(u64 *)(r10 - 8) = r1
         r1 = r10
         r1 += -8
         r2 = 8
         r3 = -5
         call bpf_trace_printk
         exit`,
      ).run();
      expect(r.printk).toEqual(['x: -5']);
    });

    it('tail-calls into a program array entry and falls through on a missing one', () => {
      const target = prog('r0 = *(u32 *)(r1 + 0)\nr0 += 1000\nexit');
      const jumps = new VmMap({ type: VmMapType.ProgArray, keySize: 4, valueSize: 4, maxEntries: 4 });
      jumps.programs.set(2, target);
      const caller = (index: number) =>
        vmWith(
          `r2 = map[fd:6]
           r3 = ${index}
           call bpf_tail_call
           r0 = 1
           exit`,
          { maps: new Map([[6, jumps]]) },
        );
      expect(caller(2).run({ mem: le32(5) }).r0).toBe(1005n);
      expect(caller(3).run({ mem: le32(5) }).r0).toBe(1n);
    });

    it('stops endless tail-call chains after 33 calls', () => {
      const jumps = new VmMap({ type: VmMapType.ProgArray, keySize: 4, valueSize: 4, maxEntries: 1 });
      const self = prog(
        `r6 = *(u32 *)(r1 + 0)
         r6 += 1
         *(u32 *)(r1 + 0) = r6
         r2 = map[fd:6]
         r3 = 0
         call bpf_tail_call
         r0 = r6
         exit`,
      );
      jumps.programs.set(0, self);
      expect(vmWith(self, { maps: new Map([[6, jumps]]) }).run({ mem: le32(0) }).r0).toBe(34n);
    });

    it('pushes, peeks and pops queue (FIFO) and stack (LIFO) maps', () => {
      for (const [type, want] of [
        [VmMapType.Queue, 0x0101n],
        [VmMapType.Stack, 0x0202n],
      ] as const) {
        const q = new VmMap({ type, keySize: 0, valueSize: 8, maxEntries: 2 });
        const vm = vmWith(
          `*(u64 *)(r10 - 8) = 1
           r1 = map[fd:7]
           r2 = r10
           r2 += -8
           r3 = 0
           call bpf_map_push_elem
           *(u64 *)(r10 - 8) = 2
           r1 = map[fd:7]
           r2 = r10
           r2 += -8
           r3 = 0
           call bpf_map_push_elem
           r1 = map[fd:7]
           r2 = r10
           r2 += -8
           r3 = 0
           call bpf_map_push_elem
           r6 = r0
           r1 = map[fd:7]
           r2 = r10
           r2 += -16
           call bpf_map_peek_elem
           r1 = map[fd:7]
           r2 = r10
           r2 += -24
           call bpf_map_pop_elem
           r0 = *(u64 *)(r10 - 16)
           r1 = *(u64 *)(r10 - 24)
           r1 <<= 8
           r0 |= r1
           exit`,
          { maps: new Map([[7, q]]) },
        );
        expect(vm.run().r0).toBe(want);
        expect(q.records).toHaveLength(1);
      }
    });

    it('faults on a map fd the vm was not given', () => {
      expect(() => vmWith('r1 = map[fd:9]\nr0 = 0\nexit').run()).toThrow(
        /map fd 9, which the vm was not given/,
      );
    });
  });
}

describe('formatPrintk', () => {
  const rt = { probeMemory: [], memory: new Memory() } as unknown as Runtime;

  it('formats the kernel conversions', () => {
    expect(
      formatPrintk(rt, '%d %u %x %llx %lld %c %% %p', [-1n, -1n, 255n, 0x1ffffffffn, -2n, 65n, 0x10n]),
    ).toBe('-1 4294967295 ff 1ffffffff -2 A % 0x10');
    expect(formatPrintk(rt, '%s', [0n])).toBe('(efault)');
  });

  it('survives random formats and arguments (3000 inputs)', () => {
    const rnd = mulberry32(5);
    const parts = ['%', 'd', 'l', 'll', 'x', 's', 'p', 'c', '%%', '-', '9', 'z', 'h', 'text '];
    for (let n = 0; n < 3000; n++) {
      const fmt = Array.from({ length: rnd() % 8 }, () => parts[rnd() % parts.length]).join('');
      const args = [BigInt(rnd()) << 32n, BigInt(rnd()), BigInt.asUintN(64, -BigInt(rnd()))];
      expect(typeof formatPrintk(rt, fmt, args)).toBe('string');
    }
  });
});
