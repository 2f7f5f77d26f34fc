// lookup: member paths ('real_parent.pid', '__sk_common.skc_dport', 'comm[3]') to byte and bit
// offsets, through anonymous structs and unions, with "did you mean" errors.

import { ParseError } from '../errors/index.js';
import type { Btf } from './btf.js';
import { closest } from './closest.js';
import { BtfError } from './errors.js';
import type { BtfType, CompositeType, Member, TypeId } from './types.js';

/**
 * MemberLocation is where a member lives in the object that holds it. For a bitfield, `offset` and
 * `size` are the aligned storage unit to load (as libbpf's CO-RE does) and the value is
 * `(unit >> (bitOffset - offset * 8)) & ((1 << bitSize) - 1)` on little-endian.
 */
export interface MemberLocation {
  /** path is the member path from the root object (or from the last pointer followed). */
  path: string;
  /** offset is in bytes from the start of the object. */
  offset: number;
  /** bitOffset is in bits from the start of the object. */
  bitOffset: number;
  /** bitSize is 0 unless the member is a bitfield. */
  bitSize: number;
  type: TypeId;
  typeName: string;
  /** size is the number of bytes to read. */
  size: number;
}

type Segment =
  | { kind: 'name'; name: string; column: number }
  | { kind: 'index'; index: number; column: number };

// Malformed BTF could make anonymous members contain themselves.
const MAX_DEPTH = 32;

/** parsePath splits 'a.b[3]->c' into names and indices; `->` is accepted as `.`. */
export function parsePath(path: string): Segment[] {
  const segs: Segment[] = [];
  const re = /\s*(?:(\.|->)?\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(\d+)\s*\])/y;
  let pos = 0;
  const fail = (msg: string, at: number): never => {
    throw new ParseError(msg, { line: 1, column: at + 1, sourceLine: path });
  };
  while (pos < path.length) {
    if (/^\s*$/.test(path.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) fail(`bad member path '${path}': expected '.name' or '[index]'`, pos);
    const at = pos;
    pos = re.lastIndex;
    if (m![2] !== undefined) {
      if (segs.length > 0 && m![1] === undefined) fail(`bad member path '${path}': missing '.'`, at);
      segs.push({ kind: 'name', name: m![2], column: at + 1 });
    } else {
      const index = Number(m![3]);
      if (!Number.isSafeInteger(index)) fail(`array index ${m![3]} is too large`, at);
      segs.push({ kind: 'index', index, column: at + 1 });
    }
  }
  if (segs.length === 0) fail('empty member path', 0);
  return segs;
}

interface Found {
  member: Member;
  bitOffset: number;
}

/** findMember looks for `name` in a struct or union, descending into anonymous members. */
export function findMember(btf: Btf, t: CompositeType, name: string, depth = 0): Found | undefined {
  if (depth > MAX_DEPTH) return undefined;
  for (const m of t.members) if (m.name === name) return { member: m, bitOffset: m.bitOffset };
  for (const m of t.members) {
    if (m.name !== '') continue;
    const inner = btf.resolve(m.type);
    if (inner.kind !== 'struct' && inner.kind !== 'union') continue;
    const f = findMember(btf, inner, name, depth + 1);
    if (f) return { member: f.member, bitOffset: m.bitOffset + f.bitOffset };
  }
  return undefined;
}

/** memberNames lists every member name reachable in `t`, including those of anonymous members. */
export function memberNames(btf: Btf, t: CompositeType, depth = 0): string[] {
  const out: string[] = [];
  if (depth > MAX_DEPTH) return out;
  for (const m of t.members) {
    if (m.name !== '') out.push(m.name);
    else {
      const inner = btf.resolve(m.type);
      if (inner.kind === 'struct' || inner.kind === 'union') out.push(...memberNames(btf, inner, depth + 1));
    }
  }
  return out;
}

