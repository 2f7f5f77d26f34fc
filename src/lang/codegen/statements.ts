// statements: blocks, assignment, if/while/unroll, jumps, and calls used as statements.

import { r0, r1, r2, r10 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { align8, byteSize, U64 } from '../types.js';
import { binop, expr, scalar } from './expressions.js';
import { BPF_ANY, type Gen } from './gen.js';
import type { ArgSlot } from './layout.js';
import { aggregate, lookupScalar, mapKey, update } from './map-ops.js';
import { event, join, printf } from './output.js';
import { printArgs } from './print-args.js';

/** stmts emits a block; it returns true when the block ends in a jump (code after it is dead). */
export function stmts(g: Gen, list: A.Stmt[]): boolean {
  for (const s of list) {
    const save = g.sp;
    stmt(g, s);
    g.sp = save;
    // The verifier rejects unreachable instructions, so nothing is emitted after a jump.
    if (s.kind === 'jump' || (s.kind === 'expr' && s.expr.kind === 'call' && s.expr.name === 'exit'))
      return true;
    if (s.kind === 'if' && g.lastIfTerminated) return true;
  }
  return false;
}

export function stmt(g: Gen, s: A.Stmt): void {
  const b = g.b;
  g.mark(s.pos);
  switch (s.kind) {
    case 'expr':
      exprStmt(g, s.expr);
      return;
    case 'assign':
      assign(g, s);
      return;
    case 'if': {
      const els = g.label('else');
      const end = g.label('endif');
      scalar(g, s.cond);
      b.jmp('JEQ', r0, 0, els);
      const thenJumps = stmts(g, s.then);
      if (!thenJumps) b.ja(end);
      b.label(els);
      const elseJumps = s.else ? stmts(g, s.else) : false;
      b.label(end);
      g.lastIfTerminated = thenJumps && elseJumps;
      return;
    }
    case 'unroll': {
      const n = Number(g.constInt(s.count));
      for (let i = 0; i < n; i++) if (stmts(g, s.body)) break;
      return;
    }
    case 'while': {
      const top = g.label('while');
      const end = g.label('endwhile');
      b.label(top);
      scalar(g, s.cond);
      b.jmp('JEQ', r0, 0, end);
      g.loops.push({ brk: end, cont: top });
      const bodyJumps = stmts(g, s.body);
      g.loops.pop();
      if (!bodyJumps) b.ja(top);
      b.label(end);
      return;
    }
    case 'jump': {
      if (s.what === 'return') b.ja('exit');
      else {
        const loop = g.loops[g.loops.length - 1]!;
        b.ja(s.what === 'break' ? loop.brk : loop.cont);
      }
      return;
    }
    case 'block':
      stmts(g, s.body);
      return;
  }
}

export function assign(g: Gen, s: A.AssignStmt): void {
  const target = s.target;
  const value = s.value;
  if (target.kind === 'var') {
    const slot = g.varSlots.get(target.name)!;
    const size = align8(Math.max(byteSize(slot.ty), 8));
    if (s.op === '=') {
      const val = expr(g, value);
      g.store(val, slot.off, size);
    } else {
      scalar(g, value);
      g.b.mov(r1, r0);
      g.b.ldx('u64', r0, r10, slot.off);
      binop(g, compoundOp(s.op), slot.ty, g.ty(value));
      g.b.st('u64', r10, slot.off, r0);
    }
    return;
  }
  const layout = g.mapsByName.get(target.name)!;
  const info = layout.info!;
  if (value.kind === 'call' && info.value!.k === 'agg') {
    aggregate(g, target, value, layout);
    return;
  }
  if (s.op !== '=') {
    // Read, combine, write back: not atomic across CPUs, as in bpftrace.
    const tmp = g.alloc(8, value.pos);
    scalar(g, value);
    g.b.st('u64', r10, tmp, r0);
    const key = mapKey(g, target, layout);
    lookupScalar(g, layout, key);
    g.b.ldx('u64', r1, r10, tmp);
    binop(g, compoundOp(s.op), info.value!, g.ty(value));
    g.b.st('u64', r10, tmp, r0);
    update(g, layout, key, tmp, BPF_ANY);
    return;
  }
  const vsize = layout.valueSize;
  const vbuf = g.alloc(vsize, value.pos);
  const val = expr(g, value);
  g.store(val, vbuf, vsize);
  const key = mapKey(g, target, layout);
  update(g, layout, key, vbuf, BPF_ANY);
}

export function exprStmt(g: Gen, e: A.Expr): void {
  if (e.kind === 'call') {
    switch (e.name) {
      case 'printf':
      case 'system':
      case 'cat':
        printf(g, e);
        return;
      case 'exit': {
        let code: ArgSlot | undefined;
        const args = e.args[0] ? [e.args[0]] : [];
        const slots = args.map(() => ({ ty: U64, offset: 8 }));
        if (slots[0]) code = slots[0];
        event(g, { kind: 'exit', code }, args, e.pos);
        g.b.ja('exit');
        return;
      }
      case 'print': {
        const a = e.args[0]!;
        if (a.kind === 'map' && a.keys.length === 0) {
          const top = e.args[1] ? Number(g.constInt(e.args[1])) : 0;
          const div = e.args[2] ? Number(g.constInt(e.args[2])) : 0;
          event(g, { kind: 'print', map: a.name, top, div }, [], e.pos);
        } else {
          const t = g.ty(a);
          if (t.k === 'record' && t.space === 'ctx' && t.ctype.kind === 'struct')
            printArgs(g, t.ctype, e.pos);
          else event(g, { kind: 'printValue', arg: { ty: t, offset: 8 } }, [a], e.pos);
        }
        return;
      }
      case 'clear':
      case 'zero':
        event(g, { kind: e.name, map: (e.args[0] as A.MapRef).name }, [], e.pos);
        return;
      case 'time':
        event(g, { kind: 'time', fmt: e.args[0] ? (e.args[0] as A.StrLit).value : '%H:%M:%S\n' }, [], e.pos);
        return;
      case 'delete': {
        const m = e.args[0] as A.MapRef;
        const layout = g.mapsByName.get(m.name);
        if (!layout) return;
        const key = mapKey(g, m, layout, e.args.slice(1));
        g.b.ldMap(r1, layout.ref);
        g.stackPtr(r2, key);
        g.b.call('map_delete_elem');
        return;
      }
      case 'join':
        join(g, e);
        return;
    }
  }
  expr(g, e);
}

function compoundOp(op: A.AssignOp): A.BinaryOp {
  return op.slice(0, -1) as A.BinaryOp;
}
