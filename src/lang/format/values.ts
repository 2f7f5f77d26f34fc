// Values as bpftrace prints them: decode a map key, map value or event argument from its bytes by
// its language type, and render it as text or as JSON.

import type { ArgField } from '../codegen/layout.js';
import { align8, byteSize, type Ty } from '../types.js';

/** Resolver answers what bytes alone cannot: symbols, stacks, probe names, user names, clocks. */
export interface Resolver {
  ksym(addr: bigint): string;
  usym(addr: bigint, pid: number): string;
  /** stack returns a stack's frames (innermost first) by stack id. */
  stack(id: number, user: boolean, pid: number, limit: number): bigint[];
  probeName(id: number): string;
  username(uid: number): string;
  /** strftime renders a boot-relative nanosecond time with a C strftime format. */
  strftime(fmt: string, ns: bigint): string;
  /** stackFrame formats one frame for a stack listing: `vfs_read+12`. */
  ksymOffset(addr: bigint): string;
  usymOffset(addr: bigint, pid: number): string;
  /** usymModule is the file a resolved user frame's symbol is in, for perf-mode stacks. */
  usymModule?(addr: bigint, pid: number): string | undefined;
  /** cgroupPath is a cgroup id's path in each hierarchy (filtered by a glob), as cgroup_path() prints. */
  cgroupPath?(id: bigint, filter?: string): string;
}

/** cString reads a NUL-terminated string from a fixed-size buffer. */
export function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end === -1 ? b.length : end).toString('utf8');
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** readInt reads an integer slot (always stored as 8 bytes) with the type's sign. */
export function readInt(b: Uint8Array, ty: Ty): bigint {
  const v = view(b).getBigUint64(0, true);
  if (ty.k === 'int') {
    const bits = ty.size * 8;
    return ty.signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
  }
  return v;
}

/**
 * textValue renders a value as bpftrace's text output does; stacks in map keys are indented by four
 * spaces instead of eight.
 */
