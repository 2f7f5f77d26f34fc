// Agreement with the kernel: every corpus case and a seeded batch of generated programs go through
// bpfkit's verifier and through PROG_LOAD on this machine; the verdicts must match.

import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { assemble } from '../asm/assembler.js';
import { type Btf, loadVmlinux } from '../btf/btf.js';
import { VerifierError } from '../errors/index.js';
import { BpfMap } from '../kernel/map.js';
import { Program } from '../kernel/program.js';
import { kernelIt } from '../testing/kernel.js';
import { generateProgram, mutateInsns, Rng, withFds } from './corpus/generate.js';
import { buildCase, loadCorpus } from './corpus/load.js';
import { type MapInfo, MapKind, type ProgTypeName, safeVerify } from './index.js';

/** possibleCpus is this machine's nr_cpu_ids, which bounds bpf_get_smp_processor_id. */
function possibleCpus(): number {
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return Number(text.split(',').pop()?.split('-').pop()) + 1;
}

/** kernelVerdict loads the program and reports whether the kernel accepted it, with its reason. */
function kernelVerdict(
  type: ProgTypeName,
  insns: Parameters<typeof Program.load>[0]['insns'],
  license?: string,
) {
  try {
    Program.load({ type, insns, ...(license ? { license } : {}) }).close();
    return { ok: true, reason: '' };
  } catch (err) {
    if (err instanceof VerifierError) return { ok: false, reason: err.message };
    throw err;
  }
}

let vmlinuxBtf: Btf | undefined;
/** vmlinux is the running kernel's BTF, read once. */
function vmlinux(): Btf {
  vmlinuxBtf ??= loadVmlinux();
  return vmlinuxBtf;
}

function withMaps<T>(maps: Omit<MapInfo, 'fd'>[], fn: (fds: Record<string, number>) => T): T {
  const open = maps.map((m) =>
    BpfMap.create({
      type: MapKind[m.type],
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      name: m.name,
    }),
  );
  try {
    return fn(Object.fromEntries(maps.map((m, i) => [m.name, open[i]!.fd])));
  } finally {
    for (const m of open) m.close();
  }
}

