// The abstract interpreter: walks every feasible path of the program from its entry, one
// instruction at a time, keeping checkpoints at jump targets so a state already proven safe there
// (or a loop that cannot make progress) ends the path — the kernel's do_check with state pruning.

import { type Insn, imm64 } from '../asm/instruction.js';
import {
  AtomicOp,
  Class,
  JmpOp,
  LD_IMM64,
  Mode,
  opClass,
  opMode,
  opOp,
  opSize,
  opSource,
  PseudoSrc,
  Source,
  sizeBytes,
} from '../asm/opcodes.js';
import { checkAlu, checkWritable, readReg } from './alu.js';
import { checkCall } from './calls.js';
import { calleesOf, checkCfg, isTailCall, jumpTarget, subprogIndex } from './cfg.js';
import { type Env, reject } from './env.js';
import { checkCondJump, type Successor } from './jumps.js';
import { isArrayLike, type MapInfo } from './maps.js';
import { checkAccess } from './memory.js';
import { neededSets } from './precision.js';
import { isTracing, returnRange } from './program-types.js';
import { constScalar, truncScalar, unknownScalar } from './scalar.js';
import {
  cloneState,
  NOT_INIT,
  ptrReg,
  type RegState,
  type State,
  scalarReg,
  statesCover,
  typeName,
} from './state.js';

/** Checkpoint is a state kept at a prune point; branches counts paths from it still being explored. */
interface Checkpoint {
  state: State;
  branches: number;
  parent: Checkpoint | null;
  /** hits and misses count prune attempts against it; states that keep missing are dropped. */
  hits: number;
  misses: number;
}

interface Pending {
  pc: number;
  st: State;
  parent: Checkpoint | null;
}

/** Stats are the work the interpreter did. */
export interface Stats {
  /** processed counts instructions interpreted, over all paths (the kernel's "processed N insns"). */
  processed: number;
  /** states counts checkpoints kept for pruning. */
  states: number;
  /** peakStates is the largest number of pending branches at once. */
  peakPending: number;
}

/** JMP_SEQ_LIMIT is the kernel's BPF_COMPLEXITY_LIMIT_JMP_SEQ: pending branches at once. */
const JMP_SEQ_LIMIT = 8192;

function initialState(): State {
  const regs: RegState[] = new Array(11).fill(NOT_INIT);
  regs[1] = ptrReg('ctx');
  regs[10] = ptrReg('fp');
  return { regs, stack: emptyStack(), refs: [], callers: [], subprog: 0 };
}

const emptyStack = (): State['stack'] => ({
  bytes: new Uint8Array(512),
  spills: new Array(64).fill(undefined),
});

/** MAX_CALL_FRAMES is the kernel's limit on nested frames, the main program's included. */
export const MAX_CALL_FRAMES = 8;

/** enterCall starts the function at `target` in a new frame: it gets r1-r5, its own stack and r10. */
function enterCall(env: Env, st: State, pc: number, target: number, subprogs: readonly number[]): Successor {
  if (st.callers.length + 1 >= MAX_CALL_FRAMES) {
    reject(
      env,
      'call-depth',
      `the call stack of ${st.callers.length + 2} frames is too deep: the kernel allows ${MAX_CALL_FRAMES}`,
    );
  }
  st.callers.push({ regs: st.regs, stack: st.stack, ret: pc + 1, subprog: st.subprog });
  const regs: RegState[] = new Array(11).fill(NOT_INIT);
  for (let r = 1; r <= 5; r++) regs[r] = st.callers[st.callers.length - 1]!.regs[r]!;
  regs[10] = ptrReg('fp', { frame: st.callers.length });
  st.regs = regs;
  st.stack = emptyStack();
  st.subprog = subprogIndex(subprogs, target);
  return { pc: target, st };
}

