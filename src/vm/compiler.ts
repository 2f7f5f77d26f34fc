// compile: the fast tier — translates a whole program into one JavaScript function (a `switch` over
// basic blocks inside a loop), with each 64-bit register held as two int32 locals (hi, lo) so V8 can
// keep them in machine registers. The budget is charged once per block; memory accesses are checked
// inline against the region table (r10-relative ones inside the frame at compile time). Signed and
// wide 64-bit division, map loads and helpers go through the runtime functions below.

import { AluOp, AtomicOp, Class, JmpOp, Mode, PseudoSrc, Source } from '../asm/opcodes.js';
import { JCOND, LOAD_ACQ, STORE_REL } from '../asm/syntax.js';
import { VmError } from './errors.js';
import { mapLookup } from './helpers.js';
import { alu, type RunState } from './interpreter.js';
import { addressOf } from './memory.js';
import { FRAME_STACK_SIZE, FUNC_PTR_HI, MAX_CALL_FRAMES, MAY_GOTO_LOOPS, type VmProgram } from './program.js';
import { MAP_PTR_HI, type Runtime, Stop } from './runtime.js';

const MAP_PTR_HI_32 = MAP_PTR_HI | 0;

/** CompiledProgram runs one invocation; it returns r0 and leaves the remaining budget in state. */
export type CompiledProgram = (state: RunState) => bigint;

// W carries a 64-bit result (hi, lo) out of a runtime function without allocating.
const W = new Int32Array(2);
const big = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
const split = (v: bigint): void => {
  W[0] = Number((v >> 32n) & 0xffffffffn) | 0;
  W[1] = Number(v & 0xffffffffn) | 0;
};

function umulhi(a: number, b: number): number {
  const a1 = a >>> 16;
  const a0 = a & 0xffff;
  const b1 = b >>> 16;
  const b0 = b & 0xffff;
  const lo = a0 * b0;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const carry = ((lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff)) >>> 16;
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + carry) | 0;
}

const SIZES = [4, 2, 1, 8] as const;

/** RT is what generated code calls for the rare and complex operations. */
const RT = {
  W,
  big,
  umulhi,
  alu64(op: number, off: number, ah: number, al: number, bh: number, bl: number): void {
    split(alu(op, off, big(ah, al), big(bh, bl), 64));
  },
  oob(rt: Runtime, pc: number, h: number, l: number, off: number, size: number, write: boolean): VmError {
    return rt.memory.fault(big(h, l), off, size, write, pc);
  },
  budget(pc: number): VmError {
    return new VmError('budget', pc, 'instruction budget exhausted (is there an endless loop?)');
  },
  fellOff(pc: number): VmError {
    return new VmError('fell-off-end', pc, 'execution ran past the last instruction');
  },
  badTarget(pc: number): VmError {
    return new VmError('invalid-instruction', pc, 'callx target is not the start of a function');
  },
  depth(pc: number): VmError {
    return new VmError('call-depth', pc, `bpf-to-bpf calls nest deeper than ${MAX_CALL_FRAMES} frames`);
  },
  // Ten numbers rather than an array: the generated code calls this in hot loops.
  // biome-ignore format: one line per register pair would hide the shape
  call(rt: Runtime, id: number, pc: number, h1: number, l1: number, h2: number, l2: number, h3: number, l3: number, h4: number, l4: number, h5: number, l5: number): void {
    const helper = rt.helpers.get(id);
    if (!helper) throw new VmError('unknown-helper', pc, `unknown helper ${id}`);
    if (helper === mapLookup && RT.lookup(rt, h1, l1, h2, l2)) return;
    split(helper(rt, big(h1, l1), big(h2, l2), big(h3, l3), big(h4, l4), big(h5, l5), pc));
  },
  /**
   * lookup is bpf_map_lookup_elem without BigInts, for well-formed arguments; it returns false to let
   * the generic path report anything unusual.
   */
  lookup(rt: Runtime, h1: number, l1: number, h2: number, l2: number): boolean {
    const map = h1 === MAP_PTR_HI_32 ? rt.maps.get(l1 >>> 0) : undefined;
    const region = rt.memory.region(h2);
    const offset = l2 >>> 0;
    if (!map || !region || offset + map.spec.keySize > region.len) return false;
    const value = map.lookup(region.bytes.subarray(offset, offset + map.spec.keySize));
    W[0] = value ? rt.memory.regionFor(map.valueName, value).hi : 0;
    W[1] = 0;
    return true;
  },
  ldMap(rt: Runtime, src: number, fd: number, offset: number, pc: number): void {
    const map = rt.maps.get(fd);
    if (!map) throw new VmError('unknown-map', pc, `lddw names map fd ${fd}, which the vm was not given`);
    if (src === PseudoSrc.MAP_FD) {
      W[0] = MAP_PTR_HI_32;
      W[1] = fd;
      return;
    }
    const value = map.isArray ? map.lookup(new Uint8Array(Math.max(4, map.spec.keySize))) : undefined;
    if (!value)
      throw new VmError('unknown-map', pc, `direct value access needs an array map, ${map.name} is not`);
    split(addressOf(rt.memory.regionFor(map.valueName, value), offset >>> 0));
  },
  stopped(rt: Runtime, h0: number, l0: number): bigint {
    return rt.stop === Stop.Unwind ? 0n : big(h0, l0);
  },
  FUNC_PTR_HI: FUNC_PTR_HI | 0,
};