describe('agreement with the kernel verifier', () => {
  const cases = loadCorpus();

  kernelIt(`all ${cases.length} hand-written cases get the kernel's verdict`, () => {
    const cpus = possibleCpus();
    const disagreements: string[] = [];
    for (const c of cases) {
      withMaps(c.maps, (fds) => {
        const btf = c.btf ? vmlinux() : undefined;
        const { insns, maps } = buildCase(c, fds, btf);
        const ours = safeVerify(insns, {
          type: c.type,
          maps,
          possibleCpus: cpus,
          ...(c.license ? { license: c.license } : {}),
          ...(btf ? { btf } : {}),
        });
        const kernel = kernelVerdict(c.type, insns, c.license);
        if (ours.ok !== kernel.ok || kernel.ok !== (c.expect === 'accept')) {
          disagreements.push(
            `${c.file}: ${c.name}: expected ${c.expect}, bpfkit ${ours.ok ? 'accepts' : `rejects (${ours.error.message})`}, kernel ${kernel.ok ? 'accepts' : `rejects (${kernel.reason})`}`,
          );
        }
      });
    }
    expect(disagreements).toEqual([]);
  });

  const GENERATED = 2000;
  kernelIt(
    `${GENERATED} generated programs: high agreement, and nothing the kernel rejects is accepted`,
    () => {
      const cpus = possibleCpus();
      let agree = 0;
      let kernelAccepted = 0;
      const unsafe: string[] = [];
      for (let seed = 1; seed <= GENERATED; seed++) {
        const p = generateProgram(seed);
        withMaps(p.maps, (fds) => {
          const insns = withFds(p, fds);
          const maps = p.maps.map((m) => ({ ...m, fd: fds[m.name]! }));
          const ours = safeVerify(insns, { type: p.type, maps, possibleCpus: cpus });
          const kernel = kernelVerdict(p.type, insns);
          if (kernel.ok) kernelAccepted++;
          if (ours.ok === kernel.ok) agree++;
          else if (ours.ok) unsafe.push(`seed ${seed} (${p.type}): kernel rejects: ${kernel.reason}`);
        });
      }
      const rate = agree / GENERATED;
      console.log(
        `verifier agreement: ${agree}/${GENERATED} generated programs (${(rate * 100).toFixed(2)}%), kernel accepted ${kernelAccepted}`,
      );
      // The generator must produce both verdicts for the rate to mean anything.
      expect(kernelAccepted).toBeGreaterThan(GENERATED / 10);
      expect(kernelAccepted).toBeLessThan(GENERATED - GENERATED / 10);
      expect(unsafe).toEqual([]);
      expect(rate).toBeGreaterThanOrEqual(0.99);
    },
  );

  const MUTANTS = 1000;
  kernelIt(`${MUTANTS} corpus programs with small mistakes: nothing the kernel rejects is accepted`, () => {
    const cpus = possibleCpus();
    const rng = new Rng(4242);
    // Long loops take seconds to verify once mutated past their bound; they add nothing here.
    const small = cases.filter((c) => c.file !== 'loops.s' && !c.name.includes('loop') && !c.btf);
    let agree = 0;
    const unsafe: string[] = [];
    for (let n = 0; n < MUTANTS; n++) {
      const c = rng.pick(small);
      withMaps(c.maps, (fds) => {
        const built = buildCase(c, fds);
        const insns = mutateInsns(built.insns, rng);
        const ours = safeVerify(insns, {
          type: c.type,
          maps: built.maps,
          possibleCpus: cpus,
          ...(c.license ? { license: c.license } : {}),
        });
        const kernel = kernelVerdict(c.type, insns, c.license);
        if (ours.ok === kernel.ok) agree++;
        else if (ours.ok)
          unsafe.push(`mutant ${n} of ${c.file}: ${c.name}: kernel rejects: ${kernel.reason}`);
      });
    }
    console.log(
      `verifier agreement: ${agree}/${MUTANTS} mutated corpus programs (${((agree / MUTANTS) * 100).toFixed(2)}%)`,
    );
    expect(unsafe).toEqual([]);
    expect(agree / MUTANTS).toBeGreaterThanOrEqual(0.99);
  });

  const BTF_LOADS = 2000;
  kernelIt(`${BTF_LOADS} random loads through bpf_get_current_task_btf() get the kernel's verdict`, () => {
    const btf = vmlinux();
    const task = btf.typeByName('task_struct', 'struct');
    const size = btf.sizeof(task.id);
    const rng = new Rng(7);
    const sizes = ['u8', 'u16', 'u32', 'u64'] as const;
    // Offsets near members' starts hit pointers and bitfields often; the rest land anywhere.
    const starts = btf.flatMembers(task.id).map((m) => m.offset);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let n = 0; n < BTF_LOADS; n++) {
      const off = rng.pick([0, 1]) ? rng.pick(starts) : rng.int(-8, size + 8);
      const sz = rng.pick([...sizes]);
      // Half the loads follow a pointer the first load may have read.
      const chase = rng.pick([0, 1]) ? `\nr0 = *(u32 *)(r0 +${rng.pick(starts)})` : '';
      const text = `call bpf_get_current_task_btf\nr0 = *(${sz} *)(r0 ${off < 0 ? off : `+${off}`})${chase}\nr0 = 0\nexit`;
      const insns = assemble(text).insns;
      const ours = safeVerify(insns, { type: 'tracepoint', btf, possibleCpus: possibleCpus() });
      const kernel = kernelVerdict('tracepoint', insns);
      if (kernel.ok) accepted++;
      if (ours.ok !== kernel.ok) {
        disagreements.push(
          `${text.replaceAll('\n', '; ')}: bpfkit ${ours.ok ? 'accepts' : `rejects (${ours.error.message})`}, kernel ${kernel.ok ? 'accepts' : `rejects (${kernel.reason})`}`,
        );
      }
    }
    console.log(
      `verifier agreement: BTF loads ${BTF_LOADS - disagreements.length}/${BTF_LOADS}, kernel accepted ${accepted}`,
    );
    expect(accepted).toBeGreaterThan(BTF_LOADS / 10);
    expect(disagreements).toEqual([]);
  });

  const CALL_GRAPHS = 1500;
  kernelIt(`${CALL_GRAPHS} random call graphs get the kernel's verdict`, () => {
    const rng = new Rng(11);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let n = 0; n < CALL_GRAPHS; n++) {
      const text = callGraphProgram(rng);
      const insns = assemble(text).insns;
      const type = rng.pick(['socket_filter', 'tracepoint'] as const);
      const ours = safeVerify(insns, { type, possibleCpus: possibleCpus() });
      const kernel = kernelVerdict(type, insns);
      if (kernel.ok) accepted++;
      if (ours.ok !== kernel.ok) {
        disagreements.push(
          `${type}: ${text.replaceAll('\n', '; ')}: bpfkit ${ours.ok ? 'accepts' : `rejects (${ours.error.message})`}, kernel ${kernel.ok ? 'accepts' : `rejects (${kernel.reason})`}`,
        );
      }
    }
    console.log(
      `verifier agreement: call graphs ${CALL_GRAPHS - disagreements.length}/${CALL_GRAPHS}, kernel accepted ${accepted}`,
    );
    expect(accepted).toBeGreaterThan(CALL_GRAPHS / 20);
    expect(accepted).toBeLessThan(CALL_GRAPHS - CALL_GRAPHS / 10);
    expect(disagreements).toEqual([]);
  });
});