/** leaveCall returns from a function to its caller with r0; the caller's r1-r5 are lost. */
function leaveCall(env: Env, st: State, i: Insn): Successor {
  if (i.imm !== 0 || i.src !== 0 || i.dst !== 0)
    reject(env, 'reserved-fields', 'BPF_EXIT uses reserved fields');
  const r0 = st.regs[0]!;
  if (r0.type === 'not_init')
    reject(env, 'r0-unset', 'R0 is not set before the function returns: it must return a value', [0]);
  if (r0.type === 'fp') {
    reject(env, 'return-stack-ptr', 'a function cannot return a pointer to the stack to its caller', [0]);
  }
  const caller = st.callers.pop()!;
  st.regs = caller.regs;
  st.stack = caller.stack;
  st.subprog = caller.subprog;
  st.regs[0] = r0;
  for (let r = 1; r <= 5; r++) st.regs[r] = NOT_INIT;
  return { pc: caller.ret, st };
}

/**
 * checkStackDepth walks every chain of calls, as the kernel's check_max_stack_depth: at most
 * MAX_CALL_FRAMES frames, and 512 bytes of stack for all of them together (each frame's use rounded
 * up to 16, the JIT's granularity). Tracing programs without tail calls run functions that use 64
 * bytes or more on a private stack, so those count on their own.
 */
function checkStackDepth(env: Env, subprogs: readonly number[]): void {
  const calls = calleesOf(env.insns, subprogs);
  // A tail call anywhere keeps every frame on the shared stack.
  const privStack = isTracing(env.opts.type) && !env.insns.some(isTailCall);
  const walk = (f: number, frame: number, depth: number): void => {
    const own = Math.ceil((env.stackDepth[f] ?? 0) / 16) * 16;
    if (privStack && own >= 64) {
      if (own > 512) reject(env, 'stack-depth', `function ${f} uses ${own} bytes of stack; the limit is 512`);
    } else {
      depth += own;
      if (depth > 512) {
        reject(
          env,
          'stack-depth',
          `${frame + 1} nested calls use ${depth} bytes of stack together; the limit is 512`,
        );
      }
    }
    for (const c of calls[f]!) {
      env.pc = c.pc;
      if (frame + 1 >= MAX_CALL_FRAMES) {
        reject(env, 'call-depth', `the call stack of ${frame + 2} frames is too deep: the kernel allows 8`);
      }
      walk(c.to, frame + 1, depth);
    }
  };
  env.pc = 0;
  walk(0, 0, 0);
}

function findMap(env: Env, i: Insn): MapInfo {
  const maps = env.opts.maps ?? [];
  const byIndex = i.src === PseudoSrc.MAP_IDX || i.src === PseudoSrc.MAP_IDX_VALUE;
  const m = byIndex ? maps[i.imm] : maps.find((x) => x.fd === i.imm);
  if (!m) {
    reject(
      env,
      'unknown-map',
      byIndex
        ? `LD_IMM64 refers to map index ${i.imm}, but only ${maps.length} maps were given`
        : `LD_IMM64 refers to map fd ${i.imm}, which is not one of the maps given to the verifier`,
    );
  }
  return m;
}

function checkLdImm64(env: Env, st: State, i: Insn, next: Insn): void {
  if (i.off !== 0) reject(env, 'reserved-fields', 'BPF_LD_IMM64 uses reserved fields (off must be 0)');
  checkWritable(env, i.dst);
  if (i.src === 0) {
    st.regs[i.dst] = scalarReg(constScalar(imm64(i, next)));
    return;
  }
  const map = findMap(env, i);
  if (i.src === PseudoSrc.MAP_FD || i.src === PseudoSrc.MAP_IDX) {
    st.regs[i.dst] = ptrReg('map_ptr', { map });
    return;
  }
  if (!isArrayLike(map)) {
    reject(env, 'direct-value', `direct value access needs an array map; '${map.name}' is a ${map.type} map`);
  }
  const off = next.imm >>> 0;
  if (off >= map.valueSize) {
    reject(
      env,
      'direct-value',
      `direct value offset ${off} is outside '${map.name}' values of ${map.valueSize} bytes`,
    );
  }
  st.regs[i.dst] = ptrReg('map_value', { map, off });
}

