// expressions: evaluate an expression into r0 or a stack buffer (operators, literals, ternaries,
// tuples, casts); the kinds with their own file (maps, builtins, calls, fields) are dispatched there.

import { r0, r1, r2, r3, r6, r10 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { cSizeOf } from '../check.js';
import { align8, arithSigned, byteSize, type CType, type Ty } from '../types.js';
import { builtin } from './builtins.js';
import { call } from './calls.js';
import { BPF_ANY, type Gen, R0, type Val } from './gen.js';
import { lookupScalar, mapKey, mapRead, update } from './map-ops.js';
import { ctxAddress, field, readMem } from './memory.js';

/** scalar evaluates an integer-like expression into r0. */
export function scalar(g: Gen, e: A.Expr): void {
  const v = expr(g, e);
  if (v.at !== 'r0') {
    // A string or record in a scalar context (a predicate on a pointer-like value): its first word.
    g.b.ldx('u64', r0, r10, v.off);
  }
}

export function expr(g: Gen, e: A.Expr): Val {
  g.mark(e.pos);
  const b = g.b;
  const t = g.ty(e);
  switch (e.kind) {
    case 'int':
      g.ldImm(r0, e.value);
      return R0;
    case 'str':
      return strConst(g, e.value, t.k === 'str' ? t.size : e.value.length + 1, e.pos);
    case 'param': {
      if (e.index < 0) {
        g.ldImm(r0, BigInt(g.checked.params.length));
        return R0;
      }
      const p = g.checked.params[e.index - 1];
      if (t.k === 'str') return strConst(g, p ?? '', t.size, e.pos);
      g.ldImm(r0, BigInt(p ?? '0'));
      return R0;
    }
    case 'var': {
      const slot = g.varSlots.get(e.name)!;
      if (
        slot.ty.k === 'int' ||
        slot.ty.k === 'ptr' ||
        slot.ty.k === 'ksym' ||
        slot.ty.k === 'probe' ||
        slot.ty.k === 'username' ||
        slot.ty.k === 'timestamp' ||
        slot.ty.k === 'record'
      ) {
        b.ldx('u64', r0, r10, slot.off);
        return R0;
      }
      return { at: 'stack', off: slot.off, size: align8(Math.max(byteSize(slot.ty), 8)) };
    }
    case 'map':
      return mapRead(g, e);
    case 'builtin':
      return builtin(g, e, t);
    case 'call':
      return call(g, e, t);
    case 'binary':
      return binary(g, e);
    case 'unary': {
      if (e.op === '*') {
        const ot = g.ty(e.operand);
        scalar(g, e.operand);
        if (ot.k !== 'ptr') {
          return readMem(
            g,
            r0,
            0,
            { kind: 'int', name: 'u64', size: 8, signed: false },
            g.defaultSpace(),
            e.pos,
          );
        }
        return readMem(g, r0, 0, ot.to, ot.space, e.pos);
      }
      scalar(g, e.operand);
      if (e.op === '!') g.boolify('JEQ', r0, 0);
      else if (e.op === '~') b.alu64('XOR', r0, -1);
      else if (e.op === '-') b.neg(r0);
      return R0;
    }
    case 'incdec':
      return incdec(g, e);
    case 'ternary': {
      const els = g.label('telse');
      const end = g.label('tend');
      if (t.k === 'str' || t.k === 'tuple') {
        const size = align8(byteSize(t));
        const buf = g.alloc(size, e.pos);
        scalar(g, e.cond);
        b.jmp('JEQ', r0, 0, els);
        const save = g.sp;
        g.store(expr(g, e.then), buf, size);
        g.sp = save;
        b.ja(end);
        b.label(els);
        g.store(expr(g, e.else), buf, size);
        g.sp = save;
        b.label(end);
        return { at: 'stack', off: buf, size };
      }
      scalar(g, e.cond);
      b.jmp('JEQ', r0, 0, els);
      scalar(g, e.then);
      b.ja(end);
      b.label(els);
      scalar(g, e.else);
      b.label(end);
      return R0;
    }
    case 'field':
      return field(g, e);
    case 'index': {
      const ot = g.ty(e.object);
      const tmp = g.alloc(8, e.pos);
      scalar(g, e.index);
      b.st('u64', r10, tmp, r0);
      let elem: CType;
      let space: 'kernel' | 'user';
      if (ot.k === 'ptr') {
        scalar(g, e.object);
        elem = ot.to;
        space = ot.space;
      } else if (ot.k === 'record' && ot.ctype.kind === 'array') {
        if (ot.space === 'ctx') {
          const a = ctxAddress(g, e.object);
          b.mov(r0, r6);
          b.add(r0, a);
        } else scalar(g, e.object);
        elem = ot.ctype.elem;
        space = ot.space === 'ctx' ? 'kernel' : ot.space;
      } else throw g.err(e.pos, 'cannot index this value');
      b.ldx('u64', r1, r10, tmp);
      b.mul(r1, cSizeOf(elem));
      b.add(r0, r1);
      return readMem(g, r0, 0, elem, space, e.pos);
    }
    case 'cast': {
      scalar(g, e.operand);
      if (t.k === 'int' && t.size < 8) g.truncate(t.size, t.signed);
      return R0;
    }
    case 'tuple': {
      const size = align8(byteSize(t));
      const buf = g.alloc(size, e.pos);
      g.zero(buf, size);
      let off = 0;
      e.elems.forEach((x) => {
        const et = g.ty(x);
        const esize = align8(Math.max(byteSize(et), 8));
        const save = g.sp;
        g.store(expr(g, x), buf + off, esize);
        g.sp = save;
        off += esize;
      });
      return { at: 'stack', off: buf, size };
    }
    case 'sizeof':
      g.ldImm(r0, g.v.consts.get(e) ?? 8n);
      return R0;
  }
}

export function strConst(g: Gen, s: string, size: number, pos: number): Val {
  const bytes = Buffer.from(s);
  const n = align8(Math.max(size, bytes.length + 1));
  const off = g.alloc(n, pos);
  const padded = Buffer.alloc(n);
  bytes.copy(padded, 0, 0, Math.min(bytes.length, n - 1));
  for (let i = 0; i < n; i += 4) g.b.st('u32', r10, off + i, padded.readInt32LE(i));
  return { at: 'stack', off, size: n };
}

export function binary(g: Gen, e: A.Binary): Val {
  const b = g.b;
  const lt = g.ty(e.left);
  const rt = g.ty(e.right);
  if (e.op === '&&' || e.op === '||') {
    const end = g.label('logic');
    scalar(g, e.left);
    g.boolify('JNE', r0, 0);
    b.jmp(e.op === '&&' ? 'JEQ' : 'JNE', r0, 0, end);
    scalar(g, e.right);
    g.boolify('JNE', r0, 0);
    b.label(end);
    return R0;
  }
  if (lt.k === 'bytes') return bytesEq(g, e, lt.size);
  if (rt.k === 'bytes') return bytesEq(g, e, rt.size);
  if (lt.k === 'str' && rt.k === 'str') return strEq(g, e);
  const tmp = g.alloc(8, e.pos);
  scalar(g, e.left);
  b.st('u64', r10, tmp, r0);
  scalar(g, e.right);
  b.mov(r1, r0);
  b.ldx('u64', r0, r10, tmp);
  binop(g, e.op, lt, rt);
  return R0;
}

/** binop computes r0 = r0 op r1. */
export function binop(g: Gen, op: A.BinaryOp, lt: Ty, rt: Ty): void {
  const b = g.b;
  const signed = arithSigned(lt, rt);
  switch (op) {
    case '+':
      b.add(r0, r1);
      return;
    case '-':
      b.sub(r0, r1);
      return;
    case '*':
      b.mul(r0, r1);
      return;
    case '/':
    case '%': {
      // Division by zero gives 0 in BPF; that is what the script sees too.
      if (signed) {
        if (op === '/') b.sdiv(r0, r1);
        else b.smod(r0, r1);
      } else b.alu64(op === '/' ? 'DIV' : 'MOD', r0, r1);
      return;
    }
    case '&':
      b.and(r0, r1);
      return;
    case '|':
      b.or(r0, r1);
      return;
    case '^':
      b.alu64('XOR', r0, r1);
      return;
    case '<<':
      b.lsh(r0, r1);
      return;
    case '>>':
      // A shift keeps its left operand's type (no usual arithmetic conversions).
      if (lt.k === 'int' && lt.signed) b.alu64('ARSH', r0, r1);
      else b.rsh(r0, r1);
      return;
    case '==':
      g.boolify('JEQ', r0, r1);
      return;
    case '!=':
      g.boolify('JNE', r0, r1);
      return;
    case '<':
      g.boolify(signed ? 'JSLT' : 'JLT', r0, r1);
      return;
    case '<=':
      g.boolify(signed ? 'JSLE' : 'JLE', r0, r1);
      return;
    case '>':
      g.boolify(signed ? 'JSGT' : 'JGT', r0, r1);
      return;
    case '>=':
      g.boolify(signed ? 'JSGE' : 'JGE', r0, r1);
      return;
    default:
      throw new Error(`binop ${op}`);
  }
}

/** strEq compares two zero-padded strings a word at a time, up to the shorter buffer. */
export function strEq(g: Gen, e: A.Binary): Val {
  const l = expr(g, e.left);
  if (l.at !== 'stack') throw g.err(e.left.pos, 'internal error: string in a register');
  const r = expr(g, e.right);
  if (r.at !== 'stack') throw g.err(e.right.pos, 'internal error: string in a register');
  return stackEq(g, e.op, l.off, r.off, Math.min(align8(l.size), align8(r.size)), 'u64');
}

/**
 * stackEq sets r0 to whether `n` bytes at two stack offsets are equal (`==`) or differ (`!=`),
 * compared a `width` at a time.
 */
function stackEq(g: Gen, op: A.BinaryOp, l: number, r: number, n: number, width: 'u64' | 'u8'): Val {
  const b = g.b;
  const step = width === 'u64' ? 8 : 1;
  const differ = g.label('sne');
  const end = g.label('seq');
  for (let i = 0; i < n; i += step) {
    b.ldx(width, r1, r10, l + i);
    b.ldx(width, r2, r10, r + i);
    b.jmp('JNE', r1, r2, differ);
  }
  b.mov(r0, op === '==' ? 1 : 0);
  b.ja(end);
  b.label(differ);
  b.mov(r0, op === '==' ? 0 : 1);
  b.label(end);
  return R0;
}

export function incdec(g: Gen, e: A.IncDec): Val {
  const b = g.b;
  const delta = e.op === '++' ? 1 : -1;
  if (e.target.kind === 'var') {
    const slot = g.varSlots.get(e.target.name)!;
    b.ldx('u64', r0, r10, slot.off);
    b.mov(r1, r0);
    b.add(r1, delta);
    b.st('u64', r10, slot.off, r1);
    if (e.prefix) b.mov(r0, r1);
    return R0;
  }
  const layout = g.mapsByName.get(e.target.name)!;
  const key = mapKey(g, e.target, layout);
  const tmp = g.alloc(16, e.pos);
  lookupScalar(g, layout, key);
  b.st('u64', r10, tmp + 8, r0);
  b.add(r0, delta);
  b.st('u64', r10, tmp, r0);
  update(g, layout, key, tmp, BPF_ANY);
  b.ldx('u64', r0, r10, e.prefix ? tmp : tmp + 8);
  return R0;
}

/** bytesEq compares pton()'s bytes with another array byte by byte: NULs are data here, not ends. */
function bytesEq(g: Gen, e: A.Binary, size: number): Val {
  const l = onStack(g, e.left, size);
  const r = onStack(g, e.right, size);
  return stackEq(g, e.op, l, r, size, 'u8');
}

/** onStack evaluates an array to stack bytes: a value already there, or `size` bytes read from its address. */
function onStack(g: Gen, x: A.Expr, size: number): number {
  const b = g.b;
  const t = g.ty(x);
  const v = expr(g, x);
  if (v.at === 'stack') return v.off;
  const buf = g.alloc(align8(size), x.pos);
  b.mov(r3, r0);
  g.stackPtr(r1, buf);
  b.mov(r2, size);
  b.call(t.k === 'record' && t.space === 'user' ? 'probe_read_user' : 'probe_read_kernel');
  return buf;
}