/**
 * callGraphProgram writes a program of a few functions that use random amounts of stack, call each
 * other (now and then recursively or nine deep), and pass pointers into their own stack down.
 */
function callGraphProgram(rng: Rng): string {
  const count = rng.int(2, 10);
  // Mostly forward calls (no recursion), sometimes anywhere; every function is called by someone.
  const calls: number[][] = Array.from({ length: count }, () => []);
  for (let f = 0; f < count; f++) {
    for (let c = rng.int(0, 2); c > 0; c--) {
      const to = rng.int(0, 9) === 0 ? rng.int(1, count - 1) : rng.int(f + 1, count);
      if (to < count) calls[f]!.push(to);
    }
  }
  for (let f = 1; f < count; f++) if (!calls.some((c) => c.includes(f))) calls[rng.int(0, f - 1)]!.push(f);
  const lines: string[] = [];
  for (let f = 0; f < count; f++) {
    if (f > 0) lines.push(`f${f}:`);
    lines.push('r0 = 0');
    if (f > 0 && rng.int(0, 2) === 0) {
      // Two paths, one writing through the pointer argument, so states with callers get pruned.
      lines.push('r6 = r1', 'call bpf_get_prandom_u32', `if r0 > 7 goto s${f}`, 'r0 = 0');
      lines.push(`*(u64 *)(r6 ${rng.pick(['+0', '-8', '+8'])}) = r0`, `s${f}:`, 'r1 = r6', 'r0 = 0');
    }
    if (f > 0 && rng.int(0, 2) === 0) {
      // Use the pointer argument: inside the caller's frame or, now and then, past its top.
      lines.push(`*(u64 *)(r1 ${rng.pick(['+0', '-8', '+8', '-64', '+504', '-512'])}) = r0`);
    }
    if (rng.int(0, 3) > 0)
      lines.push(`*(u64 *)(r10 -${8 * (rng.int(0, 4) ? rng.int(1, 20) : rng.int(1, 64))}) = r0`);
    for (const to of calls[f]!) {
      lines.push(rng.int(0, 1) ? `r1 = r10\nr1 += -${8 * rng.int(1, 64)}` : 'r1 = 0');
      lines.push(`call f${to}`);
      if (rng.int(0, 3) === 0) lines.push(`r2 = *(u64 *)(r10 -${8 * rng.int(1, 8)})`);
    }
    lines.push(f > 0 && rng.int(0, 15) === 0 ? 'r0 = r1' : 'r0 = 0', 'exit');
  }
  return lines.join('\n');
}