function checkLdx(env: Env, st: State, i: Insn): void {
  if (i.imm !== 0) reject(env, 'reserved-fields', 'BPF_LDX uses reserved fields');
  const src = readReg(env, st, i.src);
  checkWritable(env, i.dst);
  const size = sizeBytes(opSize(i.code));
  const v = checkAccess(env, st, src, {
    regno: i.src,
    off: i.off,
    size,
    write: false,
    signExtend: opMode(i.code) === Mode.MEMSX,
  });
  st.regs[i.dst] = v ?? scalarReg(unknownScalar());
}

function checkStore(env: Env, st: State, i: Insn): void {
  const size = sizeBytes(opSize(i.code));
  const cls = opClass(i.code);
  if (cls === Class.ST) {
    if (i.src !== 0) reject(env, 'reserved-fields', 'BPF_ST uses reserved fields');
    const dst = readReg(env, st, i.dst);
    checkAccess(env, st, dst, { regno: i.dst, off: i.off, size, write: true, imm: i.imm });
    return;
  }
  if (opMode(i.code) === Mode.ATOMIC) {
    checkAtomic(env, st, i, size);
    return;
  }
  if (i.imm !== 0) reject(env, 'reserved-fields', 'BPF_STX uses reserved fields');
  const value = readReg(env, st, i.src);
  const dst = readReg(env, st, i.dst);
  checkAccess(env, st, dst, { regno: i.dst, off: i.off, size, write: true, value });
}