/** leaders returns the slot indexes that start a basic block. */
function leaders(p: VmProgram): Set<number> {
  const insns = p.insns;
  const out = new Set<number>([0]);
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    const cls = i.code & 7;
    const op = i.code & 0xf0;
    if (i.code === (Class.LD | 0x18)) {
      if (i.src === PseudoSrc.FUNC) out.add(pc + 1 + i.imm);
      pc++;
      continue;
    }
    if (cls !== Class.JMP && cls !== Class.JMP32) continue;
    out.add(pc + 1);
    if (op === JmpOp.CALL) {
      if (i.src === PseudoSrc.CALL && !(i.code & Source.X)) out.add(pc + 1 + i.imm);
    } else if (op === JmpOp.JA) out.add(pc + 1 + (cls === Class.JMP ? i.off : i.imm));
    else if (op !== JmpOp.EXIT) out.add(pc + 1 + i.off);
  }
  return out;
}

const bswap32 = (x: string): string =>
  `(((${x} & 0xff) << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;

/** generate emits the JavaScript body of a compiled program. */
function generate(p: VmProgram): string {
  const insns = p.insns;
  const lead = leaders(p);
  const out: string[] = [];
  const emit = (s: string): void => {
    out.push(s);
  };
  emit('const rt = state.rt; const regions = rt.memory.regions; const W = RT.W;');
  emit(
    'let l0 = 0, h0 = 0, l3 = 0, h3 = 0, l4 = 0, h4 = 0, l5 = 0, h5 = 0, l6 = 0, h6 = 0, l7 = 0, h7 = 0, l8 = 0, h8 = 0, l9 = 0, h9 = 0;',
  );
  emit('let l1 = Number(state.r1 & 0xffffffffn) | 0, h1 = Number(state.r1 >> 32n) | 0;');
  emit('let l2 = Number(state.r2 & 0xffffffffn) | 0, h2 = Number(state.r2 >> 32n) | 0;');
  // G10 is the current frame's stack region: r10 is read-only, so r10-relative accesses with a
  // constant offset inside the frame need no run-time check.
  emit(`const S = state.stackHi; let l10 = ${FRAME_STACK_SIZE}, h10 = S[0], G10 = regions[h10 - 1];`);
  emit(
    `let budget = state.budget, pc = 0, t = 0, c = 0, g = undefined, fp = 0, ol = 0, oh = 0, nl = 0, nh = 0, mg = ${MAY_GOTO_LOOPS}; const F = new Int32Array(${MAX_CALL_FRAMES * 11});`,
  );
  emit('for (;;) { switch (pc) {');
  emit('default: throw RT.badTarget(pc);');

  const blockLen = (start: number): number => {
    let n = 0;
    for (let pc = start; pc < insns.length; pc++) {
      if (pc !== start && lead.has(pc)) break;
      n++;
      if (insns[pc]!.code === (Class.LD | 0x18)) pc++;
    }
    return n;
  };
  const save = 'state.budget = budget;';
  const helperArgs = 'h1, l1, h2, l2, h3, l3, h4, l4, h5, l5';
  const callHelper = (pc: number, id: string): string =>
    `${save} RT.call(rt, ${id}, ${pc}, ${helperArgs}); h0 = W[0]; l0 = W[1]; if (rt.stop !== 0) return RT.stopped(rt, h0, l0);`;
  const pushFrame = (pc: number): string =>
    `if (fp >= ${MAX_CALL_FRAMES - 1}) throw RT.depth(${pc}); t = fp * 11; F[t] = ${pc + 1}; F[t+1] = h6; F[t+2] = l6; F[t+3] = h7; F[t+4] = l7; F[t+5] = h8; F[t+6] = l8; F[t+7] = h9; F[t+8] = l9; F[t+9] = h10; F[t+10] = l10; fp++; h10 = S[fp]; l10 = ${FRAME_STACK_SIZE}; G10 = regions[h10 - 1];`;

  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc]!;
    if (lead.has(pc)) emit(`case ${pc}: if ((budget -= ${blockLen(pc)}) < 0) throw RT.budget(${pc});`);
    const cls = i.code & 7;
    const op = i.code & 0xf0;
    const x = (i.code & Source.X) !== 0;
    const d = i.dst;
    const lD = `l${d}`;
    const hD = `h${d}`;
    const bl = x ? `l${i.src}` : `(${i.imm})`;
    const bh = x ? `h${i.src}` : `(${i.imm < 0 ? -1 : 0})`;
    const size = SIZES[(i.code >> 3) & 3]!;
    const access = (reg: number, write: boolean): string =>
      reg === 10 && i.off >= -FRAME_STACK_SIZE && i.off + size <= 0
        ? `t = ${FRAME_STACK_SIZE + i.off}; g = G10;`
        : `t = (l${reg} >>> 0) + (${i.off}); g = regions[h${reg} - 1]; if (g === undefined || t < 0 || t + ${size} > g.len${write ? ' || !g.writable' : ''}) throw RT.oob(rt, ${pc}, h${reg}, l${reg}, ${i.off}, ${size}, ${write});`;
    // emitLoad loads [src + off] into dst (LDX, and load-acquire, which is the same in one thread).
    const emitLoad = (sx: boolean): void => {
      emit(access(i.src, false));
      if (size === 1) {
        emit(
          sx ? `${lD} = (g.bytes[t] << 24) >> 24; ${hD} = ${lD} >> 31;` : `${lD} = g.bytes[t]; ${hD} = 0;`,
        );
      } else if (size === 2) {
        emit(`${lD} = g.view.get${sx ? 'Int16' : 'Uint16'}(t, true); ${hD} = ${sx ? `${lD} >> 31` : '0'};`);
      } else if (size === 4) emit(`${lD} = g.view.getInt32(t, true); ${hD} = ${sx ? `${lD} >> 31` : '0'};`);
      else emit(`${lD} = g.view.getInt32(t, true); ${hD} = g.view.getInt32(t + 4, true);`);
    };
    const storeValue = (vl: string, vh: string): string => {
      if (size === 1) return `g.bytes[t] = ${vl};`;
      if (size === 2) return `g.view.setInt16(t, ${vl}, true);`;
      if (size === 4) return `g.view.setInt32(t, ${vl}, true);`;
      return `g.view.setInt32(t, ${vl}, true); g.view.setInt32(t + 4, ${vh}, true);`;
    };
    switch (cls) {
      case Class.ALU64: {
        switch (op) {
          case AluOp.MOV:
            if (i.off === 0) emit(`${lD} = ${bl}; ${hD} = ${bh};`);
            else if (i.off === 32) emit(`${lD} = ${bl}; ${hD} = ${lD} >> 31;`);
            else emit(`${lD} = (${bl} << ${32 - i.off}) >> ${32 - i.off}; ${hD} = ${lD} >> 31;`);
            break;
          case AluOp.ADD:
            emit(
              `t = (${lD} >>> 0) + (${bl} >>> 0); ${hD} = (${hD} + ${bh} + (t > 4294967295 ? 1 : 0)) | 0; ${lD} = t | 0;`,
            );
            break;
          case AluOp.SUB:
            emit(
              `t = (${lD} >>> 0) - (${bl} >>> 0); ${hD} = (${hD} - ${bh} - (t < 0 ? 1 : 0)) | 0; ${lD} = t | 0;`,
            );
            break;
          case AluOp.MUL:
            emit(
              `t = Math.imul(${lD}, ${bl}); ${hD} = (RT.umulhi(${lD}, ${bl}) + Math.imul(${lD}, ${bh}) + Math.imul(${hD}, ${bl})) | 0; ${lD} = t;`,
            );
            break;
          case AluOp.DIV:
          case AluOp.MOD: {
            const slow = `RT.alu64(${op}, ${i.off}, ${hD}, ${lD}, ${bh}, ${bl}); ${hD} = W[0]; ${lD} = W[1];`;
            if (i.off === 0) {
              const fast =
                op === AluOp.DIV
                  ? `${lD} = ${bl} === 0 ? 0 : ((${lD} >>> 0) / (${bl} >>> 0)) | 0;`
                  : `if (${bl} !== 0) ${lD} = ((${lD} >>> 0) % (${bl} >>> 0)) | 0;`;
              emit(`if (${hD} === 0 && ${bh} === 0) { ${fast} } else { ${slow} }`);
            } else emit(slow);
            break;
          }
          case AluOp.OR:
            emit(`${lD} |= ${bl}; ${hD} |= ${bh};`);
            break;
          case AluOp.AND:
            emit(`${lD} &= ${bl}; ${hD} &= ${bh};`);
            break;
          case AluOp.XOR:
            emit(`${lD} ^= ${bl}; ${hD} ^= ${bh};`);
            break;
          case AluOp.NEG:
            emit(`t = ${lD}; ${lD} = (-${lD}) | 0; ${hD} = (~${hD} + (t === 0 ? 1 : 0)) | 0;`);
            break;
          case AluOp.LSH:
          case AluOp.RSH:
          case AluOp.ARSH: {
            const shift = (n: string, small: boolean): string => {
              if (op === AluOp.LSH) {
                return small
                  ? `${hD} = (${hD} << ${n}) | (${lD} >>> (32 - ${n})); ${lD} = ${lD} << ${n};`
                  : `${hD} = ${lD} << (${n} - 32); ${lD} = 0;`;
              }
              if (op === AluOp.RSH) {
                return small
                  ? `${lD} = (${lD} >>> ${n}) | (${hD} << (32 - ${n})); ${hD} = (${hD} >>> ${n}) | 0;`
                  : `${lD} = (${hD} >>> (${n} - 32)) | 0; ${hD} = 0;`;
              }
              return small
                ? `${lD} = (${lD} >>> ${n}) | (${hD} << (32 - ${n})); ${hD} = ${hD} >> ${n};`
                : `${lD} = ${hD} >> (${n} - 32); ${hD} = ${hD} >> 31;`;
            };
            if (!x) {
              const n = i.imm & 63;
              if (n !== 0) emit(shift(String(n), n < 32));
            } else {
              emit(
                `c = ${bl} & 63; if (c !== 0) { if (c < 32) { ${shift('c', true)} } else { ${shift('c', false)} } }`,
              );
            }
            break;
          }
          case AluOp.END:
            if (i.imm === 16) emit(`${lD} = ((${lD} & 0xff) << 8) | ((${lD} >>> 8) & 0xff); ${hD} = 0;`);
            else if (i.imm === 32) emit(`${lD} = ${bswap32(lD)}; ${hD} = 0;`);
            else emit(`t = ${bswap32(lD)}; ${lD} = ${bswap32(hD)}; ${hD} = t;`);
            break;
          default:
            throw new Error(`bpfkit bug: unhandled alu64 op 0x${op.toString(16)}`);
        }
        break;
      }
      case Class.ALU: {
        switch (op) {
          case AluOp.MOV:
            if (i.off === 0) emit(`${lD} = ${bl};`);
            else emit(`${lD} = (${bl} << ${32 - i.off}) >> ${32 - i.off};`);
            break;
          case AluOp.ADD:
            emit(`${lD} = (${lD} + ${bl}) | 0;`);
            break;
          case AluOp.SUB:
            emit(`${lD} = (${lD} - ${bl}) | 0;`);
            break;
          case AluOp.MUL:
            emit(`${lD} = Math.imul(${lD}, ${bl});`);
            break;
          case AluOp.DIV:
            if (i.off === 0) emit(`${lD} = ${bl} === 0 ? 0 : ((${lD} >>> 0) / (${bl} >>> 0)) | 0;`);
            else emit(`${lD} = ${bl} === 0 ? 0 : (${lD} / ${bl}) | 0;`);
            break;
          case AluOp.MOD:
            if (i.off === 0) emit(`if (${bl} !== 0) ${lD} = ((${lD} >>> 0) % (${bl} >>> 0)) | 0;`);
            else emit(`if (${bl} !== 0) ${lD} = (${lD} % ${bl}) | 0;`);
            break;
          case AluOp.OR:
            emit(`${lD} |= ${bl};`);
            break;
          case AluOp.AND:
            emit(`${lD} &= ${bl};`);
            break;
          case AluOp.XOR:
            emit(`${lD} ^= ${bl};`);
            break;
          case AluOp.LSH:
            emit(`${lD} = ${lD} << (${bl} & 31);`);
            break;
          case AluOp.RSH:
            emit(`${lD} = (${lD} >>> (${bl} & 31)) | 0;`);
            break;
          case AluOp.ARSH:
            emit(`${lD} = ${lD} >> (${bl} & 31);`);
            break;
          case AluOp.NEG:
            emit(`${lD} = (-${lD}) | 0;`);
            break;
          case AluOp.END:
            if (x) {
              if (i.imm === 16) emit(`${lD} = ((${lD} & 0xff) << 8) | ((${lD} >>> 8) & 0xff); ${hD} = 0;`);
              else if (i.imm === 32) emit(`${lD} = ${bswap32(lD)}; ${hD} = 0;`);
              else emit(`t = ${bswap32(lD)}; ${lD} = ${bswap32(hD)}; ${hD} = t;`);
            } else if (i.imm === 16) emit(`${lD} &= 0xffff; ${hD} = 0;`);
            else if (i.imm === 32) emit(`${hD} = 0;`);
            continue;
          default:
            throw new Error(`bpfkit bug: unhandled alu op 0x${op.toString(16)}`);
        }
        emit(`${hD} = 0;`);
        break;
      }
      case Class.JMP:
      case Class.JMP32: {
        if (op === JmpOp.EXIT) {
          emit(
            `if (fp === 0) { ${save} return RT.big(h0, l0); } fp--; t = fp * 11; pc = F[t]; h6 = F[t+1]; l6 = F[t+2]; h7 = F[t+3]; l7 = F[t+4]; h8 = F[t+5]; l8 = F[t+6]; h9 = F[t+7]; l9 = F[t+8]; h10 = F[t+9]; l10 = F[t+10]; G10 = regions[h10 - 1]; continue;`,
          );
        } else if (op === JmpOp.CALL) {
          if (x) {
            emit(
              `if (${hD} === RT.FUNC_PTR_HI) { if (!state.program.functions.has(${lD})) throw RT.badTarget(${pc}); ${pushFrame(pc)} pc = ${lD}; continue; } ${callHelper(pc, `(${lD} >>> 0)`)}`,
            );
          } else if (i.src === PseudoSrc.CALL) {
            emit(`${pushFrame(pc)} pc = ${pc + 1 + i.imm}; continue;`);
          } else emit(callHelper(pc, String(i.imm)));
        } else if (op === JmpOp.JA) {
          emit(`pc = ${pc + 1 + (cls === Class.JMP ? i.off : i.imm)}; continue;`);
        } else if (op === JCOND) {
          emit(`if (mg === 0) { pc = ${pc + 1 + i.off}; continue; } mg--;`);
        } else {
          const lA = lD;
          const hA = hD;
          const lB = x ? `l${i.src}` : `(${i.imm})`;
          const hB = x ? `h${i.src}` : `(${i.imm < 0 ? -1 : 0})`;
          const u = (a: string): string => `(${a} >>> 0)`;
          let cond: string;
          if (cls === Class.JMP32) {
            const ops: Record<number, string> = {
              [JmpOp.JEQ]: `${lA} === ${lB}`,
              [JmpOp.JNE]: `${lA} !== ${lB}`,
              [JmpOp.JGT]: `${u(lA)} > ${u(lB)}`,
              [JmpOp.JGE]: `${u(lA)} >= ${u(lB)}`,
              [JmpOp.JLT]: `${u(lA)} < ${u(lB)}`,
              [JmpOp.JLE]: `${u(lA)} <= ${u(lB)}`,
              [JmpOp.JSET]: `(${lA} & ${lB}) !== 0`,
              [JmpOp.JSGT]: `${lA} > ${lB}`,
              [JmpOp.JSGE]: `${lA} >= ${lB}`,
              [JmpOp.JSLT]: `${lA} < ${lB}`,
              [JmpOp.JSLE]: `${lA} <= ${lB}`,
            };
            cond = ops[op]!;
          } else {
            const cmp = (uop: string, signed: boolean): string =>
              signed
                ? `(${hA} ${uop[0]} ${hB} || (${hA} === ${hB} && ${u(lA)} ${uop} ${u(lB)}))`
                : `(${u(hA)} ${uop[0]} ${u(hB)} || (${hA} === ${hB} && ${u(lA)} ${uop} ${u(lB)}))`;
            const ops: Record<number, string> = {
              [JmpOp.JEQ]: `${lA} === ${lB} && ${hA} === ${hB}`,
              [JmpOp.JNE]: `${lA} !== ${lB} || ${hA} !== ${hB}`,
              [JmpOp.JGT]: cmp('>', false),
              [JmpOp.JGE]: cmp('>=', false),
              [JmpOp.JLT]: cmp('<', false),
              [JmpOp.JLE]: cmp('<=', false),
              [JmpOp.JSET]: `(${lA} & ${lB}) !== 0 || (${hA} & ${hB}) !== 0`,
              [JmpOp.JSGT]: cmp('>', true),
              [JmpOp.JSGE]: cmp('>=', true),
              [JmpOp.JSLT]: cmp('<', true),
              [JmpOp.JSLE]: cmp('<=', true),
            };
            cond = ops[op]!;
          }
          emit(`if (${cond}) { pc = ${pc + 1 + i.off}; continue; }`);
        }
        break;
      }
      case Class.LD: {
        const next = insns[pc + 1]!;
        if (i.src === 0) emit(`${lD} = ${i.imm}; ${hD} = ${next.imm};`);
        else if (i.src === PseudoSrc.FUNC) emit(`${lD} = ${pc + 1 + i.imm}; ${hD} = RT.FUNC_PTR_HI;`);
        else emit(`RT.ldMap(rt, ${i.src}, ${i.imm}, ${next.imm}, ${pc}); ${hD} = W[0]; ${lD} = W[1];`);
        pc++;
        break;
      }
      case Class.LDX: {
        emitLoad((i.code & 0xe0) === Mode.MEMSX);
        break;
      }
      case Class.ST:
        emit(access(d, true));
        emit(storeValue(`(${i.imm})`, `(${i.imm < 0 ? -1 : 0})`));
        break;
      default: {
        if ((i.code & 0xe0) === Mode.MEM || i.imm === STORE_REL) {
          emit(access(d, true));
          emit(storeValue(`l${i.src}`, `h${i.src}`));
          break;
        }
        if (i.imm === LOAD_ACQ) {
          emitLoad(false);
          break;
        }
        // Atomics run alone in JavaScript, so a read-modify-write is simply a load and a store.
        const wide = size === 8;
        const sl = `l${i.src}`;
        const sh = wide ? `h${i.src}` : '0';
        emit(access(d, true));
        emit(`ol = g.view.getInt32(t, true); oh = ${wide ? 'g.view.getInt32(t + 4, true)' : '0'};`);
        const op = i.imm & ~AtomicOp.FETCH;
        let update: string;
        if (i.imm === AtomicOp.CMPXCHG) {
          update = `if (ol === l0${wide ? ' && oh === h0' : ''}) { nl = ${sl}; nh = ${sh}; } else { nl = ol; nh = oh; }`;
        } else if (i.imm === AtomicOp.XCHG) update = `nl = ${sl}; nh = ${sh};`;
        else if (op === AtomicOp.ADD) {
          update = `c = (ol >>> 0) + (${sl} >>> 0); nh = (oh + ${sh} + (c > 4294967295 ? 1 : 0)) | 0; nl = c | 0;`;
        } else {
          const sym = op === AtomicOp.OR ? '|' : op === AtomicOp.AND ? '&' : '^';
          update = `nl = ol ${sym} ${sl}; nh = oh ${sym} ${sh};`;
        }
        emit(update);
        emit(`g.view.setInt32(t, nl, true);${wide ? ' g.view.setInt32(t + 4, nh, true);' : ''}`);
        if (i.imm === AtomicOp.CMPXCHG) emit('l0 = ol; h0 = oh;');
        else if (i.imm & AtomicOp.FETCH) emit(`l${i.src} = ol; h${i.src} = oh;`);
      }
    }
  }
  emit(`throw RT.fellOff(${insns.length});`);
  emit('} }');
  return out.join('\n');
}

/** compile returns (and caches on the program) the JavaScript function that runs it. */
export function compile(program: VmProgram): CompiledProgram {
  if (typeof program.compiled === 'function') return program.compiled as CompiledProgram;
  const body = generate(program);
  // The generated source is built only from validated instruction fields (numbers), never from text.
  const factory = new Function('RT', `return function bpf_${program.insns.length}(state) {\n${body}\n};`) as (
    rt: typeof RT,
  ) => CompiledProgram;
  const fn = factory(RT);
  program.compiled = fn;
  return fn;
}

/** compiledSource returns the generated JavaScript, for debugging the compiled tier. */
export function compiledSource(program: VmProgram): string {
  return generate(program);
}
