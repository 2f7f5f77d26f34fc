// The vm's helpers against the kernel's: a program of lookups, inserts (some refused because the map
// is full or the key exists), in-place atomic adds and deletes; and one of ring buffer reservations,
// submits, discards and outputs ending in a tail call. Each runs in both, and r0, the maps' contents
// and the ring buffer records must match.

import { describe, expect } from 'vitest';
import { assemble } from '../asm/assembler.js';
import { encode } from '../asm/instruction.js';
import { BpfMap } from '../kernel/map.js';
import { Program } from '../kernel/program.js';
import { RingBuffer } from '../kernel/ringbuf.js';
import { kernelIt } from '../testing/kernel.js';
import { VmMap, VmMapType } from './maps.js';
import { VmProgram } from './program.js';
import { type Tier, Vm } from './vm.js';

// r6 counts iterations, r7 accumulates helper results so refusals (-E2BIG, -EEXIST, -ENOENT) count.
const program = (hash: number, array: number) => `
  r6 = 0
  r7 = 0
loop:
  r1 = r6
  r1 *= 7
  r1 &= 15
  *(u32 *)(r10 - 4) = r1
  r1 = map[fd:${hash}]
  r2 = r10
  r2 += -4
  call bpf_map_lookup_elem
  if r0 == 0 goto insert
  lock *(u64 *)(r0 + 0) += r6
  goto array
insert:
  *(u64 *)(r10 - 16) = r6
  r1 = map[fd:${hash}]
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = r6
  r4 &= 1
  call bpf_map_update_elem
  r7 += r0
array:
  r1 = r6
  r1 &= 3
  *(u32 *)(r10 - 8) = r1
  r1 = map[fd:${array}]
  r2 = r10
  r2 += -8
  call bpf_map_lookup_elem
  if r0 == 0 goto next
  r1 = *(u64 *)(r0 + 0)
  r1 += r6
  r1 <<= 1
  *(u64 *)(r0 + 0) = r1
next:
  r1 = r6
  r1 %= 5
  if r1 != 4 goto more
  r1 = r6
  r1 *= 3
  r1 &= 15
  *(u32 *)(r10 - 4) = r1
  r1 = map[fd:${hash}]
  r2 = r10
  r2 += -4
  call bpf_map_delete_elem
  r7 += r0
more:
  r6 += 1
  if r6 < 40 goto loop
  r0 = r7
  exit
`;

const sorted = (entries: Iterable<[Uint8Array, Uint8Array]>) =>
  [...entries].map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`).sort();

describe('map helpers: vm against kernel', () => {
  kernelIt('hash and array helpers leave the same maps and r0 in both vm tiers and the kernel', () => {
    const hash = BpfMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 6 });
    const array = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 });
    let kernelR0: number;
    let kernelHash: string[];
    let kernelArray: string[];
    try {
      const prog = Program.load({
        type: 'socket_filter',
        insns: encode(assemble(program(hash.fd, array.fd)).insns),
      });
      try {
        kernelR0 = prog.testRun({ data: new Uint8Array(64) }).retval | 0;
      } finally {
        prog.close();
      }
      kernelHash = sorted(hash.entries());
      kernelArray = sorted(array.entries());
    } finally {
      hash.close();
      array.close();
    }
    // The program must have hit refusals (r7 < 0) and left elements, or the comparison proves little.
    expect(kernelHash.length).toBeGreaterThan(2);
    expect(kernelR0 >> 31).toBe(-1);
    for (const tier of ['interpreter', 'compiled'] as Tier[]) {
      const vmHash = new VmMap({ type: VmMapType.Hash, keySize: 4, valueSize: 8, maxEntries: 6 });
      const vmArray = new VmMap({ type: VmMapType.Array, keySize: 4, valueSize: 8, maxEntries: 4 });
      const vm = new Vm(assemble(program(3, 4)).insns, {
        tier,
        maps: new Map([
          [3, vmHash],
          [4, vmArray],
        ]),
      });
      const r0 = vm.run({ mem: new Uint8Array(64) }).r0;
      expect(Number(BigInt.asIntN(32, r0)), `${tier} r0`).toBe(kernelR0);
      expect(sorted(vmHash.entries()), `${tier} hash`).toEqual(kernelHash);
      expect(sorted(vmArray.entries()), `${tier} array`).toEqual(kernelArray);
    }
  });
});

const ringMain = (ring: number, jumps: number) => `
  r9 = r1
  r6 = 0x1122334455667788 ll
  r1 = map[fd:${ring}]
  r2 = 8
  r3 = 0
  call bpf_ringbuf_reserve
  if r0 == 0 goto fail
  *(u64 *)(r0 + 0) = r6
  r1 = r0
  r2 = 0
  call bpf_ringbuf_submit
  r1 = map[fd:${ring}]
  r2 = 16
  r3 = 0
  call bpf_ringbuf_reserve
  if r0 == 0 goto fail
  r1 = r0
  r2 = 0
  call bpf_ringbuf_discard
  *(u32 *)(r10 - 4) = 0x33
  r1 = map[fd:${ring}]
  r2 = r10
  r2 += -4
  r3 = 4
  r4 = 0
  call bpf_ringbuf_output
  r1 = r9
  r2 = map[fd:${jumps}]
  r3 = 1
  call bpf_tail_call
  r1 = r9
  r2 = map[fd:${jumps}]
  r3 = 0
  call bpf_tail_call
  r0 = 1
  exit