/**
 * nestedPaths finds `name` inside named struct members (not through pointers), for suggestions like
 * `sock.skc_dport` → '__sk_common.skc_dport'; the kernel's `sk_foo` macros name `skc_foo` fields.
 */
function nestedPaths(btf: Btf, t: CompositeType, name: string): string[] {
  const wanted = new Set([name]);
  if (name.startsWith('sk_')) wanted.add(`skc_${name.slice(3)}`);
  const out: string[] = [];
  const walk = (c: CompositeType, prefix: string, depth: number): void => {
    if (depth > 3 || out.length >= 3) return;
    for (const m of c.members) {
      const inner = btf.resolve(m.type);
      if (inner.kind !== 'struct' && inner.kind !== 'union') continue;
      const path = m.name === '' ? prefix : prefix === '' ? m.name : `${prefix}.${m.name}`;
      if (path !== '') {
        for (const w of wanted) if (findMember(btf, inner, w)) out.push(`${path}.${w}`);
      }
      walk(inner, path, depth + 1);
    }
  };
  walk(t, '', 0);
  return [...new Set(out)].slice(0, 3);
}

function describe(btf: Btf, t: BtfType): string {
  if ((t.kind === 'struct' || t.kind === 'union') && t.name !== '') return `${t.kind} ${t.name}`;
  return btf.typeName(t.id);
}

/** rootType finds the struct or union a path starts from: a name ('task_struct', 'struct sock') or id. */
export function rootType(btf: Btf, root: string | TypeId): BtfType {
  if (typeof root === 'number') return btf.type(root);
  const tagged = /^(struct|union)\s+/.test(root.trim());
  if (tagged) return btf.typeByName(root);
  return btf.findType(root, 'struct') ?? btf.findType(root, 'union') ?? btf.typeByName(root, 'typedef');
}

/**
 * memberPath locates `path` inside `root`. Each pointer the path goes through ends one location and
 * starts the next, so the result is the list of reads to make: every location but the last holds a
 * pointer to the object the next one is relative to.
 */
export function memberPath(btf: Btf, root: string | TypeId, path: string): MemberLocation[] {
  const segs = parsePath(path);
  const out: MemberLocation[] = [];
  let cur = rootType(btf, root).id;
  let bits = 0;
  let bitSize = 0;
  let walked = '';
  let hopPath = '';
  const finish = (): MemberLocation => location(btf, hopPath, cur, bits, bitSize);
  for (const seg of segs) {
    let t = btf.resolve(cur);
    if (seg.kind === 'name') {
      if (t.kind === 'ptr' && walked !== '') {
        out.push(finish());
        cur = t.type;
        t = btf.resolve(cur);
        bits = 0;
        hopPath = '';
      }
      if (t.kind === 'fwd') {
        throw new BtfError(
          `${t.union ? 'union' : 'struct'} ${t.name} is only declared in this BTF; no members`,
        );
      }
      if (t.kind !== 'struct' && t.kind !== 'union') {
        const what = walked === '' ? describe(btf, t) : `'${walked}' (${btf.typeName(cur)})`;
        throw new BtfError(`${what} is not a struct or union, so it has no member '${seg.name}'`);
      }
      const f = findMember(btf, t, seg.name);
      if (!f) {
        const nested = nestedPaths(btf, t, seg.name);
        throw new BtfError(
          `${describe(btf, t)} has no member '${seg.name}'`,
          nested.length > 0 ? nested : closest(seg.name, memberNames(btf, t)),
        );
      }
      bits += f.bitOffset;
      bitSize = f.member.bitSize;
      cur = f.member.type;
      // Legacy (kind_flag 0) bitfields put the width in the INT type instead of the member.
      const inner = btf.resolve(cur);
      if (bitSize === 0 && inner.kind === 'int' && inner.bits !== inner.size * 8) {
        bits += inner.offset;
        bitSize = inner.bits;
      }
      walked += walked === '' ? seg.name : `.${seg.name}`;
      hopPath += hopPath === '' ? seg.name : `.${seg.name}`;
    } else {
      if (t.kind === 'array') {
        if (t.nelems !== 0 && seg.index >= t.nelems) {
          throw new BtfError(`index ${seg.index} is out of range for '${walked}' (${btf.typeName(cur)})`);
        }
        cur = t.type;
        bits += seg.index * btf.sizeof(cur) * 8;
      } else if (t.kind === 'ptr' && walked !== '') {
        out.push(finish());
        cur = t.type;
        bits = seg.index * btf.sizeof(cur) * 8;
        hopPath = '';
      } else {
        throw new BtfError(
          `'${walked || describe(btf, t)}' (${btf.typeName(cur)}) is not an array or pointer`,
        );
      }
      bitSize = 0;
      walked += `[${seg.index}]`;
      hopPath += `[${seg.index}]`;
    }
  }
  out.push(finish());
  return out;
}

