// Btf: a parsed BTF blob (vmlinux, a module's split BTF, or any other) with lazy type decoding and
// lookups by name, path, enumerator and function.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DecodeError } from '../errors/index.js';
import { closest } from './closest.js';
import { decodeType } from './decode.js';
import { BtfError } from './errors.js';
import { declaration, typeName } from './format.js';
import { globToRegExp } from './glob.js';
import { Kind, type KindName, kindNames } from './kinds.js';
import { flatMembers, type MemberLocation, memberPath, offsetOf } from './lookup.js';
import { parseRaw, type RawBtf } from './parse.js';
import type { BtfType, EnumType, FuncProtoType, FuncType, Param, TypeId } from './types.js';

/** VMLINUX_BTF_PATH is where the kernel exposes its own BTF (CONFIG_DEBUG_INFO_BTF, 5.4+). */
export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** PTR_SIZE is the size bpfkit gives pointers; BTF does not record it and bpfkit targets 64-bit. */
export const PTR_SIZE = 8;

const MAX_CHAIN = 64;

/** FuncInfo is a kernel function's signature from its FUNC and FUNC_PROTO types. */
export interface FuncInfo {
  id: TypeId;
  name: string;
  linkage: FuncType['linkage'];
  proto: FuncProtoType;
  returnType: TypeId;
  params: (Param & { typeName: string })[];
  /** variadic is true when the proto ends with `...`. */
  variadic: boolean;
}

/** TypeKindFilter narrows name lookups: the C tag ('struct', 'union', 'enum') or any BTF kind name. */
export type TypeKindFilter = KindName;

/** Btf is one parsed BTF blob; split BTF (a module's) chains to its base for ids and strings. */
export class Btf {
  readonly base: Btf | undefined;
  /** firstId is the id of this blob's first type: 1, or the base's count for split BTF. */
  readonly firstId: number;
  /** count is one past the largest valid type id (id 0 is void). */
  readonly count: number;
  readonly #raw: RawBtf;
  readonly #strBase: number;
  readonly #strText: string;
  readonly #ascii: boolean;
  readonly #cache: (BtfType | undefined)[];
  readonly #names = new Map<string, TypeId[]>();
  #enumerators: Map<string, TypeId> | undefined;

  private constructor(raw: RawBtf, base: Btf | undefined) {
    this.#raw = raw;
    this.base = base;
    this.firstId = base ? base.count : 1;
    this.count = this.firstId + raw.offsets.length;
    this.#strBase = base ? base.#strBase + base.#raw.strings.length : 0;
    // Names are ASCII in practice: one latin1 decode makes every name a cheap slice.
    this.#strText = new TextDecoder('latin1').decode(raw.strings);
    this.#ascii = !/[^\x00-\x7f]/.test(this.#strText);
    this.#cache = new Array(raw.offsets.length);
  }

  /** parse reads a BTF blob; pass `base` (usually vmlinux) for a module's split BTF. */
  static parse(bytes: Uint8Array, options: { base?: Btf } = {}): Btf {
    return new Btf(parseRaw(bytes), options.base);
  }

  /** load reads and parses a BTF file such as /sys/kernel/btf/vmlinux or /sys/kernel/btf/<module>. */
  static load(path: string = VMLINUX_BTF_PATH, options: { base?: Btf } = {}): Btf {
    return Btf.parse(readFileSync(path), options);
  }

  /** header is this blob's struct btf_header. */
  get header(): RawBtf['header'] {
    return this.#raw.header;
  }

