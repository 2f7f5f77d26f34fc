// Count system calls per process for a few seconds: a tracepoint program on raw_syscalls:sys_enter
// increments a per-pid counter in a hash map; JavaScript reads the map and prints the top processes.
//
//   npx tsx examples/count-syscalls.ts [seconds=3] [top=10]

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ProgramBuilder, r0, r1, r2, r3, r4, r10 } from '../src/asm/index.js';
import { attachTracepoint, BpfMap, codecs, Program } from '../src/kernel/index.js';

/** SyscallCount is one row of the result. */
export interface SyscallCount {
  pid: number;
  comm: string;
  count: number;
}

/** program: counts[tgid] += 1 on every system call entry. */
function program() {
  return new ProgramBuilder()
    .call('get_current_pid_tgid')
    .rsh(r0, 32)
    .st('u32', r10, -4, r0)
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'first')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .mov(r0, 0)
    .exit()
    .label('first')
    .st('u64', r10, -16, 1)
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, -4)
    .mov(r3, r10)
    .add(r3, -16)
    .mov(r4, 1) // BPF_NOEXIST: a concurrent first call keeps its own count
    .call('map_update_elem')
    .mov(r0, 0)
    .exit()
    .build();
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** countSyscalls counts system calls per process for `ms` milliseconds, highest first. */
export async function countSyscalls(ms: number): Promise<SyscallCount[]> {
  const counts = BpfMap.create({
    type: 'hash',
    key: codecs.u32,
    value: codecs.u64n,
    maxEntries: 10240,
    name: 'counts',
  });
  try {
    const prog = Program.load({
      type: 'tracepoint',
      insns: program(),
      maps: { counts },
      name: 'count_syscalls',
    });
    try {
      const link = attachTracepoint(prog, 'raw_syscalls', 'sys_enter');
      try {
        await new Promise((r) => setTimeout(r, ms));
      } finally {
        link.close();
      }
    } finally {
      prog.close();
    }
    const rows = [...counts.entries()].map(([pid, count]) => ({ pid, comm: comm(pid), count }));
    return rows.sort((a, b) => b.count - a.count);
  } finally {
    counts.close();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const top = Number(process.argv[3] ?? 10);
  console.log(`counting system calls for ${seconds} s...`);
  const rows = await countSyscalls(seconds * 1000);
  console.log(`${'PID'.padStart(7)} ${'COMM'.padEnd(16)} ${'SYSCALLS'.padStart(10)}`);
  for (const r of rows.slice(0, top)) {
    console.log(`${String(r.pid).padStart(7)} ${r.comm.padEnd(16)} ${String(r.count).padStart(10)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`count-syscalls: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
