// value: decode bytes (a map key or value, a ring buffer record) as a BTF type into a JS value, and
// print it C-style: `{ .pid = 42, .comm = "bash", .parent = 0xffff888100a3c000 }`.

import { DecodeError } from '../errors/index.js';
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import type { BtfType, CompositeType, TypeId } from './types.js';

/**
 * BtfValue is a decoded value: numbers for integers up to 32 bits, bigint for 64-bit integers and
 * pointers, strings for char arrays (up to the first NUL) and known enumerators, arrays and objects.
 */
export type BtfValue = number | bigint | boolean | string | BtfValue[] | { [member: string]: BtfValue };

// Nested types deeper than this come from malformed BTF.
const MAX_DEPTH = 32;

/** decodeValue reads `bytes` at `offset` as type `id`. */
export function decodeValue(btf: Btf, id: TypeId, bytes: Uint8Array, offset = 0): BtfValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decode(btf, id, view, offset, 0);
}

function need(view: DataView, offset: number, size: number, what: string): void {
  if (offset < 0 || offset + size > view.byteLength) {
    throw new DecodeError(
      `${what} needs ${size} bytes at offset ${offset}, but the value has ${view.byteLength}`,
      offset,
    );
  }
}

function readUnsigned(view: DataView, offset: number, size: number): bigint {
  let v = 0n;
  // Little-endian, any width: BTF ints are 1, 2, 4, 8 or 16 bytes.
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(view.getUint8(offset + i));
  return v;
}

function isChar(t: BtfType): boolean {
  return t.kind === 'int' && t.size === 1 && (t.char || t.name === 'char' || t.name === 'signed char');
}

function decode(btf: Btf, id: TypeId, view: DataView, offset: number, depth: number): BtfValue {
  if (depth > MAX_DEPTH) throw new DecodeError(`type ${id} nests more than ${MAX_DEPTH} levels`, offset);
  const t = btf.resolve(id);
  switch (t.kind) {
    case 'int': {
      need(view, offset, t.size, btf.typeName(id));
      if (t.bool) return view.getUint8(offset) !== 0;
      const raw = readUnsigned(view, offset, t.size);
      const v = t.signed ? BigInt.asIntN(t.size * 8, raw) : raw;
      return t.size <= 4 ? Number(v) : v;
    }
    case 'float':
      need(view, offset, t.size, t.name);
      if (t.size === 4) return view.getFloat32(offset, true);
      if (t.size === 8) return view.getFloat64(offset, true);
      return readUnsigned(view, offset, t.size);
    case 'ptr':
      need(view, offset, 8, btf.typeName(id));
      return view.getBigUint64(offset, true);
    case 'enum':
    case 'enum64': {
      need(view, offset, t.size, btf.typeName(id));
      const raw = readUnsigned(view, offset, t.size);
      const v = t.signed ? BigInt.asIntN(t.size * 8, raw) : raw;
      const named = t.values.find((x) => BigInt.asUintN(64, x.value) === BigInt.asUintN(64, v));
      if (named) return named.name;
      return t.size <= 4 ? Number(v) : v;
    }
    case 'array': {
      const elem = btf.resolve(t.type);
      const size = btf.sizeof(t.type);
      need(view, offset, size * t.nelems, btf.typeName(id));
      if (isChar(elem)) {
        let s = '';
        for (let i = 0; i < t.nelems; i++) {
          const c = view.getUint8(offset + i);
          if (c === 0) break;
          s += String.fromCharCode(c);
        }
        return s;
      }
      const out: BtfValue[] = [];
      for (let i = 0; i < t.nelems; i++) out.push(decode(btf, t.type, view, offset + i * size, depth + 1));
      return out;
    }
    case 'struct':
    case 'union': {
      need(view, offset, t.size, btf.typeName(id));
      const out: { [member: string]: BtfValue } = {};
      decodeMembers(btf, t, view, offset, depth, out);
      return out;
    }
    default:
      throw new BtfError(`cannot decode a value of ${t.kind} ${btf.typeName(id)}`);
  }
}

function decodeMembers(
  btf: Btf,
  t: CompositeType,
  view: DataView,
  offset: number,
  depth: number,
  out: { [member: string]: BtfValue },
): void {
  for (const m of t.members) {
    const inner = btf.resolve(m.type);
    if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union')) {
      // C reaches an anonymous member's fields directly; so does the decoded object.
      if (depth < MAX_DEPTH)
        decodeMembers(btf, inner, view, offset + Math.floor(m.bitOffset / 8), depth + 1, out);
      continue;
    }
    let bitSize = m.bitSize;
    let bitOffset = m.bitOffset;
    if (bitSize === 0 && inner.kind === 'int' && inner.bits !== inner.size * 8) {
      bitSize = inner.bits;
      bitOffset += inner.offset;
    }
    // An unnamed non-struct member is padding (`int :3;`): C cannot read it either.
    if (m.name === '') continue;
    const name = m.name;
    if (bitSize > 0) {
      out[name] = readBitfield(btf, m.type, view, offset, bitOffset, bitSize);
    } else if (bitOffset % 8 !== 0) {
      throw new DecodeError(`member ${m.name} is at bit ${bitOffset}, not on a byte boundary`, offset);
    } else {
      out[name] = decode(btf, m.type, view, offset + bitOffset / 8, depth + 1);
    }
  }
}

function readBitfield(
  btf: Btf,
  type: TypeId,
  view: DataView,
  base: number,
  bitOffset: number,
  bitSize: number,
) {
  const first = base + Math.floor(bitOffset / 8);
  const last = base + Math.floor((bitOffset + bitSize - 1) / 8);
  need(view, first, last - first + 1, 'bitfield');
  const raw = readUnsigned(view, first, last - first + 1);
  let v = (raw >> BigInt(bitOffset % 8)) & ((1n << BigInt(bitSize)) - 1n);
  const t = btf.resolve(type);
  if (t.kind === 'int' && t.signed) v = BigInt.asIntN(bitSize, v);
  if (t.kind === 'int' && t.bool) return v !== 0n;
  if ((t.kind === 'enum' || t.kind === 'enum64') && bitSize <= 64) {
    const named = t.values.find((x) => x.value === v);
    if (named) return named.name;
  }
  return bitSize <= 32 ? Number(v) : v;
}

/** formatValue prints a decoded value C-style: `{ .pid = 42, .comm = "bash" }`; pointers in hex. */
export function formatValue(btf: Btf, id: TypeId, bytes: Uint8Array, offset = 0): string {
  return show(btf, id, decodeValue(btf, id, bytes, offset));
}

function show(btf: Btf, id: TypeId, v: BtfValue): string {
  const t = btf.resolve(id);
  if (t.kind === 'ptr' && typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (typeof v === 'string') return t.kind === 'enum' || t.kind === 'enum64' ? v : JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    const elem = t.kind === 'array' ? t.type : 0;
    return `[${v.map((x) => show(btf, elem, x)).join(', ')}]`;
  }
  const types = new Map<string, TypeId>();
  if (t.kind === 'struct' || t.kind === 'union') collectMemberTypes(btf, t, types, 0);
  const parts = Object.entries(v).map(([k, x]) => `.${k} = ${show(btf, types.get(k) ?? 0, x)}`);
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}

function collectMemberTypes(btf: Btf, t: CompositeType, out: Map<string, TypeId>, depth: number): void {
  for (const m of t.members) {
    const inner = btf.resolve(m.type);
    if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union') && depth < MAX_DEPTH) {
      collectMemberTypes(btf, inner, out, depth + 1);
    } else out.set(m.name, m.type);
  }
}
