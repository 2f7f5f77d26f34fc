// Loads through BTF-typed kernel pointers (PTR_TO_BTF_ID), as the kernel's btf_struct_walk: a read
// must fall inside one member of the struct; a pointer member must be read whole, and yields a
// pointer to its struct (or to read-only untrusted memory when it points at anything else).

import type { Btf } from '../btf/btf.js';
import type { BtfType, CompositeType, TypeId } from '../btf/types.js';

/** BtfWalk is what a load at an offset of a BTF struct reads. */
export type BtfWalk =
  | { kind: 'scalar' }
  | {
      kind: 'ptr';
      /** type is the pointed-to struct's id, or 0 for a pointer to anything else (untrusted memory). */
      type: TypeId;
      /** tag is the pointer's `__rcu`, `__user` or `__percpu` type tag, if any. */
      tag?: string;
      field: string;
    }
  | { kind: 'error'; sentence: string };

const MAX_NESTING = 32;

/** skipModifiers follows typedefs and qualifiers, remembering the first type tag on the way. */
function skipModifiers(btf: Btf, id: TypeId): { t: BtfType; tag?: string } {
  let t = btf.type(id);
  let tag: string | undefined;
  for (let n = 0; n < MAX_NESTING; n++) {
    if (t.kind === 'type_tag') tag ??= t.name;
    else if (t.kind !== 'typedef' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict')
      break;
    t = btf.type(t.type);
  }
  return tag === undefined ? { t } : { t, tag };
}

/**
 * safeField says the kernel lists `field` of struct `struct` with this suffix (`__safe_rcu`,
 * `__safe_trusted_or_null`...): the kernel emits those lists into its own BTF as structs named
 * `task_struct__safe_rcu`, so the running kernel's lists are read, not copied.
 */
export function safeField(btf: Btf, struct: string, field: string, suffix: string): boolean {
  const list = btf.findType(`${struct}${suffix}`, 'struct');
  return !!list && list.kind === 'struct' && list.members.some((m) => m.name === field);
}

const isComposite = (t: BtfType): t is CompositeType => t.kind === 'struct' || t.kind === 'union';

/** walkStruct finds what `size` bytes at `off` of the struct with id `id` are. */
export function walkStruct(btf: Btf, id: TypeId, off: number, size: number): BtfWalk {
  let t = skipModifiers(btf, id).t;
  let loose = false;
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    if (!isComposite(t)) return { kind: 'error', sentence: `type '${t.name}' is not a struct` };
    const tname = `${t.kind} ${t.name || '(anon)'}`;
    // The kernel stops trusting a walk through a union of several members, and then lets reads run
    // past the end of a member.
    if (t.kind === 'union' && t.members.length !== 1) loose = true;
    if (off + size > t.size) {
      const beyond: BtfWalk = {
        kind: 'error',
        sentence: `access beyond ${tname} (${t.size} bytes) at offset ${off} size ${size}`,
      };
      // A flexible array at the end may be read past the struct's size, element by element.
      const last = t.members[t.members.length - 1];
      const arr = last && skipModifiers(btf, last.type).t;
      const moff = last ? Math.floor(last.bitOffset / 8) : 0;
      if (arr?.kind !== 'array' || arr.nelems !== 0 || off < moff) return beyond;
      const elem = skipModifiers(btf, arr.type).t;
      if (elem.kind === 'int') return { kind: 'scalar' };
      if (!isComposite(elem) || elem.size === 0) return beyond;
      off = (off - moff) % elem.size;
      t = elem;
      continue;
    }
    let next: CompositeType | undefined;
    for (const m of t.members) {
      let moff = Math.floor(m.bitOffset / 8);
      if (off + size <= moff) break;
      if (m.bitSize) {
        const endBit = m.bitOffset + m.bitSize;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return { kind: 'scalar' };
        continue;
      }
      if (off < moff) break;
      let mt = skipModifiers(btf, m.type).t;
      let msize = btf.sizeof(m.type);
      const mtrueEnd = moff + msize;
      if (off >= mtrueEnd) continue;
      // Arrays, however many dimensions: find the element the offset falls in.
      while (mt.kind === 'array') {
        const elemSize = btf.sizeof(mt.type);
        const elem = skipModifiers(btf, mt.type).t;
        if (elemSize === 0) break;
        moff += Math.floor((off - moff) / elemSize) * elemSize;
        msize = elemSize;
        mt = elem;
      }
      if (isComposite(mt)) {
        off -= moff;
        next = mt;
        break;
      }
      if (mt.kind === 'ptr') {
        if (msize !== size || off !== moff) {
          return {
            kind: 'error',
            sentence: `pointer member '${m.name}' of ${tname} is at offset ${moff} size ${msize}; it must be read whole, not at offset ${off} size ${size}`,
          };
        }
        const target = skipModifiers(btf, mt.type);
        if (isComposite(target.t)) {
          const w: BtfWalk = { kind: 'ptr', type: target.t.id, field: m.name };
          if (target.tag !== undefined) w.tag = target.tag;
          return w;
        }
        // Pointers to anything else become read-only untrusted memory (6.18): type 0 marks them.
        return { kind: 'ptr', type: 0, field: m.name };
      }
      if (off + size > mtrueEnd && !loose) {
        return {
          kind: 'error',
          sentence: `access beyond the end of member '${m.name}' of ${tname} (it ends at ${mtrueEnd}) at offset ${off} size ${size}`,
        };
      }
      return { kind: 'scalar' };
    }
    if (!next) return { kind: 'error', sentence: `${tname} has no field at offset ${off}` };
    t = next;
  }
  return { kind: 'error', sentence: 'structs nested too deeply' };
}
