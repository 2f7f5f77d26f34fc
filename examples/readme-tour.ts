// The README's library tour, runnable and tested: count openat(2) calls while some work runs.
//
//   npx tsx examples/readme-tour.ts

import { closeSync, openSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
// tour:start
import { ProgramBuilder, r0, r1, r2, r10 } from '../src/asm/index.js';
import { attachTracepoint, BpfMap, codecs, Program } from '../src/kernel/index.js';

/** countOpenat counts the openat(2) calls of every process while `work` runs. */
export async function countOpenat(work: () => Promise<void>): Promise<number> {
  // One array slot, incremented atomically by the program on every syscalls:sys_enter_openat.
  const counts = BpfMap.create({
    type: 'array',
    key: codecs.u32,
    value: codecs.u64n,
    maxEntries: 1,
    name: 'counts',
  });
  const insns = new ProgramBuilder()
    .st('u32', r10, -4, 0) // key = 0
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .label('out')
    .mov(r0, 0)
    .exit()
    .build(); // { insns, relocations, labels }
  const prog = Program.load({ type: 'tracepoint', insns, maps: { counts } });
  const link = attachTracepoint(prog, 'syscalls:sys_enter_openat');
  try {
    await work();
    return counts.get(0) ?? 0;
  } finally {
    link.close(); // detaches; everything is also released on exit, Ctrl-C or an uncaught error
    prog.close();
    counts.close();
  }
}
// tour:end

async function main(): Promise<void> {
  const n = await countOpenat(async () => {
    for (let i = 0; i < 100; i++) closeSync(openSync('/etc/hostname', 'r'));
  });
  console.log(`openat calls while opening /etc/hostname 100 times: ${n}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`readme-tour: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
