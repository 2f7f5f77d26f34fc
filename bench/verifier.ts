// bench/verifier: bpfkit's static verifier on the corpus — programs per second and peak memory —
// next to the kernel verifier (PROG_LOAD) on the same programs, and the agreement rate of the two
// on N generated programs (run as root: npx tsx bench/verifier.ts; N=10000 by default).

import { existsSync, readFileSync } from 'node:fs';
import { decode, encode, type Insn } from '../src/asm/instruction.js';
import { loadVmlinux, VMLINUX_BTF_PATH } from '../src/btf/btf.js';
import { VerifierError } from '../src/errors/index.js';
import { BpfMap } from '../src/kernel/map.js';
import { Program } from '../src/kernel/program.js';
import { check } from '../src/lang/check.js';
import { compile } from '../src/lang/codegen/compile.js';
import { Source } from '../src/lang/diagnostics.js';
import { fakeTypeSource } from '../src/lang/fake-type-source.js';
import { parseSource } from '../src/lang/parser.js';
import { generateProgram, mutateInsns, Rng, withFds } from '../src/verifier/corpus/generate.js';
import { buildCase, loadCorpus } from '../src/verifier/corpus/load.js';
import {
  type MapInfo,
  MapKind,
  type ProgTypeName,
  safeVerify,
  type VerifyOptions,
} from '../src/verifier/index.js';

