// probe: a probe program's prologue (context in r6, zeroed scratch variables), predicate and exit.

import { r0, r1, r6 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { align8, byteSize } from '../types.js';
import { scalar } from './expressions.js';
import type { Gen } from './gen.js';
import { stmts } from './statements.js';

/** probe emits one probe variant's whole program and returns it built. */
export function probe(g: Gen, p: A.Probe) {
  const b = g.b;
  g.mark(p.pos);
  b.mov(r6, r1);
  // Scratch variables live for the whole probe; zeroed so reads before a write are defined.
  for (const [name, ty] of g.v.vars) {
    const size = align8(Math.max(byteSize(ty), 8));
    const off = g.alloc(size, p.pos);
    g.varSlots.set(name, { off, ty });
  }
  for (const { off, ty } of g.varSlots.values()) g.zero(off, align8(Math.max(byteSize(ty), 8)));
  if (p.predicate) {
    const save = g.sp;
    scalar(g, p.predicate);
    b.jmp('JEQ', r0, 0, 'exit');
    g.sp = save;
  }
  stmts(g, p.body);
  b.label('exit');
  b.mov(r0, 0);
  b.exit();
  return b.build();
}