  /** string returns the NUL-terminated string at `offset` in the (base + own) string section. */
  string(offset: number): string {
    if (offset < this.#strBase) return this.base!.string(offset);
    const off = offset - this.#strBase;
    const text = this.#strText;
    if (off >= text.length) throw new DecodeError(`BTF string offset ${offset} is out of range`, offset);
    const end = text.indexOf('\0', off);
    if (this.#ascii) return text.slice(off, end);
    return new TextDecoder().decode(this.#raw.strings.subarray(off, end));
  }

  #check(id: TypeId): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.count) {
      throw new BtfError(`no BTF type with id ${id} (valid ids are 0..${this.count - 1})`);
    }
  }

  /** kindOf returns the kind of a type without decoding it. */
  kindOf(id: TypeId): KindName {
    this.#check(id);
    if (id === 0) return 'void';
    if (id < this.firstId) return this.base!.kindOf(id);
    const w = this.#raw.offsets[id - this.firstId]!;
    return kindNames[(this.#raw.words[w + 1]! >>> 24) & 0x1f]!;
  }

  /** nameOf returns a type's name ('' when anonymous) without decoding it. */
  nameOf(id: TypeId): string {
    this.#check(id);
    if (id === 0) return 'void';
    if (id < this.firstId) return this.base!.nameOf(id);
    return this.string(this.#raw.words[this.#raw.offsets[id - this.firstId]!]!);
  }

  /** type decodes (once) and returns the type with this id; id 0 is void. */
  type(id: TypeId): BtfType {
    this.#check(id);
    if (id === 0) return { id: 0, kind: 'void', name: 'void' };
    if (id < this.firstId) return this.base!.type(id);
    const i = id - this.firstId;
    let t = this.#cache[i];
    if (t === undefined) {
      this.#cache[i] = t = decodeType(this.#raw.words, this.#raw.offsets[i]!, id, (off) => this.string(off));
    }
    return t;
  }

  /** types iterates over this blob's own types (not the base's), in id order. */
  *types(): IterableIterator<BtfType> {
    for (let id = this.firstId; id < this.count; id++) yield this.type(id);
  }

  /** stringOffsets returns every offset (base's and own) where the ASCII `name` can be read. */
  #stringOffsets(name: string): number[] {
    const out = this.base ? this.base.#stringOffsets(name) : [];
    // A name may also be the tail of a longer string, so every `name\0` counts, not only `\0name\0`.
    const needle = `${name}\0`;
    const text = this.#strText;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1))
      out.push(this.#strBase + at);
    return out;
  }

  // Name lookups scan the contiguous name-offset column instead of building a 100k-entry map: one
  // lookup costs about a millisecond, and start-up pays nothing for names it never asks about.
  #ownIdsByName(name: string): TypeId[] {
    const cached = this.#names.get(name);
    if (cached) return cached;
    const ids: TypeId[] = [];
    const names = this.#raw.nameOffs;
    if (name === '' || name.includes('\0')) {
      // No type is looked up by the empty name.
    } else if (/^[\x01-\x7f]*$/.test(name)) {
      const candidates = this.#stringOffsets(name);
      if (candidates.length === 1) {
        const c = candidates[0]!;
        for (let i = 0; i < names.length; i++) if (names[i] === c) ids.push(this.firstId + i);
      } else if (candidates.length > 1) {
        const set = new Set(candidates);
        for (let i = 0; i < names.length; i++) if (set.has(names[i]!)) ids.push(this.firstId + i);
      }
    } else {
      for (let i = 0; i < names.length; i++) {
        if (names[i] !== 0 && this.string(names[i]!) === name) ids.push(this.firstId + i);
      }
    }
    if (this.#names.size > 4096) this.#names.clear();
    this.#names.set(name, ids);
    return ids;
  }

  /** idsByName returns every type id with this exact name, base types first. */
  idsByName(name: string): TypeId[] {
    const mine = this.#ownIdsByName(name);
    return this.base ? [...this.base.idsByName(name), ...mine] : [...mine];
  }

  /** names iterates over every distinct type name (own and base), for suggestions. */
  *names(): IterableIterator<string> {
    if (this.base) yield* this.base.names();
    const seen = new Set<number>();
    for (const off of this.#raw.nameOffs) {
      if (off === 0 || seen.has(off)) continue;
      seen.add(off);
      yield this.string(off);
    }
  }

  /**
   * findType returns the type named `name` ('task_struct', or 'struct task_struct'), optionally of one
   * kind; a full definition wins over a forward declaration.
   */
  findType(name: string, kind?: TypeKindFilter): BtfType | undefined {
    const tagged = /^(struct|union|enum)\s+(\S+)$/.exec(name.trim());
    if (tagged) {
      kind ??= tagged[1] as TypeKindFilter;
      name = tagged[2]!;
    }
    let fallback: BtfType | undefined;
    for (const id of this.idsByName(name)) {
      const k = this.kindOf(id);
      if (kind !== undefined && k !== kind && !(kind === 'enum' && k === 'enum64')) {
        if (k === 'fwd' && (kind === 'struct' || kind === 'union')) {
          const fwd = this.type(id);
          if (fwd.kind === 'fwd' && fwd.union === (kind === 'union')) fallback ??= fwd;
        }
        continue;
      }
      if (kind === undefined && (k === 'fwd' || k === 'decl_tag')) {
        fallback ??= this.type(id);
        continue;
      }
      return this.type(id);
    }
    return fallback;
  }

  /** findTypes lists types whose name matches a glob ('tcp_*'), optionally of one kind, in id order. */
  findTypes(glob: string, kind?: TypeKindFilter): BtfType[] {
    const re = globToRegExp(glob);
    const out: BtfType[] = [];
    const scan = (btf: Btf): void => {
      if (btf.base) scan(btf.base);
      const { nameOffs } = btf.#raw;
      for (let i = 0; i < nameOffs.length; i++) {
        const off = nameOffs[i]!;
        if (off === 0) continue;
        const id = btf.firstId + i;
        if (kind !== undefined && btf.kindOf(id) !== kind) continue;
        if (re.test(btf.string(off))) out.push(btf.type(id));
      }
    };
    scan(this);
    return out;
  }

  /** typeByName is findType that throws a BtfError with close names when nothing matches. */
  typeByName(name: string, kind?: TypeKindFilter): BtfType {
    const t = this.findType(name, kind);
    if (t) return t;
    const what = kind ? `${kind} ${name}` : `type ${name}`;
    throw new BtfError(`BTF has no ${what}`, closest(name, this.names()));
  }

  /** resolve follows typedef, const, volatile, restrict and type_tag to the underlying type. */
  resolve(id: TypeId): BtfType {
    let t = this.type(id);
    for (let n = 0; n < MAX_CHAIN; n++) {
      switch (t.kind) {
        case 'typedef':
        case 'const':
        case 'volatile':
        case 'restrict':
        case 'type_tag':
          t = this.type(t.type);
          continue;
        default:
          return t;
      }
    }
    throw new DecodeError(`BTF type ${id} is a chain of more than ${MAX_CHAIN} typedefs or modifiers`, 0);
  }

  /** sizeof is the size in bytes of a type, as C's sizeof (pointers are PTR_SIZE). */
  sizeof(id: TypeId): number {
    let mult = 1;
    for (let n = 0; n < MAX_CHAIN; n++) {
      const t = this.resolve(id);
      switch (t.kind) {
        case 'int':
        case 'float':
        case 'struct':
        case 'union':
        case 'enum':
        case 'enum64':
        case 'datasec':
          return mult * t.size;
        case 'ptr':
          return mult * PTR_SIZE;
        case 'array':
          mult *= t.nelems;
          id = t.type;
          continue;
        case 'var':
          id = t.type;
          continue;
        default:
          throw new BtfError(`${t.kind} ${this.typeName(t.id)} has no size`);
      }
    }
    throw new DecodeError(`BTF type ${id} nests arrays more than ${MAX_CHAIN} deep`, 0);
  }

  /** alignof is a type's alignment in bytes as the x86_64 ABI gives it (structs: their widest member). */
  alignof(id: TypeId): number {
    let t = this.resolve(id);
    for (let n = 0; n < MAX_CHAIN && t.kind === 'array'; n++) t = this.resolve(t.type);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'enum':
      case 'enum64':
        return Math.min(Math.max(t.size, 1), 8);
      case 'ptr':
        return PTR_SIZE;
      case 'struct':
      case 'union': {
        let align = 1;
        for (const m of t.members) {
          // A member at an offset its type's alignment does not divide means a packed struct.
          const a = m.bitSize > 0 ? 1 : this.alignof(m.type);
          if (m.bitSize === 0 && (m.bitOffset / 8) % a !== 0) return 1;
          align = Math.max(align, a);
        }
        return t.size % align === 0 ? align : 1;
      }
      default:
        throw new BtfError(`${t.kind} ${this.typeName(t.id)} has no alignment`);
    }
  }

  /** typeName prints a type as C would name it: `struct sock *`, `unsigned int`, `char[16]`. */
  typeName(id: TypeId): string {
    return typeName(this, id);
  }

  /** declaration prints a C declaration of `name` with this type: `char comm[16]`. */
  declaration(id: TypeId, name: string): string {
    return declaration(this, id, name);
  }

  /** memberPath locates `path` ('real_parent.pid', 'comm[3]') in `root`; see lookup.ts. */
  memberPath(root: string | TypeId, path: string): MemberLocation[] {
    return memberPath(this, root, path);
  }

  /** flatMembers lists a struct's members with locations, anonymous members' fields inlined. */
  flatMembers(root: string | TypeId): MemberLocation[] {
    return flatMembers(this, root);
  }

  /** offsetOf locates 'type.member.member' that does not cross a pointer. */
  offsetOf(path: string): MemberLocation {
    return offsetOf(this, path);
  }

  #enumeratorIndex(): Map<string, TypeId> {
    if (this.#enumerators) return this.#enumerators;
    const index = new Map<string, TypeId>();
    const { words, offsets } = this.#raw;
    for (let i = 0; i < offsets.length; i++) {
      const kind = (words[offsets[i]! + 1]! >>> 24) & 0x1f;
      if (kind !== Kind.Enum && kind !== Kind.Enum64) continue;
      const t = this.type(this.firstId + i) as EnumType;
      for (const v of t.values) if (!index.has(v.name)) index.set(v.name, t.id);
    }
    return (this.#enumerators = index);
  }

  /** enumType returns the enum (or enum64) named `name`, e.g. 'bpf_map_type'. */
  enumType(name: string): EnumType {
    return this.typeByName(name, 'enum') as EnumType;
  }

  /** enumValue returns an enumerator's value: enumValue('BPF_MAP_TYPE_RINGBUF') → 27n. */
  enumValue(enumerator: string, enumName?: string): bigint {
    if (enumName !== undefined) {
      const t = this.enumType(enumName);
      const v = t.values.find((x) => x.name === enumerator);
      if (v) return v.value;
      throw new BtfError(
        `enum ${t.name} has no enumerator '${enumerator}'`,
        closest(
          enumerator,
          t.values.map((x) => x.name),
        ),
      );
    }
    let owner = this.#enumeratorIndex().get(enumerator);
    if (owner === undefined && this.base) owner = this.base.#enumeratorIndex().get(enumerator);
    if (owner === undefined) {
      const all = this.base
        ? [...this.base.#enumeratorIndex().keys(), ...this.#enumeratorIndex().keys()]
        : this.#enumeratorIndex().keys();
      throw new BtfError(`BTF has no enumerator '${enumerator}'`, closest(enumerator, all));
    }
    return (this.type(owner) as EnumType).values.find((x) => x.name === enumerator)!.value;
  }

  /** enumName returns the name of `value` in enum `enumName`, or undefined (first match wins). */
  enumName(enumName: string, value: bigint | number): string | undefined {
    const v = BigInt(value);
    return this.enumType(enumName).values.find((x) => x.value === v)?.name;
  }

  /**
   * rawTracepointArgs returns the arguments a BTF-enabled raw tracepoint (tp_btf, raw_tp) of this name
   * receives. Names come from the `__probestub_<name>` or `__traceiter_<name>` functions (6.4+ and
   * 5.10+) when BTF has them, else they are '' and the types come from the `btf_trace_<name>` typedef.
   */
  rawTracepointArgs(name: string): { name: string; type: TypeId; typeName: string }[] {
    // The first parameter of each is the tracepoint's `void *__data` context, not an argument.
    const fromProto = (proto: BtfType) =>
      proto.kind === 'func_proto'
        ? proto.params.slice(1).map((p) => ({ name: p.name, type: p.type, typeName: this.typeName(p.type) }))
        : undefined;
    for (const prefix of ['__probestub_', '__traceiter_', '__bpf_trace_']) {
      const f = this.findType(`${prefix}${name}`, 'func');
      if (f?.kind === 'func') {
        const args = fromProto(this.type(f.type));
        if (args) return args;
      }
    }
    const td = this.findType(`btf_trace_${name}`, 'typedef');
    if (td?.kind !== 'typedef') {
      const known = this.findTypes('btf_trace_*', 'typedef').map((t) => t.name.slice('btf_trace_'.length));
      throw new BtfError(`BTF has no raw tracepoint ${name}`, closest(name, known));
    }
    const ptr = this.resolve(td.type);
    const args = fromProto(ptr.kind === 'ptr' ? this.resolve(ptr.type) : ptr);
    if (!args) throw new DecodeError(`btf_trace_${name} is not a pointer to a function prototype`, 0);
    return args;
  }

  /** funcByName returns a function's signature: funcByName('tcp_v4_connect'). */
  funcByName(name: string): FuncInfo {
    const f = this.findType(name, 'func') as FuncType | undefined;
    if (!f) {
      throw new BtfError(`BTF has no function ${name}`, closest(name, this.names()));
    }
    const proto = this.type(f.type);
    if (proto.kind !== 'func_proto') {
      throw new DecodeError(`BTF func ${name} points at a ${proto.kind}, not a func_proto`, 0);
    }
    const last = proto.params[proto.params.length - 1];
    const variadic = last !== undefined && last.type === 0 && last.name === '';
    const params = (variadic ? proto.params.slice(0, -1) : proto.params).map((p) => ({
      ...p,
      typeName: this.typeName(p.type),
    }));
    return { id: f.id, name, linkage: f.linkage, proto, returnType: proto.returnType, params, variadic };
  }
}

let vmlinux: Btf | undefined;

/** KERNEL_BTF_DIR holds vmlinux and one split BTF file per loaded module (5.11+). */
export const KERNEL_BTF_DIR = '/sys/kernel/btf';

/** loadVmlinux parses the running kernel's BTF once per process and caches it. */
export function loadVmlinux(path: string = VMLINUX_BTF_PATH): Btf {
  if (path !== VMLINUX_BTF_PATH) return Btf.load(path);
  return (vmlinux ??= Btf.load(path));
}

/** loadModuleBtf parses a kernel module's split BTF (`/sys/kernel/btf/<module>`) on vmlinux. */
export function loadModuleBtf(module: string, dir: string = KERNEL_BTF_DIR): Btf {
  if (!/^[\w-]+$/.test(module) || module === 'vmlinux') {
    throw new BtfError(`'${module}' is not a kernel module name`);
  }
  const base = dir === KERNEL_BTF_DIR ? loadVmlinux() : Btf.load(`${dir}/vmlinux`);
  if (!existsSync(`${dir}/${module}`)) {
    const loaded = readdirSync(dir).filter((n) => n !== 'vmlinux');
    throw new BtfError(`no BTF for module ${module} in ${dir} (is it loaded?)`, closest(module, loaded));
  }
  return Btf.load(`${dir}/${module}`, { base });
}