function location(btf: Btf, path: string, type: TypeId, bitOffset: number, bitSize: number): MemberLocation {
  const typeName = btf.typeName(type);
  if (bitSize === 0) {
    return {
      path,
      offset: Math.floor(bitOffset / 8),
      bitOffset,
      bitSize,
      type,
      typeName,
      size: btf.sizeof(type),
    };
  }
  // The smallest naturally aligned unit, at least the declared type's size, that holds every bit.
  let size = btf.sizeof(type);
  let offset = Math.floor(bitOffset / 8 / size) * size;
  while (bitOffset + bitSize - offset * 8 > size * 8) {
    if (size >= 8) throw new BtfError(`bitfield '${path}' straddles a 64-bit boundary`);
    size *= 2;
    offset = Math.floor(bitOffset / 8 / size) * size;
  }
  return { path, offset, bitOffset, bitSize, type, typeName, size };
}

/**
 * offsetOf locates 'type.member.member[i]' ('task_struct.real_parent', 'sock.__sk_common.skc_dport')
 * within one object; a path through a pointer is an error, as C's offsetof.
 */
export function offsetOf(btf: Btf, path: string): MemberLocation {
  const m = /^\s*(?:(struct|union)\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:\.|->)(.*)$/s.exec(path);
  if (!m) {
    throw new ParseError(`bad path '${path}': expected 'type.member'`, {
      line: 1,
      column: 1,
      sourceLine: path,
    });
  }
  const root = m[1] ? `${m[1]} ${m[2]}` : m[2]!;
  const hops = memberPath(btf, root, m[3]!);
  if (hops.length > 1) {
    throw new BtfError(
      `'${path}' goes through the pointer '${hops[0]!.path}' (${hops[0]!.typeName}); offsetOf stays within one object`,
    );
  }
  return { ...hops[0]!, path: path.trim() };
}

/**
 * flatMembers lists every member of a struct or union with its path and location, descending into
 * anonymous members (whose fields C reaches directly) but not into named nested structs.
 */
export function flatMembers(btf: Btf, root: string | TypeId): MemberLocation[] {
  const t = btf.resolve(rootType(btf, root).id);
  if (t.kind !== 'struct' && t.kind !== 'union') {
    throw new BtfError(`${describe(btf, t)} is not a struct or union, so it has no members`);
  }
  const out: MemberLocation[] = [];
  const walk = (c: CompositeType, base: number, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const m of c.members) {
      const inner = btf.resolve(m.type);
      if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union')) {
        walk(inner, base + m.bitOffset, depth + 1);
        continue;
      }
      let bitSize = m.bitSize;
      let bits = base + m.bitOffset;
      if (bitSize === 0 && inner.kind === 'int' && inner.bits !== inner.size * 8) {
        bits += inner.offset;
        bitSize = inner.bits;
      }
      out.push(location(btf, m.name, m.type, bits, bitSize));
    }
  };
  walk(t, 0, 0);
  return out;
}
