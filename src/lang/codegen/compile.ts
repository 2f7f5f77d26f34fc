// Codegen: one eBPF program per probe variant, written with ProgramBuilder. Expressions evaluate to
// r0 (integers and addresses) or to a zero-initialised stack buffer (strings, tuples, records for
// events); intermediate values are spilled to the stack, so helper calls never clobber them. r6 keeps
// the context pointer for the whole program. The parts live next to this file: gen (state and emit
// helpers), probe (prologue), statements, expressions, builtins, calls, memory (field reads),
// map-ops, output (ring buffer records) and map-layout.

import type { CheckedProgram } from '../check.js';
import type { ProbeSpec } from '../probes.js';
import { probeId } from './builtins.js';
import { Gen } from './gen.js';
import {
  type Action,
  BPF_TRACE_FENTRY,
  BPF_TRACE_FEXIT,
  type CompiledProgram,
  JOIN_MAP,
  type MapLayout,
  type ProgramType,
  STACKS_MAP,
} from './layout.js';
import { layoutMaps } from './map-layout.js';
import { probe } from './probe.js';

export interface CompileOptions {
  /** maxMapKeys bounds each map (bpftrace's max_map_keys, default 4096). */
  maxMapKeys?: number;
  /** ringbufSize is the event ring buffer size in bytes (a power of two, page multiple). */
  ringbufSize?: number;
  /** resolveCgroupId turns cgroupid("/sys/fs/cgroup/...") into an id at compile time. */
  resolveCgroupId?: (path: string) => bigint;
  /** resolveKaddr turns kaddr("symbol") into an address at compile time. */
  resolveKaddr?: (name: string) => bigint | undefined;
  /** possibleCpus bounds the loop that merges per-CPU aggregations read in a probe (default 64). */
  possibleCpus?: number;
}

/** Compiled is everything the runtime needs to load, attach and print. */
export interface Compiled {
  checked: CheckedProgram;
  maps: MapLayout[];
  programs: CompiledProgram[];
  actions: Action[];
  /** probeNames indexes the `probe` builtin's values. */
  probeNames: string[];
  /**
   * byCookie holds the programs shared by many attach points whose `probe` is the attach cookie:
   * each spec is attached with its index in probeNames (builtins.ts probeId) as cookie.
   */
  byCookie: Set<CompiledProgram>;
}

/** programType is the kernel program type a probe spec needs. */
export function programType(spec: ProbeSpec): ProgramType {
  switch (spec.type) {
    case 'begin':
    case 'end':
    case 'rawtracepoint':
      return 'raw_tracepoint';
    case 'tracepoint':
      return 'tracepoint';
    case 'kprobe':
    case 'kretprobe':
    case 'uprobe':
    case 'uretprobe':
    case 'usdt':
      return 'kprobe';
    case 'profile':
    case 'interval':
    case 'software':
    case 'hardware':
      return 'perf_event';
    case 'fentry':
    case 'fexit':
      return 'tracing';
  }
}

/** programKey is what two programs must share to be one: type, bytecode, map references. */
function programKey(p: CompiledProgram, byCookie: boolean): string {
  const code = p.built.insns.map((i) => `${i.code},${i.dst},${i.src},${i.off},${i.imm}`).join(';');
  return `${p.type}:${byCookie}:${JSON.stringify(p.built.relocations)}:${code}`;
}

/** compile generates the maps, actions and programs of a checked program. */
export function compile(checked: CheckedProgram, options: CompileOptions = {}): Compiled {
  const maps = layoutMaps(checked, options);
  const out: Compiled = {
    checked,
    maps,
    programs: [],
    actions: [],
    probeNames: [],
    byCookie: new Set(),
  };
  checked.probes.forEach((p, probeIndex) => {
    const twins = new Map<string, CompiledProgram>();
    for (const v of p.variants) {
      const spec = v.specs[0]!;
      const gen = new Gen(checked, out, v, maps, options);
      const built = probe(gen, p.probe);
      const program: CompiledProgram = {
        name: v.specs.length > 1 ? `${spec.name} (+${v.specs.length - 1})` : spec.name,
        probeIndex,
        specs: v.specs,
        type: programType(spec),
        built,
        srcMap: gen.srcMap,
      };
      if (v.func) {
        program.tracing = {
          btfId: v.func.btfId,
          expectedAttachType: spec.type === 'fexit' ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY,
          module: v.func.module,
          func: v.func.name,
        };
      }
      // Attach points whose programs come out identical (a body reading only `args` fields laid out
      // alike, or `probe` from the cookie) share one: one load instead of one each.
      const key = program.tracing ? undefined : programKey(program, v.byCookie);
      const twin = key === undefined ? undefined : twins.get(key);
      if (twin) {
        twin.specs = twin.specs.concat(v.specs);
        twin.name = `${twin.specs[0]!.name} (+${twin.specs.length - 1})`;
        for (const s of v.specs) if (v.byCookie) probeId(out.probeNames, s.name);
        continue;
      }
      if (key !== undefined) twins.set(key, program);
      out.programs.push(program);
      if (v.byCookie) {
        out.byCookie.add(program);
        for (const s of v.specs) probeId(out.probeNames, s.name);
      }
    }
  });
  out.maps = withoutUnusedTables(maps, out.programs);
  return out;
}

/**
 * withoutUnusedTables drops the stack tables and the join buffer that no program loads: a stack
 * table preallocates 4096 frames' worth of kernel memory and takes a millisecond to create.
 */
function withoutUnusedTables(maps: MapLayout[], programs: CompiledProgram[]): MapLayout[] {
  const used = new Set(programs.flatMap((p) => p.built.relocations.map((r) => r.map)));
  return maps.filter((m) => used.has(m.ref) || (m.ref !== JOIN_MAP && !m.ref.startsWith(STACKS_MAP)));
}