fail:
  r0 = 2
  exit
`;

const ringTail = (ring: number) => `
  *(u64 *)(r10 - 16) = 7
  *(u32 *)(r10 - 8) = 9
  r1 = map[fd:${ring}]
  r2 = r10
  r2 += -16
  r3 = 12
  r4 = 0
  call bpf_ringbuf_output
  r0 = 77
  exit
`;

describe('ring buffer and tail call helpers: vm against kernel', () => {
  kernelIt(
    'records, discards and a tail call come out the same in both vm tiers and the kernel',
    async () => {
      const ring = BpfMap.create({ type: 'ringbuf', maxEntries: 4096 });
      const jumps = BpfMap.create({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 2 });
      const records: string[] = [];
      let kernelR0: number;
      try {
        const tail = Program.load({
          type: 'socket_filter',
          insns: encode(assemble(ringTail(ring.fd)).insns),
        });
        try {
          const key = Buffer.alloc(4);
          jumps.setFd(key, tail);
          const main = Program.load({
            type: 'socket_filter',
            insns: encode(assemble(ringMain(ring.fd, jumps.fd)).insns),
          });
          try {
            kernelR0 = main.testRun({ data: new Uint8Array(64) }).retval;
          } finally {
            main.close();
          }
          jumps.delete(key);
        } finally {
          tail.close();
        }
        const reader = new RingBuffer(ring);
        try {
          reader.poll((d) => records.push(Buffer.from(d).toString('hex')));
        } finally {
          await reader.closeAsync();
        }
      } finally {
        jumps.close();
        ring.close();
      }
      expect(kernelR0).toBe(77);
      expect(records).toHaveLength(3);
      for (const tier of ['interpreter', 'compiled'] as Tier[]) {
        const vmRing = new VmMap({ type: VmMapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
        const vmJumps = new VmMap({ type: VmMapType.ProgArray, keySize: 4, valueSize: 4, maxEntries: 2 });
        vmJumps.programs.set(0, new VmProgram(assemble(ringTail(5)).insns));
        const maps = new Map([
          [5, vmRing],
          [6, vmJumps],
        ]);
        const r0 = new Vm(assemble(ringMain(5, 6)).insns, { tier, maps }).run({ mem: new Uint8Array(64) }).r0;
        expect(r0, tier).toBe(77n);
        expect(
          vmRing.drain().map((d) => Buffer.from(d).toString('hex')),
          tier,
        ).toEqual(records);
      }
    },
  );
});
