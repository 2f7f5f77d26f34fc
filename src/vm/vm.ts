// Vm: runs a program against supplied memory with in-memory maps and helpers, on the reference
// interpreter or the translate-to-JavaScript tier.

import type { Insn } from '../asm/instruction.js';
import { compile } from './compiler.js';
import { VmError } from './errors.js';
import { standardHelpers } from './helpers.js';
import { interpret, type RunState, type StepHook } from './interpreter.js';
import type { VmMap } from './maps.js';
import { addressOf, Memory, type Region } from './memory.js';
import { FRAME_STACK_SIZE, MAX_CALL_FRAMES, MAX_COMPILED_SLOTS, VmProgram } from './program.js';
import {
  type HelperFn,
  mulberry32,
  type ProbeMemory,
  type Runtime,
  Stop,
  type TaskContext,
} from './runtime.js';

/** Tier picks the execution engine: the reference interpreter or the compiled (JavaScript) tier. */
export type Tier = 'interpreter' | 'compiled';

/** DEFAULT_BUDGET bounds a run so an endless loop is a fault, not a hang. */
export const DEFAULT_BUDGET = 100_000_000;

/** VmOptions configures a vm; every field has a deterministic default. */
export interface VmOptions {
  tier?: Tier;
  /** budget is the maximum number of instructions one run may execute. */
  budget?: number;
  /** maps by the fd the program's lddw instructions name. */
  maps?: Map<number, VmMap>;
  /** helpers replaces the helper table (see standardHelpers and conformanceHelpers). */
  helpers?: Map<number, HelperFn>;
  task?: Partial<TaskContext>;
  /** seed makes bpf_get_prandom_u32 reproducible. */
  seed?: number;
  cpu?: number;
  clock?: () => bigint;
  probeMemory?: ProbeMemory[];
  /** printk receives each bpf_trace_printk line; by default lines are collected in the result. */
  printk?: (line: string) => void;
  /** onStep traces every instruction; it forces the interpreter tier. */
  onStep?: StepHook;
}

/** VmInput is one run's input: r1 points at a copy-free view of `mem`, r2 is its length. */
export interface VmInput {
  mem?: Uint8Array;
  /** memReadOnly maps `mem` read-only, like a context the program may not write. */
  memReadOnly?: boolean;
}

/** VmResult is r0 as an unsigned 64-bit value, the instruction count and the trace_printk lines. */
export interface VmResult {
  r0: bigint;
  instructions: number;
  printk: string[];
}

/** Vm owns a program's address space and helper state across runs. */
export class Vm {
  readonly program: VmProgram;
  readonly tier: Tier;
  private readonly rt: Runtime;
  private readonly options: VmOptions;
  private readonly lines: string[] = [];
  // Stacks stay mapped for the vm's life (zeroed before each run): small runs should not pay for them.
  private readonly stacks: Region[];
  private readonly stackHi: Int32Array;

  constructor(program: VmProgram | readonly Insn[] | Uint8Array, options: VmOptions = {}) {
    this.program = program instanceof VmProgram ? program : new VmProgram(program);
    this.options = options;
    this.tier = options.onStep ? 'interpreter' : (options.tier ?? 'compiled');
    const task: TaskContext = { pid: 1, tgid: 1, uid: 0, gid: 0, comm: 'bpfkit', ...options.task };
    this.rt = {
      memory: new Memory(),
      maps: options.maps ?? new Map(),
      helpers: options.helpers ?? standardHelpers(),
      task,
      cpu: options.cpu ?? 0,
      clock: options.clock ?? (() => process.hrtime.bigint()),
      random: mulberry32(options.seed ?? 0x62706678),
      probeMemory: options.probeMemory ?? [],
      printk: options.printk ?? ((line) => this.lines.push(line)),
      stop: Stop.None,
      tailTarget: undefined,
      tailCtx: 0n,
      tailCalls: 0,
      reserved: new Map(),
    };
    this.stacks = Array.from({ length: MAX_CALL_FRAMES }, (_, d) =>
      this.rt.memory.map(d === 0 ? 'stack' : `stack of frame ${d}`, new Uint8Array(FRAME_STACK_SIZE)),
    );
    this.stackHi = Int32Array.from(this.stacks, (s) => s.hi);
  }

  /** run executes the program once and returns r0; faults throw VmError with the instruction index. */
  run(input: VmInput = {}): VmResult {
    const rt = this.rt;
    const mem = input.mem ?? new Uint8Array(0);
    const memRegion = rt.memory.map('mem', mem, !input.memReadOnly);
    const stacks = this.stacks;
    for (const s of stacks) s.bytes.fill(0);
    const budget = this.options.budget ?? DEFAULT_BUDGET;
    const state: RunState = {
      program: this.program,
      rt,
      stacks,
      stackHi: this.stackHi,
      r1: addressOf(memRegion),
      r2: BigInt(mem.length),
      budget,
    };
    if (this.options.onStep) state.onStep = this.options.onStep;
    rt.tailCalls = 0;
    this.lines.length = 0;
    try {
      for (;;) {
        rt.stop = Stop.None;
        const compiled = this.tier === 'compiled' && state.program.insns.length <= MAX_COMPILED_SLOTS;
        const r0 = compiled ? compile(state.program)(state) : interpret(state);
        if (rt.stop !== Stop.TailCall)
          return { r0, instructions: budget - state.budget, printk: this.lines.slice() };
        if (!(rt.tailTarget instanceof VmProgram)) {
          throw new VmError(
            'helper',
            0,
            'bpf_tail_call: the program array holds something that is not a VmProgram',
          );
        }
        state.program = rt.tailTarget;
        state.r1 = rt.tailCtx;
        state.r2 = 0n;
        for (const s of stacks) s.bytes.fill(0);
      }
    } finally {
      rt.memory.unmap(memRegion);
      // A record the program never submitted is dropped, as the kernel's verifier would not allow it.
      for (const region of rt.reserved.keys()) rt.memory.unmap(region);
      rt.reserved.clear();
    }
  }
}
