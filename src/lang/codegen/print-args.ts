// print-args: print(args) sends every member of a tracepoint's (or fentry's) args in one record,
// which user space prints as bpftrace does: `{ .fd = 3, .buf = 0x7ffd…, .count = 4096 }`.

import { r10 } from '../../asm/builder.js';
import { align8, type CMember, type CType } from '../types.js';
import type { Gen } from './gen.js';
import type { ArgField } from './layout.js';
import { readCtx } from './memory.js';
import { output } from './output.js';

/** MAX_ARRAY bounds how many elements of an integer array member are printed. */
const MAX_ARRAY = 32;

/** printArgs emits the print(args) record of a context struct `args`. */
export function printArgs(g: Gen, args: CType, pos: number): void {
  if (args.kind !== 'struct') throw g.err(pos, 'print() of this args is not supported');
  const fields: ArgField[] = [];
  const reads: Array<{ off: number; type: CType; slot: number; width: number; m?: CMember }> = [];
  let size = 8;
  const slot = (width: number): number => {
    const at = size;
    size += align8(width);
    return at;
  };
  for (const m of args.members()) {
    const t = m.type;
    if (t.kind === 'int' || t.kind === 'ptr') {
      const show = t.kind === 'ptr' ? 'hex' : t.signed ? 'int' : 'uint';
      const at = slot(8);
      fields.push({ name: m.name, offset: at, show, count: 0 });
      reads.push({ off: m.offset, type: t, slot: at, width: 8, m });
    } else if (t.kind === 'dataloc' || (t.kind === 'array' && t.elem.kind === 'int' && t.elem.size === 1)) {
      // readCtx gives a string's bytes on the stack: 64 for __data_loc, the array's length else.
      const width = t.kind === 'dataloc' ? 64 : align8(t.len);
      const at = slot(width);
      fields.push({ name: m.name, offset: at, show: 'str', count: width });
      reads.push({ off: m.offset, type: t, slot: at, width });
    } else if (t.kind === 'array' && (t.elem.kind === 'int' || t.elem.kind === 'ptr')) {
      const elem = t.elem;
      const esize = elem.kind === 'int' ? elem.size : 8;
      const n = Math.min(t.len, MAX_ARRAY);
      const show = elem.kind === 'ptr' ? 'hex' : elem.signed ? 'int' : 'uint';
      const at = slot(8 * n);
      fields.push({ name: m.name, offset: at, show, count: n });
      for (let i = 0; i < n; i++)
        reads.push({ off: m.offset + i * esize, type: elem, slot: at + 8 * i, width: 8 });
    }
    // Nested structs do not occur in tracepoint formats; fentry struct-by-value parameters are left out.
  }
  const id = g.out.actions.length;
  g.out.actions.push({ kind: 'printArgs', fields });
  const rec = g.alloc(size, pos);
  g.b.st('u64', r10, rec, id);
  for (const r of reads) {
    const save = g.sp;
    g.store(readCtx(g, r.off, r.type, pos, r.m), rec + r.slot, r.width);
    g.sp = save;
  }
  output(g, rec, size);
}
