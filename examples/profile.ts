// Sample on-CPU stacks: a perf_event program runs at N Hz on every CPU, records the kernel and user
// stack ids of whatever is running in a stack trace map and counts each (pid, stacks) pair; JavaScript
// symbolises the addresses from /proc/kallsyms and the ELF symbols of each process's mappings, and
// prints folded stacks (flame graph input), hottest first.
//
//   npx tsx examples/profile.ts [seconds=3] [hz=99] [pid]

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ProgramBuilder, r0, r1, r2, r3, r4, r6, r10 } from '../src/asm/index.js';
import {
  attachPerfSampling,
  BpfMap,
  codecs,
  formatSymbol,
  kernelSymbols,
  Program,
  UserSymbolizer,
} from '../src/kernel/index.js';

const MAX_DEPTH = 127;
const BPF_F_USER_STACK = 1 << 8;

/** StackSample is one distinct (process, kernel stack, user stack) and how often it was seen. */
export interface StackSample {
  pid: number;
  comm: string;
  /** kernel and user list frames innermost first; empty when that stack was not available. */
  kernel: string[];
  user: string[];
  count: number;
}

/** program: counts[{ tgid, kernel stack id, user stack id }] += 1 on every sample (of `pid`, if set). */
function program(pid: number | undefined) {
  const b = new ProgramBuilder().mov(r6, r1).call('get_current_pid_tgid').rsh(r0, 32);
  if (pid !== undefined) b.jmp('JNE', r0, pid, 'out');
  // A kernel thread (pid 0 is the idle task) has no user stack worth counting.
  b.jmp('JEQ', r0, 0, 'out')
    .st('u32', r10, -16, r0)
    .mov(r1, r6)
    .ldMap(r2, 'stacks')
    .mov(r3, 0)
    .call('get_stackid')
    .st('u32', r10, -12, r0)
    .mov(r1, r6)
    .ldMap(r2, 'stacks')
    .mov(r3, BPF_F_USER_STACK)
    .call('get_stackid')
    .st('u32', r10, -8, r0)
    .st('u32', r10, -4, 0)
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, -16)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'first')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .ja('out')
    .label('first')
    .st('u64', r10, -24, 1)
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, -16)
    .mov(r3, r10)
    .add(r3, -24)
    .mov(r4, 1)
    .call('map_update_elem')
    .label('out')
    .mov(r0, 0)
    .exit();
  return b.build();
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return `pid ${pid}`;
  }
}

/** profile samples every CPU at `hz` for `ms` milliseconds and returns symbolised stacks. */
export async function profile(opts: { ms: number; hz?: number; pid?: number }): Promise<StackSample[]> {
  const stacks = BpfMap.create({
    type: 'stack_trace',
    keySize: 4,
    valueSize: 8 * MAX_DEPTH,
    maxEntries: 16384,
    value: codecs.stack,
    name: 'stacks',
  });
  const counts = BpfMap.create({
    type: 'hash',
    keySize: 16,
    value: codecs.u64n,
    maxEntries: 16384,
    name: 'counts',
  });
  try {
    const prog = Program.load({
      type: 'perf_event',
      insns: program(opts.pid),
      maps: { stacks, counts },
      name: 'profile',
    });
    const symbolizers = new Map<number, UserSymbolizer>();
    const raw: { pid: number; k: number; u: number; count: number }[] = [];
    try {
      const link = attachPerfSampling(prog, { frequency: opts.hz ?? 99 });
      try {
        await new Promise((r) => setTimeout(r, opts.ms));
      } finally {
        link.close();
      }
      for (const [key, count] of counts.entries()) {
        const pid = key.readUInt32LE(0);
        raw.push({ pid, k: key.readInt32LE(4), u: key.readInt32LE(8), count });
        // Read the maps of live processes now: they are gone once a process exits.
        if (!symbolizers.has(pid)) symbolizers.set(pid, new UserSymbolizer(pid));
      }
    } finally {
      prog.close();
    }
    const ksyms = kernelSymbols();
    const frames = (id: number, sym: (a: bigint) => string): string[] => {
      if (id < 0) return [];
      const ips = stacks.get(Buffer.from(new Uint32Array([id]).buffer)) ?? [];
      return ips.map(sym);
    };
    const out = raw.map(({ pid, k, u, count }) => {
      const us = symbolizers.get(pid)!;
      return {
        pid,
        comm: comm(pid),
        kernel: frames(k, (a) => formatSymbol(ksyms.lookup(a), a)),
        user: frames(u, (a) => {
          const s = us.lookup(a);
          return s ? formatSymbol(s, a) : `0x${a.toString(16)}`;
        }),
        count,
      };
    });
    return out.sort((a, b) => b.count - a.count);
  } finally {
    counts.close();
    stacks.close();
  }
}

/** folded renders a sample as "comm;outer;...;inner count" (user frames, then kernel frames). */
export function folded(s: StackSample): string {
  const stripOffset = (f: string) => f.replace(/\+0x[0-9a-f]+$/, '');
  const frames = [...s.user]
    .reverse()
    .concat([...s.kernel].reverse())
    .map(stripOffset);
  return `${[s.comm, ...frames].join(';')} ${s.count}`;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const hz = Number(process.argv[3] ?? 99);
  const pid = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
  console.error(`sampling at ${hz} Hz for ${seconds} s...`);
  const samples = await profile(
    pid === undefined ? { ms: seconds * 1000, hz } : { ms: seconds * 1000, hz, pid },
  );
  for (const s of samples) console.log(folded(s));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`profile: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