export function textValue(ty: Ty, b: Uint8Array, r: Resolver, asKey = false): string {
  const dv = view(b);
  switch (ty.k) {
    case 'int':
    case 'ptr':
      return readInt(b, ty).toString();
    case 'str':
      return cString(b.subarray(0, ty.size));
    case 'ksym':
      return r.ksym(dv.getBigUint64(0, true));
    case 'usym':
      return r.usym(dv.getBigUint64(0, true), Number(dv.getBigUint64(8, true)));
    case 'probe':
      return r.probeName(Number(dv.getBigUint64(0, true)));
    case 'username':
      return r.username(Number(dv.getBigUint64(0, true)));
    case 'timestamp':
      return r.strftime(ty.fmt ?? '%H:%M:%S', dv.getBigUint64(0, true));
    case 'inet':
      return inetText(b);
    case 'bytes':
      // bpftrace prints pton()'s bytes unsigned, as written: [192,168,1,1].
      return `[${Array.from(b.subarray(0, ty.size)).join(',')}]`;
    case 'cgroupPath': {
      const id = dv.getBigUint64(0, true);
      return r.cgroupPath?.(id, ty.filter) ?? id.toString();
    }
    case 'macaddr':
      return Array.from(b.subarray(0, 6), (x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':');
    case 'buf': {
      const len = Number(dv.getBigUint64(0, true));
      return bufText(b.subarray(8, 8 + Math.min(len, ty.size)));
    }
    case 'stack': {
      const id = dv.getBigInt64(0, true);
      if (id < 0n) return '\n';
      const pid = ty.user ? Number(dv.getBigUint64(8, true)) : 0;
      const frames = r.stack(Number(id), ty.user, pid, ty.limit).slice(0, ty.limit);
      const names = frames.map((a) => (ty.user ? r.usymOffset(a, pid) : r.ksymOffset(a)));
      if (ty.mode === 'perf') {
        // User frames name their file, as perf script does: `(/usr/lib/libc.so.6)` or `([unknown])`.
        const mod = (a: bigint) => (ty.user ? ` (${r.usymModule?.(a, pid) ?? '[unknown]'})` : '');
        return `\n${names.map((n, i) => `\t${frames[i]!.toString(16)} ${n}${mod(frames[i]!)}\n`).join('')}`;
      }
      if (ty.mode === 'raw') return `\n${frames.map((f) => `${f.toString(16)}\n`).join('')}`;
      const indent = asKey ? '    ' : '        ';
      return `\n${names.map((n) => `${indent}${n}\n`).join('')}`;
    }
    case 'tuple': {
      const parts: string[] = [];
      let off = 0;
      for (const e of ty.elems) {
        const size = align8(Math.max(byteSize(e), 8));
        parts.push(textValue(e, b.subarray(off, off + size), r, asKey));
        off += size;
      }
      return `(${parts.join(', ')})`;
    }
    default:
      return '';
  }
}

/** argFieldValue decodes one print(args) member: a number, a 0x address, a string, or an array of them. */
function argFieldValue(f: ArgField, b: Uint8Array): bigint | string | Array<bigint | string> {
  if (f.show === 'str') return cString(b.subarray(f.offset, f.offset + f.count));
  const dv = view(b);
  const one = (at: number): bigint | string => {
    const v = dv.getBigUint64(at, true);
    if (f.show === 'hex') return `0x${v.toString(16)}`;
    return f.show === 'int' ? BigInt.asIntN(64, v) : v;
  };
  if (f.count === 0) return one(f.offset);
  return Array.from({ length: f.count }, (_, i) => one(f.offset + 8 * i));
}

/** argsText renders a print(args) record as bpftrace prints a struct: `{ .fd = 3, .buf = 0x7ffd… }`. */
export function argsText(fields: ArgField[], b: Uint8Array): string {
  const parts = fields.map((f) => {
    const v = argFieldValue(f, b);
    return `.${f.name} = ${Array.isArray(v) ? `[${v.join(',')}]` : v}`;
  });
  return parts.length ? `{ ${parts.join(', ')} }` : '{}';
}

/** argsJson renders a print(args) record as a JSON object of its members. */
export function argsJson(fields: ArgField[], b: Uint8Array): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.name, argFieldValue(f, b)]));
}

/** JsonTuple is a tuple for toJson, which bpftrace writes without spaces: `[1,"a"]`. */
export class JsonTuple {
  constructor(readonly items: unknown[]) {}
}

/**
 * jsonValue renders a value for `-f json`: integers stay numbers, tuples are arrays, stacks are
 * their text (as bpftrace's JSON has them, newlines and all); everything else is a string.
 */
export function jsonValue(ty: Ty, b: Uint8Array, r: Resolver, asKey = false): unknown {
  switch (ty.k) {
    case 'int':
    case 'ptr':
      return readInt(b, ty);
    case 'bytes':
      return new JsonTuple(Array.from(b.subarray(0, ty.size), (x) => BigInt(x)));
    case 'tuple': {
      const out: unknown[] = [];
      let off = 0;
      for (const e of ty.elems) {
        const size = align8(Math.max(byteSize(e), 8));
        out.push(jsonValue(e, b.subarray(off, off + size), r));
        off += size;
      }
      return new JsonTuple(out);
    }
    default:
      return textValue(ty, b, r, asKey);
  }
}

function inetText(b: Uint8Array): string {
  const af = Number(view(b).getBigUint64(0, true));
  const a = b.subarray(8, 24);
  if (af === 2) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  // Compress the longest run of zero words, as inet_ntop does.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return words.join(':');
  if (best === 0 && bestLen === 5 && words[5] === 'ffff') return `::ffff:${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

function bufText(b: Uint8Array): string {
  let s = '';
  for (const c of b)
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return s;
}

/** toJson serialises like bpftrace's JSON output: `{"a": 1, "b": [2, 3]}` with bigint numbers. */
export function toJson(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(toJson).join(', ')}]`;
  if (v instanceof JsonTuple) return `[${v.items.map(toJson).join(',')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${JSON.stringify(k)}: ${toJson(x)}`)
    .join(', ')}}`;
}
