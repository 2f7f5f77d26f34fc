// VmProgram: a validated instruction list, plus what both tiers need to run it — the stack layout,
// the address encoding of function pointers, and the compiled form once built.

import { decode, type Insn } from '../asm/instruction.js';
import { Class, JmpOp, LD_IMM64, PseudoSrc, STACK_SIZE } from '../asm/opcodes.js';
import { validate } from './validate.js';

/** MAX_CALL_FRAMES is the kernel's MAX_CALL_FRAMES: the main frame plus seven bpf-to-bpf calls. */
export const MAX_CALL_FRAMES = 8;
/** FRAME_STACK_SIZE is each frame's own stack region; r10 points at its end. */
export const FRAME_STACK_SIZE = STACK_SIZE;
/** MAX_COMPILED_SLOTS: bigger programs run on the interpreter, as V8 compiles huge functions slowly. */
export const MAX_COMPILED_SLOTS = 65536;
/** MAY_GOTO_LOOPS is how many times may_goto falls through before it jumps (the kernel's BPF_MAX_LOOPS). */
export const MAY_GOTO_LOOPS = 8 * 1024 * 1024;
/** FUNC_PTR_HI is the high word of what `lddw rX, func` loads; low word = instruction index. */
export const FUNC_PTR_HI = 0xbf0c0000;

/** VmProgram is a program ready for the interpreter: validated once, compiled lazily. */
export class VmProgram {
  readonly insns: readonly Insn[];
  readonly name: string;
  /** functions lists the slots callx may jump to: bpf-to-bpf call targets and `lddw rX, func` targets. */
  readonly functions: ReadonlySet<number>;
  /** compiled caches the translate-to-JavaScript tier's function for this program. */
  compiled: unknown;

  constructor(program: readonly Insn[] | Uint8Array, name = 'prog') {
    this.insns = program instanceof Uint8Array ? decode(program) : program.map((i) => ({ ...i }));
    this.name = name;
    validate(this.insns);
    const functions = new Set<number>();
    this.insns.forEach((i, pc) => {
      const local = i.code === (Class.JMP | JmpOp.CALL) && i.src === PseudoSrc.CALL;
      if (local || (i.code === LD_IMM64 && i.src === PseudoSrc.FUNC)) functions.add(pc + 1 + i.imm);
    });
    this.functions = functions;
  }
}
