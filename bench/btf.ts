// bench/btf: how long parsing the running kernel's BTF takes and how much memory it holds, lazily and
// fully decoded, next to bpftool decoding the same file (run: npx tsx bench/btf.ts).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Btf, VMLINUX_BTF_PATH } from '../src/btf/index.js';

const runs = Number(process.env.RUNS ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

const bytes = readFileSync(VMLINUX_BTF_PATH);
console.log(`vmlinux BTF: ${mb(bytes.length)} MB`);

const read = median(Array.from({ length: runs }, () => time(() => readFileSync(VMLINUX_BTF_PATH))));
const parse = median(Array.from({ length: runs }, () => time(() => Btf.parse(bytes))));
const firstLookup = median(
  Array.from({ length: runs }, () => {
    const btf = Btf.parse(bytes);
    return time(() => btf.offsetOf('task_struct.real_parent'));
  }),
);
const warmLookup = (() => {
  const btf = Btf.parse(bytes);
  btf.offsetOf('task_struct.real_parent');
  return time(() => {
    for (let i = 0; i < 1000; i++) btf.offsetOf('sock.__sk_common.skc_dport');
  });
})();

let full = 0;
let count = 0;
const fullDecode = median(
  Array.from({ length: Math.min(runs, 3) }, () => {
    const btf = Btf.parse(bytes);
    count = btf.count;
    return time(() => {
      for (const t of btf.types()) full += t.id;
    });
  }),
);

console.log(`types: ${count}`);
console.log(`read file           ${read.toFixed(1)} ms`);
console.log(`parse (lazy table)  ${parse.toFixed(1)} ms`);
console.log(`first offsetOf      ${firstLookup.toFixed(1)} ms (scans the name column)`);
console.log(`warm offsetOf       ${(warmLookup / 1000).toFixed(4)} ms each`);
console.log(`decode every type   ${fullDecode.toFixed(1)} ms`);

// Memory: retained heap + array buffers after each stage, measured with forced GC when available.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  const m0 = process.memoryUsage();
  const btf = Btf.load();
  btf.offsetOf('task_struct.real_parent');
  gc();
  const m1 = process.memoryUsage();
  for (const _ of btf.types());
  gc();
  const m2 = process.memoryUsage();
  const used = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
  console.log(`memory, parsed + one lookup   ${mb(used(m1) - used(m0))} MB`);
  console.log(`memory, every type decoded    ${mb(used(m2) - used(m0))} MB`);
  void btf.count;
} else {
  console.log('memory: run with `node --expose-gc --import tsx bench/btf.ts` to measure');
}

// Start-up as the tracing language sees it: a fresh process (cold JIT) that loads BTF and resolves
// two paths, timed from inside the child so process and tsx start-up do not blur it.
const script = `
const t0 = performance.now();
const { loadVmlinux } = await import('./src/btf/index.ts');
const t1 = performance.now();
const b = loadVmlinux();
b.offsetOf('task_struct.real_parent');
b.offsetOf('sock.__sk_common.skc_dport');
b.funcByName('tcp_v4_connect');
console.log(JSON.stringify([t1 - t0, performance.now() - t1]));`;
const cold = Array.from({ length: 5 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(r.stdout.trim()) as [number, number];
});
console.log(
  `fresh process: import btf ${median(cold.map((c) => c[0])).toFixed(0)} ms, load + 3 lookups ${median(cold.map((c) => c[1])).toFixed(0)} ms`,
);

const bpftool = '/usr/sbin/bpftool';
if (existsSync(bpftool)) {
  const peer = median(
    Array.from({ length: 3 }, () =>
      time(() =>
        execFileSync(bpftool, ['btf', 'dump', 'file', VMLINUX_BTF_PATH, 'format', 'raw'], {
          maxBuffer: 256 * 1024 * 1024,
          stdio: ['ignore', 'ignore', 'ignore'],
        }),
      ),
    ),
  );
  const ours = read + parse + fullDecode;
  console.log(`bpftool raw dump (decode + print every type): ${peer.toFixed(0)} ms`);
  console.log(
    `bpfkit read + parse + decode every type:      ${ours.toFixed(0)} ms  (ratio ${(peer / ours).toFixed(1)}x)`,
  );
  console.log(`bpfkit read + parse + one lookup:             ${(read + parse + firstLookup).toFixed(0)} ms`);
} else {
  console.log('bpftool not found: no peer comparison');
}
void full;