const N = Number(process.env.N ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const cpus = Number(readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim().split('-').pop()) + 1;

interface Job {
  type: ProgTypeName;
  insns: Insn[];
  options: VerifyOptions;
  license?: string;
}

// One open map per shape, shared by every program that needs it.
const openMaps = new Map<string, BpfMap>();
function mapFd(m: Omit<MapInfo, 'fd'>): number {
  const key = `${m.type}:${m.keySize}:${m.valueSize}:${m.maxEntries}`;
  let map = openMaps.get(key);
  if (!map) {
    map = BpfMap.create({
      type: MapKind[m.type],
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    });
    openMaps.set(key, map);
  }
  return map.fd;
}

function corpusJobs(): Job[] {
  const btf = existsSync(VMLINUX_BTF_PATH) ? loadVmlinux() : undefined;
  return loadCorpus()
    .filter((c) => btf || !c.btf)
    .map((c) => {
      const fds = Object.fromEntries(c.maps.map((m) => [m.name, mapFd(m)]));
      const { insns, maps } = buildCase(c, fds, c.btf ? btf : undefined);
      const options: VerifyOptions = { type: c.type, maps, possibleCpus: cpus };
      if (c.btf && btf) options.btf = btf;
      if (c.license) options.license = c.license;
      return { type: c.type, insns, options, ...(c.license ? { license: c.license } : {}) };
    });
}

function generatedJob(seed: number): Job {
  const p = generateProgram(seed);
  const fds = Object.fromEntries(p.maps.map((m) => [m.name, mapFd(m)]));
  const maps = p.maps.map((m) => ({ ...m, fd: fds[m.name]! }));
  return { type: p.type, insns: withFds(p, fds), options: { type: p.type, maps, possibleCpus: cpus } };
}

function kernelAccepts(j: Job): boolean {
  try {
    Program.load({ type: j.type, insns: j.insns, ...(j.license ? { license: j.license } : {}) }).close();
    return true;
  } catch (err) {
    if (err instanceof VerifierError) return false;
    throw err;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const jobs = [...corpusJobs(), ...Array.from({ length: 2000 }, (_, i) => generatedJob(100_000 + i))];
const insnCount = jobs.reduce((n, j) => n + j.insns.length, 0);
console.log(`corpus: ${jobs.length} programs (hand-written and 2000 generated), ${insnCount} instructions`);

// Interleave the two verifiers round by round so outside load hits both alike.
const ours: number[] = [];
const kernel: number[] = [];
let peakRss = 0;
let peakHeap = 0;
const baseRss = process.memoryUsage.rss();
let processed = 0;
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now();
  processed = 0;
  for (const j of jobs) {
    const r = safeVerify(j.insns, j.options);
    if (r.ok) processed += r.processed;
  }
  ours.push(performance.now() - t);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  t = performance.now();
  for (const j of jobs) kernelAccepts(j);
  kernel.push(performance.now() - t);
}
const oursMs = median(ours);
const kernelMs = median(kernel);
console.log(
  `bpfkit verifier: ${((jobs.length / oursMs) * 1000).toFixed(0)} programs/s (${oursMs.toFixed(0)} ms per pass, ` +
    `${((processed / oursMs) * 1000).toFixed(0)} insns processed/s on accepted programs)`,
);
console.log(
  `kernel verifier (PROG_LOAD): ${((jobs.length / kernelMs) * 1000).toFixed(0)} programs/s (${kernelMs.toFixed(0)} ms per pass)`,
);
console.log(`ratio: bpfkit takes ${(oursMs / kernelMs).toFixed(2)}x the kernel's time`);
console.log(
  `memory: peak heap ${(peakHeap / 2 ** 20).toFixed(1)} MB, peak RSS ${(peakRss / 2 ** 20).toFixed(1)} MB (+${((peakRss - baseRss) / 2 ** 20).toFixed(1)} MB over start)`,
);

// Agreement on N generated programs, seeds 1..N (the test suite checks the first 2000).
let agree = 0;
let kernelOk = 0;
const unsafe: number[] = [];
const strict: number[] = [];
for (let seed = 1; seed <= N; seed++) {
  const j = generatedJob(seed);
  const a = safeVerify(j.insns, j.options).ok;
  const b = kernelAccepts(j);
  if (b) kernelOk++;
  if (a === b) agree++;
  else if (a) unsafe.push(seed);
  else strict.push(seed);
}
console.log(
  `agreement: ${agree}/${N} generated programs (${((agree / N) * 100).toFixed(2)}%), kernel accepted ${kernelOk}; ` +
    `bpfkit accepted ${unsafe.length} the kernel rejects${unsafe.length ? ` (seeds ${unsafe.slice(0, 10).join(', ')})` : ''}, ` +
    `rejected ${strict.length} the kernel accepts${strict.length ? ` (seeds ${strict.slice(0, 10).join(', ')})` : ''}`,
);

// Mutants: corpus programs with one or two corrupted bytes, the malformed end of realistic input.
const MUTANTS = Number(process.env.MUTANTS ?? 3000);
const corpus = corpusJobs();
let mutants = 0;
let mutantAgree = 0;
let mutantUnsafe = 0;
let state = 12345;
const rand = (n: number): number => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state % n;
};
for (let n = 0; n < MUTANTS; n++) {
  const j = corpus[rand(corpus.length)]!;
  const bytes = encode(j.insns);
  for (let k = 0, flips = 1 + rand(2); k < flips; k++) bytes[rand(bytes.length)] = rand(256);
  let insns: Insn[];
  try {
    insns = decode(bytes);
  } catch {
    continue;
  }
  mutants++;
  const m = { ...j, insns };
  const a = safeVerify(insns, j.options).ok;
  const b = kernelAccepts(m);
  if (a === b) mutantAgree++;
  else if (a) mutantUnsafe++;
}
// Small mistakes: an offset, constant, comparison or register changed in one or two instructions.
const rng = new Rng(777);
const small = corpus.filter((j) => j.insns.length < 40);
let slips = 0;
let slipAgree = 0;
let slipUnsafe = 0;
for (let n = 0; n < MUTANTS; n++) {
  const j = rng.pick(small);
  const insns = mutateInsns(j.insns, rng);
  const r = safeVerify(insns, { ...j.options, maxInsns: 200_000 });
  // Mutated loops that run to the kernel's limit are left out: they measure patience, not rules.
  if (!r.ok && r.error.issues[0]?.code === 'too-complex') continue;
  slips++;
  const b = kernelAccepts({ ...j, insns });
  if (r.ok === b) slipAgree++;
  else if (r.ok) slipUnsafe++;
}
console.log(
  `corpus with small mistakes: ${slipAgree}/${slips} agree (${((slipAgree / slips) * 100).toFixed(2)}%), bpfkit accepted ${slipUnsafe} the kernel rejects`,
);
console.log(
  `mutated corpus: ${mutantAgree}/${mutants} agree (${((mutantAgree / mutants) * 100).toFixed(2)}%), bpfkit accepted ${mutantUnsafe} the kernel rejects`,
);

// Real programs: every script of the tracing language's runtime cases, compiled by bpfkit/lang.
let langTotal = 0;
let langAgree = 0;
const langDisagree: string[] = [];
for (const f of ['basic', 'maps', 'probes', 'errors']) {
  const text = readFileSync(new URL(`../src/lang/testdata/runtime/${f}.cases`, import.meta.url), 'utf8');
  for (const [, src] of text.matchAll(/^PROG (.*)$/gm)) {
    let compiled: ReturnType<typeof compile>;
    try {
      const source = new Source(src!, `${f}.cases`);
      compiled = compile(check(parseSource(source), source, { types: fakeTypeSource }));
    } catch {
      continue; // the error cases stop before code generation
    }
    const fds = Object.fromEntries(compiled.maps.map((m) => [m.ref, mapFd({ name: m.ref, ...m })]));
    for (const p of compiled.programs) {
      if (p.type === 'tracing') continue;
      const maps = compiled.maps.map((m) => ({
        name: m.ref,
        type: m.type,
        keySize: m.keySize,
        valueSize: m.valueSize,
        maxEntries: m.maxEntries,
        fd: fds[m.ref]!,
      }));
      const ours = safeVerify(p.built, { type: p.type, maps, possibleCpus: cpus }).ok;
      const insns = withFds(
        {
          seed: 0,
          type: p.type,
          maps: [],
          insns: p.built.insns,
          relocations: p.built.relocations.map((r) => ({ pc: r.pc, map: String(r.map) })),
        },
        fds,
      );
      const theirs = kernelAccepts({ type: p.type, insns, options: { type: p.type } });
      langTotal++;
      if (ours === theirs) langAgree++;
      else langDisagree.push(`${f}: ${src!.slice(0, 60)} (bpfkit ${ours ? 'accepts' : 'rejects'})`);
    }
  }
}
console.log(
  `lang-compiled programs: ${langAgree}/${langTotal} agree${langDisagree.length ? `; differ: ${langDisagree.join('; ')}` : ''}`,
);
for (const m of openMaps.values()) m.close();
