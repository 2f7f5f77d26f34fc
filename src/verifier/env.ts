// The verifier's per-run environment: options, the program, id generation, and rejection.

import type { Insn } from '../asm/instruction.js';
import type { Btf } from '../btf/btf.js';
import type { CtxRules } from './context.js';
import type { MapInfo } from './maps.js';
import type { ProgTypeName } from './program-types.js';

/** VerifyOptions say what the program is and what it refers to. */
export interface VerifyOptions {
  /** type is the program type; it decides the context layout, helpers and return range. */
  type: ProgTypeName;
  /** maps are the maps LD_IMM64 may load, found by `fd` (src=1, 2) or by index (src=5, 6). */
  maps?: MapInfo[];
  /** license decides whether GPL-only helpers may be called; default 'GPL'. */
  license?: string;
  /** tracepointSize is the record size from the tracepoint's format, when known. */
  tracepointSize?: number;
  tracepointName?: string;
  /**
   * privileged follows the kernel's rules for root (the default): reads of uninitialised stack are
   * allowed, as are pointer leaks. false rejects uninitialised stack reads as unprivileged loads do.
   */
  privileged?: boolean;
  /**
   * possibleCpus is the kernel's nr_cpu_ids: bpf_get_smp_processor_id returns less than it. Default
   * 8192 (the largest CONFIG_NR_CPUS); pass the machine's count to match its kernel exactly.
   */
  possibleCpus?: number;
  /**
   * pruneImprecise lets state pruning ignore numbers that can no longer reach a check (default true,
   * as the kernel); false compares every value, for testing that the shortcut changes no verdict.
   */
  pruneImprecise?: boolean;
  /** maxInsns is the complexity limit on processed instructions (the kernel's 1,000,000). */
  maxInsns?: number;
  /**
   * btf is the kernel's BTF (usually loadVmlinux()); with it, loads through BTF-typed pointers such
   * as bpf_get_current_task_btf()'s are checked against the struct's members, else rejected.
   */
  btf?: Btf;
}

/** Reject is thrown inside the verifier to stop a path with one explained reason. */
export class Reject extends Error {
  constructor(
    readonly code: string,
    readonly pc: number,
    readonly sentence: string,
    /** regs are the registers whose state explains the rejection. */
    readonly regs: number[] = [],
  ) {
    super(sentence);
  }
}

/** Env is shared by the interpreter's parts during one run. */
export interface Env {
  readonly opts: Required<
    Pick<VerifyOptions, 'type' | 'license' | 'privileged' | 'maxInsns' | 'possibleCpus'>
  > &
    VerifyOptions;
  readonly insns: readonly Insn[];
  readonly rules: CtxRules;
  /** pc is the instruction being checked. */
  pc: number;
  nextId(): number;
  /** stackDepth is the deepest stack byte each subprogram touches, in bytes (the kernel's stack_depth). */
  stackDepth: number[];
}

/** noteStackDepth records that subprogram `subprog` uses `bytes` of its stack, rounded to 8 as the kernel does. */
export function noteStackDepth(env: Env, subprog: number, bytes: number): void {
  const d = Math.ceil(bytes / 8) * 8;
  if (d > (env.stackDepth[subprog] ?? 0)) env.stackDepth[subprog] = d;
}

/** reject stops the current path at env.pc. */
export function reject(env: Env, code: string, sentence: string, regs: number[] = []): never {
  throw new Reject(code, env.pc, sentence, regs);
}

/** BPF_MAX_VAR_OFF bounds pointer offsets, as in the kernel. */
export const BPF_MAX_VAR_OFF = 1 << 29;
/** MAX_PACKET_OFF is the largest packet offset a range check can establish. */
export const MAX_PACKET_OFF = 0xffff;