function checkAtomic(env: Env, st: State, i: Insn, size: number): void {
  const imm = i.imm;
  const base = imm & ~AtomicOp.FETCH;
  const ok =
    imm === AtomicOp.XCHG ||
    imm === AtomicOp.CMPXCHG ||
    base === AtomicOp.ADD ||
    base === AtomicOp.OR ||
    base === AtomicOp.AND ||
    base === AtomicOp.XOR;
  if (!ok) reject(env, 'bad-atomic', `invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
  readReg(env, st, i.src);
  if (imm === AtomicOp.CMPXCHG) readReg(env, st, 0);
  const dst = readReg(env, st, i.dst);
  if (dst.type === 'ctx' || dst.type === 'pkt' || dst.type === 'pkt_meta' || dst.type === 'sock_common') {
    reject(env, 'atomic-target', `R${i.dst}: atomic operations on ${typeName(dst)} memory are not allowed`, [
      i.dst,
    ]);
  }
  const fetch = (imm & AtomicOp.FETCH) !== 0;
  const loadReg = imm === AtomicOp.CMPXCHG ? 0 : fetch ? i.src : -1;
  if (loadReg >= 0) checkWritable(env, loadReg);
  const old = checkAccess(env, st, dst, { regno: i.dst, off: i.off, size, write: false });
  checkAccess(env, st, dst, { regno: i.dst, off: i.off, size, write: true });
  if (loadReg >= 0) {
    st.regs[loadReg] = old && old.type !== 'scalar' ? old : scalarReg(truncScalar(unknownScalar(), size));
  }
}

function checkLdAbs(env: Env, st: State, i: Insn): void {
  const t = env.opts.type;
  if (t !== 'socket_filter' && t !== 'sched_cls') {
    reject(env, 'ld-abs', `legacy packet loads (LD_ABS/LD_IND) are not allowed in ${t} programs`);
  }
  const ind = opMode(i.code) === Mode.IND;
  if (i.dst !== 0 || i.off !== 0 || (!ind && i.src !== 0)) {
    reject(env, 'reserved-fields', 'BPF_LD_[ABS|IND] uses reserved fields');
  }
  if (ind) readReg(env, st, i.src);
  const r6 = readReg(env, st, 6);
  if (r6.type !== 'ctx') {
    reject(
      env,
      'ld-abs',
      `LD_ABS/LD_IND need R6 to hold the context pointer, but R6 is ${typeName(r6)}`,
      [6],
    );
  }
  if (st.refs.length) {
    reject(env, 'ld-abs', 'LD_ABS/LD_IND cannot be used while a ringbuf record is reserved');
  }
  for (let r = 1; r <= 5; r++) st.regs[r] = NOT_INIT;
  st.regs[0] = scalarReg(unknownScalar());
}

function checkExit(env: Env, st: State, i: Insn): void {
  if (i.imm !== 0 || i.src !== 0 || i.dst !== 0)
    reject(env, 'reserved-fields', 'BPF_EXIT uses reserved fields');
  const ref = st.refs[0];
  if (ref) {
    reject(
      env,
      'unreleased-ref',
      `the ringbuf record reserved at insn ${ref.pc} (${ref.helper}) is neither submitted nor discarded on this path`,
    );
  }
  const r0 = st.regs[0]!;
  if (r0.type === 'not_init')
    reject(env, 'r0-unset', 'R0 is not set before exit: the program must return a value', [0]);
  const range = returnRange(env.opts.type);
  if (range) {
    if (r0.type !== 'scalar') {
      reject(env, 'bad-return', `R0 must be a number at exit, not ${typeName(r0)}`, [0]);
    }
    if (r0.v.smin < BigInt(range[0]) || r0.v.smax > BigInt(range[1])) {
      reject(
        env,
        'bad-return',
        `R0 at exit may be outside ${range[0]}..${range[1]}, the return values ${env.opts.type} programs allow`,
        [0],
      );
    }
  }
}

/**
 * step checks the instruction at pc in state st (which it may change) and returns where execution
 * continues: one or two successors, or none at exit.
 */
function step(env: Env, st: State, pc: number, subprogs: readonly number[]): Successor[] {
  const i = env.insns[pc]!;
  const cls = opClass(i.code);
  switch (cls) {
    case Class.ALU:
    case Class.ALU64:
      checkAlu(env, st, i);
      return [{ pc: pc + 1, st }];
    case Class.LDX:
      checkLdx(env, st, i);
      return [{ pc: pc + 1, st }];
    case Class.ST:
    case Class.STX:
      checkStore(env, st, i);
      return [{ pc: pc + 1, st }];
    case Class.LD:
      if (i.code === LD_IMM64) {
        checkLdImm64(env, st, i, env.insns[pc + 1]!);
        return [{ pc: pc + 2, st }];
      }
      checkLdAbs(env, st, i);
      return [{ pc: pc + 1, st }];
    default: {
      const op = opOp(i.code);
      if (op === JmpOp.EXIT) {
        if (st.callers.length) return [leaveCall(env, st, i)];
        checkExit(env, st, i);
        return [];
      }
      if (op === JmpOp.CALL && i.src === PseudoSrc.CALL) {
        if (opSource(i.code) !== Source.K || i.off !== 0 || i.dst !== 0) {
          reject(env, 'reserved-fields', 'BPF_CALL uses reserved fields');
        }
        return [enterCall(env, st, pc, pc + i.imm + 1, subprogs)];
      }
      if (op === JmpOp.CALL) {
        if (opSource(i.code) !== Source.K || i.off !== 0 || i.dst !== 0 || i.src !== 0) {
          reject(env, 'reserved-fields', 'BPF_CALL uses reserved fields');
        }
        checkCall(env, st, i.imm);
        return [{ pc: pc + 1, st }];
      }
      if (op === JmpOp.JA) {
        const long = cls === Class.JMP32;
        if (i.src !== 0 || i.dst !== 0 || (long ? i.off !== 0 : i.imm !== 0)) {
          reject(env, 'reserved-fields', 'BPF_JA uses reserved fields');
        }
        return [{ pc: jumpTarget(i, pc)!, st }];
      }
      return checkCondJump(env, st, i, pc);
    }
  }
}

function isJump(i: Insn): boolean {
  const cls = opClass(i.code);
  return (
    (cls === Class.JMP || cls === Class.JMP32) && opOp(i.code) !== JmpOp.CALL && opOp(i.code) !== JmpOp.EXIT
  );
}

function finish(cp: Checkpoint | null): void {
  while (cp) {
    cp.branches--;
    if (cp.branches > 0) return;
    cp = cp.parent;
  }
}

/** interpret explores every path; it throws Reject at the first unsafe instruction found. */
export function interpret(env: Env, onState?: (pc: number, st: State) => void): Stats {
  const { pruneAt, subprogs } = checkCfg(env.insns);
  // The imprecise-number shortcut is computed within one function; with calls every value counts.
  const needed = env.opts.pruneImprecise === false || subprogs.length > 1 ? undefined : neededSets(env.insns);
  // Like the kernel, resolve every map reference up front, reachable or not.
  for (let pc = 0; pc < env.insns.length; pc++) {
    const i = env.insns[pc]!;
    if (i.code === LD_IMM64) {
      env.pc = pc;
      if (i.src !== 0) findMap(env, i);
      pc++;
    }
  }
  const explored = new Map<number, Checkpoint[]>();
  const stats: Stats = { processed: 0, states: 0, peakPending: 0 };
  const pending: Pending[] = [{ pc: 0, st: initialState(), parent: null }];
  const uninitOk = env.opts.privileged;
  let jumps = 0;
  let lastJumps = 0;
  let lastProcessed = 0;
  while (pending.length) {
    let { pc, st, parent } = pending.pop()!;
    // A popped branch starts a new sequence: its first prune point may store a state at once.
    lastJumps = -2;
    lastProcessed = -8;
    for (;;) {
      env.pc = pc;
      if (++stats.processed > env.opts.maxInsns) {
        reject(
          env,
          'too-complex',
          `the program is too complex: more than ${env.opts.maxInsns} instructions processed`,
        );
      }
      if (pruneAt[pc]) {
        let list = explored.get(pc) ?? [];
        let pruned = false;
        for (const cp of list) {
          // Exploration is depth-first, so a checkpoint still being explored is on the current path:
          // reaching it again in the same state is a loop that cannot end.
          const done = cp.branches === 0;
          if (statesCover(cp.state, st, !done, uninitOk, needed?.[pc])) {
            if (!done) {
              reject(
                env,
                'infinite-loop',
                `infinite loop: the program returns to insn ${pc} in the same state`,
              );
            }
            cp.hits++;
            pruned = true;
            break;
          }
          cp.misses++;
        }
        if (pruned) {
          finish(parent);
          break;
        }
        // Like the kernel, forget states that keep failing to prune, so long loops stay linear.
        if (list.some((cp) => cp.misses > cp.hits * 3 + 3)) {
          list = list.filter((cp) => cp.misses <= cp.hits * 3 + 3);
        }
        explored.set(pc, list);
        // Like the kernel, keep a new state only after a few jumps and instructions since the last
        // one: tight loops then store one state every few iterations instead of every one.
        if (jumps - lastJumps >= 2 && stats.processed - lastProcessed >= 8) {
          const cp: Checkpoint = { state: cloneState(st), branches: 1, parent, hits: 0, misses: 0 };
          list.push(cp);
          parent = cp;
          stats.states++;
          lastJumps = jumps;
          lastProcessed = stats.processed;
        }
      }
      onState?.(pc, st);
      const next = step(env, st, pc, subprogs);
      if (isJump(env.insns[pc]!)) jumps++;
      if (next.length === 0) {
        finish(parent);
        break;
      }
      for (let k = 1; k < next.length; k++) {
        const n = next[k]!;
        pending.push({ pc: n.pc, st: n.st, parent });
        if (parent) parent.branches++;
      }
      if (pending.length > JMP_SEQ_LIMIT) {
        reject(env, 'too-complex', `the sequence of ${pending.length} pending branches is too complex`);
      }
      if (pending.length > stats.peakPending) stats.peakPending = pending.length;
      pc = next[0]!.pc;
      st = next[0]!.st;
    }
  }
  if (subprogs.length > 1) checkStackDepth(env, subprogs);
  return stats;
}
