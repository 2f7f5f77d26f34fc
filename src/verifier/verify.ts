// verify() and safeVerify(): run the static verifier over a program and explain a rejection with the
// instruction index, its disassembly, the registers involved and one sentence.

import type { BuiltProgram } from '../asm/builder.js';
import type { Insn } from '../asm/instruction.js';
import { isWide } from '../asm/instruction.js';
import { VerifierError } from '../errors/index.js';
import { ctxRules } from './context.js';
import { disasm } from './disasm.js';
import { type Env, Reject, type VerifyOptions } from './env.js';
import { interpret, type Stats } from './interpreter.js';
import { regString, type State } from './state.js';

export type { VerifyOptions } from './env.js';

/** VerifyOk describes an accepted program. */
export interface VerifyOk {
  ok: true;
  /** insns is the program length in instruction slots. */
  insns: number;
  /** states is how many verifier states were kept for pruning. */
  states: number;
  /** processed is how many instructions were interpreted over all paths. */
  processed: number;
}

/** VerifyFailure describes a rejected program. */
export interface VerifyFailure {
  ok: false;
  error: VerifierError;
}

export type VerifyResult = VerifyOk | VerifyFailure;

function explain(insns: readonly Insn[], r: Reject, st: State | undefined): VerifierError {
  const i = insns[r.pc];
  const log: string[] = [];
  if (i) {
    const next = isWide(i) ? insns[r.pc + 1] : undefined;
    log.push(`${r.pc}: ${disasm(i, next)}`);
  }
  if (st && r.regs.length) {
    log.push(`  ${r.regs.map((n) => `R${n}=${regString(st.regs[n]!)}`).join(' ')}`);
  }
  log.push(r.sentence);
  return new VerifierError(`insn ${r.pc}: ${r.sentence}`, {
    log,
    issues: [{ code: r.code, pc: r.pc, message: r.sentence }],
  });
}

/** Verifiable is a program as slots, or a builder's or assembler's output with map loads by name. */
export type Verifiable = readonly Insn[] | BuiltProgram;

/**
 * resolveNamedMaps gives a built program's map loads (by name) the fds of the same-named maps in
 * options.maps, inventing fds for maps that have none.
 */
function resolveNamedMaps(
  program: BuiltProgram,
  options: VerifyOptions,
): { insns: Insn[]; options: VerifyOptions } {
  const maps = (options.maps ?? []).map((m, n) => (m.fd === undefined ? { ...m, fd: -1000 - n } : m));
  const insns = program.insns.map((i) => ({ ...i }));
  for (const rel of program.relocations) {
    const slot = insns[rel.pc];
    if (!slot) continue;
    if (typeof rel.map !== 'string') {
      slot.imm = rel.map.fd;
      continue;
    }
    const m = maps.find((x) => x.name === rel.map);
    // An unknown name keeps an fd no map has, so the verifier reports it at its instruction.
    slot.imm = m?.fd ?? -1;
  }
  return { insns, options: { ...options, maps } };
}

/** safeVerify checks a program and returns the outcome; it throws only for bpfkit bugs. */
export function safeVerify(program: Verifiable, options: VerifyOptions): VerifyResult {
  if (!Array.isArray(program)) {
    const r = resolveNamedMaps(program as BuiltProgram, options);
    return safeVerify(r.insns, r.options);
  }
  const insns = program as readonly Insn[];
  let nextId = 0;
  const env: Env = {
    opts: {
      license: 'GPL',
      privileged: true,
      maxInsns: 1_000_000,
      possibleCpus: 8192,
      ...options,
    },
    insns,
    rules: ctxRules(options.type, options.tracepointSize, options.tracepointName),
    pc: 0,
    nextId: () => ++nextId,
    stackDepth: [],
  };
  let last: State | undefined;
  let lastPc = -1;
  try {
    const stats: Stats = interpret(env, (pc, st) => {
      lastPc = pc;
      last = st;
    });
    return { ok: true, insns: insns.length, states: stats.states, processed: stats.processed };
  } catch (err) {
    if (err instanceof Reject) {
      return { ok: false, error: explain(insns, err, lastPc === err.pc ? last : undefined) };
    }
    throw err;
  }
}

/** verify checks a program and throws VerifierError when it would be unsafe to run. */
export function verify(program: Verifiable, options: VerifyOptions): VerifyOk {
  const r = safeVerify(program, options);
  if (!r.ok) throw r.error;
  return r;
}
