// attachPrograms: the part of a tool's start-up that runTracer and runSummary share — load each
// program against the tool's maps and attach it to its tracepoints.

import type { BuiltProgram } from '../../asm/index.js';
import type { Link } from '../../kernel/link.js';
import { attachRawTracepoint } from '../../kernel/link-raw-tracepoint.js';
import { attachTracepoint } from '../../kernel/link-tracepoint.js';
import type { BpfMap } from '../../kernel/map.js';
import { Program } from '../../kernel/program.js';

/** TracerProgram is one program and the hooks it attaches to. */
export interface TracerProgram {
  name: string;
  type: 'tracepoint' | 'raw_tracepoint';
  insns: BuiltProgram;
  /** attach lists `category:name` tracepoints, or raw tracepoint names. */
  attach: string[];
}

/**
 * attachPrograms loads and attaches `programs`, pushing each program and link as it is made, so the
 * caller's cleanup releases them even when a later one fails.
 */
export function attachPrograms(
  programs: readonly TracerProgram[],
  maps: Record<string, BpfMap>,
  progs: Program[],
  links: Link[],
): void {
  for (const p of programs) {
    const prog = Program.load({ type: p.type, insns: p.insns, maps, name: p.name });
    progs.push(prog);
    for (const target of p.attach) {
      links.push(
        p.type === 'tracepoint' ? attachTracepoint(prog, target) : attachRawTracepoint(prog, target),
      );
    }
  }
}
