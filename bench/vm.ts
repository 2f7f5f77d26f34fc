// bench/vm: instructions per second of the vm's two tiers on three programs — an ALU loop, a memory
// copy and a map-heavy loop — next to the kernel running the same bytecode through BPF_PROG_TEST_RUN
// (socket_filter programs, `repeat` runs, the kernel's own per-run duration). Run as root:
// npx tsx bench/vm.ts  (RUNS=… to change the vm repetitions).

import { assemble } from '../src/asm/assembler.js';
import { encode, type Insn } from '../src/asm/instruction.js';
import { type Tier, Vm, VmMap, VmMapType } from '../src/vm/index.js';

const RUNS = Number(process.env.RUNS ?? 200);
const MAP_FD = 1000;

// Each program's loop is bounded so the kernel verifier accepts it; the counts are per run.
const ALU_LOOP = `
  r0 = 0
  r1 = 0
loop:
  r0 += r1
  r0 ^= 0x5a
  r2 = r0
  r2 >>= 3
  r0 -= r2
  r0 <<= 1
  r1 += 1
  if r1 != 20000 goto loop
  exit
`;

function memoryCopy(): string {
  const lines = ['r3 = 0x0102030405060708 ll'];
  for (let o = 8; o <= 256; o += 8) lines.push(`*(u64 *)(r10 - ${o}) = r3`);
  lines.push('r4 = 0', 'loop:');
  for (let o = 8; o <= 256; o += 8)
    lines.push(`r3 = *(u64 *)(r10 - ${o})`, `*(u64 *)(r10 - ${o + 256}) = r3`);
  lines.push('r4 += 1', 'if r4 != 200 goto loop', 'r0 = *(u64 *)(r10 - 264)', 'exit');
  return lines.join('\n');
}

function mapHeavy(fd: number): string {
  return `
  r6 = 0
loop:
  r1 = r6
  r1 &= 15
  *(u32 *)(r10 - 4) = r1
  r1 = map[fd:${fd}]
  r2 = r10
  r2 += -4
  call bpf_map_lookup_elem
  if r0 == 0 goto insert
  r1 = 1
  lock *(u64 *)(r0 + 0) += r1
  goto next
insert:
  *(u64 *)(r10 - 16) = 1
  r1 = map[fd:${fd}]
  r2 = r10
  r2 += -4
  r3 = r10
  r3 += -16
  r4 = 0
  call bpf_map_update_elem
next:
  r6 += 1
  if r6 != 64 goto loop
  r0 = 0
  exit
`;
}

interface Row {
  name: string;
  perRun: number;
  rates: Record<string, number | undefined>;
}

function vmRate(insns: Insn[], tier: Tier, maps: Map<number, VmMap>): { perRun: number; rate: number } {
  const vm = new Vm(insns, { tier, maps, budget: 1e9 });
  const mem = new Uint8Array(64);
  // Warm up until V8 has optimised the compiled program (about half a second), then measure.
  const seconds = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
  let perRun = 0;
  const warm = process.hrtime.bigint();
  while (seconds(warm) < (tier === 'compiled' ? 0.5 : 0.1)) perRun = vm.run({ mem }).instructions;
  const runs = tier === 'compiled' ? RUNS : Math.max(3, Math.floor(RUNS / 20));
  // Best of three: the machine is shared, and a busy neighbour only ever makes a trial slower.
  let rate = 0;
  for (let trial = 0; trial < 3; trial++) {
    let total = 0;
    const t = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) total += vm.run({ mem }).instructions;
    rate = Math.max(rate, total / seconds(t));
  }
  return { perRun, rate };
}

async function kernelRate(
  source: (fd: number) => string,
  perRun: number,
  needsMap: boolean,
): Promise<number | string> {
  if (process.getuid?.() !== 0) return 'needs root';
  try {
    const { Program, BpfMap } = await import('../src/kernel/index.js');
    const map = needsMap
      ? BpfMap.create({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 64 })
      : undefined;
    try {
      const prog = Program.load({
        type: 'socket_filter',
        insns: encode(assemble(source(map?.fd ?? 0)).insns),
      });
      try {
        const res = prog.testRun({ data: new Uint8Array(64), repeat: RUNS * 5 });
        return (perRun / res.duration) * 1e9;
      } finally {
        prog.close();
      }
    } finally {
      map?.close();
    }
  } catch (err) {
    return `kernel: ${(err as Error).message.split('\n')[0]}`;
  }
}

const programs: { name: string; source: (fd: number) => string; map: boolean }[] = [
  { name: 'ALU loop', source: () => ALU_LOOP, map: false },
  { name: 'memory copy', source: memoryCopy, map: false },
  { name: 'map-heavy', source: mapHeavy, map: true },
];

const rows: Row[] = [];
const notes: string[] = [];
for (const p of programs) {
  const insns = assemble(p.source(MAP_FD)).insns;
  const maps = () =>
    new Map([[MAP_FD, new VmMap({ type: VmMapType.Hash, keySize: 4, valueSize: 8, maxEntries: 64 })]]);
  const compiled = vmRate(insns, 'compiled', maps());
  const interp = vmRate(insns, 'interpreter', maps());
  const kernel = await kernelRate(p.source, compiled.perRun, p.map);
  if (typeof kernel === 'string') notes.push(`${p.name}: ${kernel}`);
  rows.push({
    name: p.name,
    perRun: compiled.perRun,
    rates: {
      compiled: compiled.rate,
      interpreter: interp.rate,
      kernel: typeof kernel === 'number' ? kernel : undefined,
    },
  });
}

const m = (n: number | undefined) => (n === undefined ? '—' : `${(n / 1e6).toFixed(1)}M`);
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toPrecision(2)}x` : '—');
console.log(
  'program       insns/run   compiled/s   interpreter/s   kernel/s   compiled:kernel   interpreter:kernel',
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(13)} ${String(r.perRun).padStart(9)}   ${m(r.rates.compiled).padStart(10)}   ${m(r.rates.interpreter).padStart(13)}   ${m(r.rates.kernel).padStart(8)}   ${ratio(r.rates.compiled, r.rates.kernel).padStart(15)}   ${ratio(r.rates.interpreter, r.rates.kernel).padStart(18)}`,
  );
}
for (const n of notes) console.log(`note: ${n}`);
const alu = rows[0]!.rates.compiled!;
console.log(
  `goal: >= 50M instructions/s on the ALU loop (compiled tier): ${alu >= 50e6 ? 'met' : 'NOT met'} (${m(alu)})`,
);
