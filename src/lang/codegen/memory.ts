// memory: field and element reads — from the tracepoint context directly, else with probe_read.

import { type Reg, r0, r1, r2, r3, r6, r10 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { findMember } from '../check.js';
import { align8, byteSize, type CType, type Ty } from '../types.js';
import { expr, scalar } from './expressions.js';
import { type Gen, R0, type Val } from './gen.js';

/** ctxAddress is the offset inside the context of a field path rooted at `args`. */
export function ctxAddress(g: Gen, e: A.Expr): number {
  if (e.kind === 'builtin' && e.name === 'args') return 0;
  if (e.kind === 'field') {
    const ot = g.ty(e.object);
    if (ot.k === 'record' && ot.ctype.kind === 'struct') {
      const m = findMember(ot.ctype, e.field)!;
      return ctxAddress(g, e.object) + m.offset;
    }
  }
  throw g.err(e.pos, 'this context access is not supported');
}

export function field(g: Gen, e: A.FieldAccess): Val {
  const b = g.b;
  const ot = g.ty(e.object);
  if (ot.k === 'tuple') {
    const v = expr(g, e.object);
    if (v.at !== 'stack') throw g.err(e.pos, 'internal error: tuple in a register');
    const i = Number(e.field);
    let off = 0;
    for (let k = 0; k < i; k++) off += align8(Math.max(byteSize(ot.elems[k]!), 8));
    const et = ot.elems[i]!;
    if (et.k === 'int') {
      b.ldx('u64', r0, r10, v.off + off);
      return R0;
    }
    return { at: 'stack', off: v.off + off, size: align8(byteSize(et)) };
  }
  const ctype = ot.k === 'ptr' ? ot.to : (ot as Extract<Ty, { k: 'record' }>).ctype;
  const m = findMember(ctype, e.field)!;
  if (ot.k === 'record' && ot.space === 'ctx') {
    const off = ctxAddress(g, e.object) + m.offset;
    return readCtx(g, off, m.type, e.pos, m);
  }
  scalar(g, e.object);
  const space = ot.k === 'ptr' ? ot.space : (ot as { space: 'kernel' | 'user' }).space;
  return readMem(g, r0, m.offset, m.type, space, e.pos, m);
}

/** readCtx reads a tracepoint field straight from the context, as the verifier requires. */
export function readCtx(
  g: Gen,
  off: number,
  c: CType,
  pos: number,
  m?: { bitSize: number; bitOffset: number; offset: number },
): Val {
  const b = g.b;
  if (c.kind === 'int' || c.kind === 'ptr') {
    const size = c.kind === 'int' ? c.size : 8;
    b.ldx(widthOf(size), r0, r6, off);
    if (c.kind === 'int' && c.signed && size < 8) g.truncate(size, true);
    if (m?.bitSize) bitfield(g, m);
    return R0;
  }
  if (c.kind === 'dataloc') {
    b.ldx('u32', r3, r6, off);
    b.and(r3, 0xffff);
    b.add(r3, r6);
    const buf = g.alloc(64, pos);
    g.zero(buf, 64);
    g.stackPtr(r1, buf);
    b.mov(r2, 64);
    b.call('probe_read_kernel_str');
    return { at: 'stack', off: buf, size: 64 };
  }
  if (c.kind === 'array' && c.elem.kind === 'int' && c.elem.size === 1) {
    const size = align8(c.len);
    const buf = g.alloc(size, pos);
    g.zero(buf, size);
    g.stackPtr(r1, buf);
    b.mov(r2, c.len);
    b.mov(r3, r6);
    b.add(r3, off);
    b.call('probe_read_kernel');
    return { at: 'stack', off: buf, size };
  }
  // A nested struct or non-char array: its address inside the context.
  b.mov(r0, r6);
  b.add(r0, off);
  return R0;
}

export function bitfield(g: Gen, m: { bitSize: number; bitOffset: number; offset: number }): void {
  const shift = m.bitOffset - m.offset * 8;
  if (shift) g.b.rsh(r0, shift);
  if (m.bitSize < 32) g.b.and(r0, (1 << m.bitSize) - 1);
}

/** readMem reads a C value at reg+off from kernel or user memory with probe_read. */
export function readMem(
  g: Gen,
  reg: Reg,
  off: number,
  c: CType,
  space: 'kernel' | 'user',
  pos: number,
  m?: { bitSize: number; bitOffset: number; offset: number },
): Val {
  const b = g.b;
  if (c.kind === 'struct' || (c.kind === 'array' && !(c.elem.kind === 'int' && c.elem.size === 1))) {
    if (off) b.add(reg, off);
    if (reg !== r0) b.mov(r0, reg);
    return R0;
  }
  const read = space === 'user' ? 'probe_read_user' : 'probe_read_kernel';
  if (c.kind === 'array') {
    const size = align8(c.len);
    const buf = g.alloc(size, pos);
    b.mov(r3, reg);
    if (off) b.add(r3, off);
    g.zero(buf, size);
    g.stackPtr(r1, buf);
    b.mov(r2, c.len);
    b.call(read);
    return { at: 'stack', off: buf, size };
  }
  const size = c.kind === 'int' ? c.size : 8;
  const tmp = g.alloc(8, pos);
  b.mov(r3, reg);
  if (off) b.add(r3, off);
  b.st('u64', r10, tmp, 0);
  g.stackPtr(r1, tmp);
  b.mov(r2, size);
  b.call(read);
  b.ldx(widthOf(size), r0, r10, tmp, c.kind === 'int' && c.signed && size < 8);
  if (m?.bitSize) bitfield(g, m);
  return R0;
}

function widthOf(size: number): 'u8' | 'u16' | 'u32' | 'u64' {
  return size === 1 ? 'u8' : size === 2 ? 'u16' : size === 4 ? 'u32' : 'u64';
}
