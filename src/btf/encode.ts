// encode: BtfBuilder writes a BTF blob (header, types, deduplicated strings), for loading small BTF
// for map keys and values, and for tests (split BTF, bitfields, fuzzing).

import type { Btf } from './btf.js';
import { BTF_HEADER_SIZE, BTF_MAGIC, Kind, type KindNumber } from './kinds.js';
import type { BtfType, TypeId } from './types.js';

/** BtfBuilder appends types and returns their ids; `build()` produces the blob. */
export class BtfBuilder {
  readonly #words: number[] = [];
  readonly #strings: number[] = [0];
  readonly #stringIndex = new Map<string, number>([['', 0]]);
  readonly #strBase: number;
  readonly #firstId: TypeId;
  readonly #starts: number[] = [];
  #next: TypeId;
  readonly #copied = new Map<Btf, Map<TypeId, TypeId>>();

  /**
   * For split BTF pass the base's type count and string section length: new ids and string
   * offsets continue after the base's.
   */
  constructor(options: { baseCount?: number; baseStrLen?: number } = {}) {
    this.#next = this.#firstId = options.baseCount ?? 1;
    this.#strBase = options.baseStrLen ?? 0;
    // Split BTF string sections need not start with an empty string; vmlinux's does.
    if (this.#strBase > 0) {
      this.#strings.length = 0;
      this.#stringIndex.delete('');
    }
  }

  /** string interns `s` and returns its offset in the string section. */
  string(s: string): number {
    if (s === '' && this.#strBase > 0) return 0;
    const known = this.#stringIndex.get(s);
    if (known !== undefined) return known;
    const off = this.#strBase + this.#strings.length;
    this.#strings.push(...new TextEncoder().encode(s), 0);
    this.#stringIndex.set(s, off);
    return off;
  }

  /** raw appends one btf_type with its trailing words; it is the escape hatch for odd encodings. */
  raw(
    kind: KindNumber,
    name: string,
    vlen: number,
    sizeOrType: number,
    extra: number[] = [],
    kflag = false,
  ): TypeId {
    const info = ((kflag ? 1 : 0) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff);
    this.#starts.push(this.#words.length);
    this.#words.push(this.string(name), info >>> 0, sizeOrType >>> 0, ...extra.map((w) => w >>> 0));
    return this.#next++;
  }

  int(
    name: string,
    size: number,
    options: { signed?: boolean; char?: boolean; bool?: boolean } = {},
  ): TypeId {
    const enc = (options.signed ? 1 : 0) | (options.char ? 2 : 0) | (options.bool ? 4 : 0);
    return this.raw(Kind.Int, name, 0, size, [(enc << 24) | (size * 8)]);
  }

  float(name: string, size: number): TypeId {
    return this.raw(Kind.Float, name, 0, size);
  }

  ptr(type: TypeId): TypeId {
    return this.raw(Kind.Ptr, '', 0, type);
  }

  typedef(name: string, type: TypeId): TypeId {
    return this.raw(Kind.Typedef, name, 0, type);
  }

  modifier(kind: 'const' | 'volatile' | 'restrict', type: TypeId): TypeId {
    const k = kind === 'const' ? Kind.Const : kind === 'volatile' ? Kind.Volatile : Kind.Restrict;
    return this.raw(k, '', 0, type);
  }

  typeTag(name: string, type: TypeId): TypeId {
    return this.raw(Kind.TypeTag, name, 0, type);
  }

  array(type: TypeId, nelems: number, indexType: TypeId = 0): TypeId {
    return this.raw(Kind.Array, '', 0, 0, [type, indexType, nelems]);
  }

  /**
   * composite adds a struct or union. Members give `bitOffset` from the start; any `bitSize` makes
   * the whole type use the kind_flag encoding (bitfield size in the top 8 bits of the offset).
   */
  composite(
    kind: 'struct' | 'union',
    name: string,
    size: number,
    members: { name: string; type: TypeId; bitOffset: number; bitSize?: number }[],
  ): TypeId {
    const kflag = members.some((m) => (m.bitSize ?? 0) > 0);
    const extra: number[] = [];
    for (const m of members) {
      const off = kflag ? ((m.bitSize ?? 0) << 24) | (m.bitOffset & 0xffffff) : m.bitOffset;
      extra.push(this.string(m.name), m.type, off);
    }
    return this.raw(kind === 'struct' ? Kind.Struct : Kind.Union, name, members.length, size, extra, kflag);
  }

  struct(
    name: string,
    size: number,
    members: { name: string; type: TypeId; bitOffset: number; bitSize?: number }[],
  ) {
    return this.composite('struct', name, size, members);
  }

  enum(
    name: string,
    size: number,
    values: { name: string; value: number | bigint }[],
    signed = false,
  ): TypeId {
    const wide =
      values.some((v) => BigInt(v.value) > 0xffffffffn || BigInt(v.value) < -0x80000000n) || size > 4;
    const extra: number[] = [];
    for (const v of values) {
      const big = BigInt.asUintN(64, BigInt(v.value));
      extra.push(this.string(v.name), Number(big & 0xffffffffn));
      if (wide) extra.push(Number(big >> 32n));
    }
    return this.raw(wide ? Kind.Enum64 : Kind.Enum, name, values.length, size, extra, signed);
  }

  fwd(name: string, union = false): TypeId {
    return this.raw(Kind.Fwd, name, 0, 0, [], union);
  }

  funcProto(returnType: TypeId, params: { name: string; type: TypeId }[]): TypeId {
    return this.raw(
      Kind.FuncProto,
      '',
      params.length,
      returnType,
      params.flatMap((p) => [this.string(p.name), p.type]),
    );
  }

  func(name: string, proto: TypeId, linkage: 'static' | 'global' | 'extern' = 'global'): TypeId {
    return this.raw(Kind.Func, name, linkage === 'static' ? 0 : linkage === 'global' ? 1 : 2, proto);
  }

  variable(name: string, type: TypeId, linkage = 1): TypeId {
    return this.raw(Kind.Var, name, 0, type, [linkage]);
  }

  datasec(name: string, size: number, vars: { type: TypeId; offset: number; size: number }[]): TypeId {
    return this.raw(
      Kind.Datasec,
      name,
      vars.length,
      size,
      vars.flatMap((v) => [v.type, v.offset, v.size]),
    );
  }

  declTag(name: string, type: TypeId, componentIdx = -1): TypeId {
    return this.raw(Kind.DeclTag, name, 0, type, [componentIdx]);
  }

  /** setType points an already added PTR, TYPEDEF, modifier, FUNC or VAR at `type` (for cycles). */
  setType(id: TypeId, type: TypeId): void {
    const start = this.#starts[id - this.#firstId];
    if (start === undefined) throw new RangeError(`type ${id} was not added by this builder`);
    this.#words[start + 2] = type >>> 0;
  }

  /**
   * copy adds type `id` of another BTF (usually vmlinux) and every type it refers to, once each, and
   * returns the new id — so a map can carry BTF for a kernel struct without all of vmlinux. Pointers
   * are added before their targets, which breaks the cycles C types have (`struct list_head *next`).
   */
  copy(from: Btf, id: TypeId): TypeId {
    let seen = this.#copied.get(from);
    if (!seen) this.#copied.set(from, (seen = new Map([[0, 0]])));
    const pending: [TypeId, TypeId][] = [];
    const visit = (src: TypeId): TypeId => {
      const done = seen.get(src);
      if (done !== undefined) return done;
      const t = from.type(src);
      if (t.kind === 'ptr') {
        const mine = this.ptr(0);
        seen.set(src, mine);
        pending.push([mine, t.type]);
        return mine;
      }
      const mine = this.#copyOne(t, visit);
      seen.set(src, mine);
      return mine;
    };
    const result = visit(id);
    for (let job = pending.pop(); job !== undefined; job = pending.pop()) this.setType(job[0], visit(job[1]));
    return result;
  }

  #copyOne(t: BtfType, visit: (id: TypeId) => TypeId): TypeId {
    switch (t.kind) {
      case 'void':
        return 0;
      case 'int': {
        const enc = (t.signed ? 1 : 0) | (t.char ? 2 : 0) | (t.bool ? 4 : 0);
        return this.raw(Kind.Int, t.name, 0, t.size, [(enc << 24) | (t.offset << 16) | t.bits]);
      }
      case 'float':
        return this.float(t.name, t.size);
      case 'ptr':
        return this.ptr(visit(t.type));
      case 'typedef':
        return this.typedef(t.name, visit(t.type));
      case 'const':
      case 'volatile':
      case 'restrict':
        return this.modifier(t.kind, visit(t.type));
      case 'type_tag':
        return this.typeTag(t.name, visit(t.type));
      case 'array':
        return this.array(visit(t.type), t.nelems, visit(t.indexType));
      case 'struct':
      case 'union':
        return this.composite(
          t.kind,
          t.name,
          t.size,
          t.members.map((m) => ({
            name: m.name,
            type: visit(m.type),
            bitOffset: m.bitOffset,
            bitSize: m.bitSize,
          })),
        );
      case 'enum':
      case 'enum64': {
        const extra: number[] = [];
        for (const v of t.values) {
          const big = BigInt.asUintN(64, v.value);
          extra.push(this.string(v.name), Number(big & 0xffffffffn));
          if (t.kind === 'enum64') extra.push(Number(big >> 32n));
        }
        const kind = t.kind === 'enum64' ? Kind.Enum64 : Kind.Enum;
        return this.raw(kind, t.name, t.values.length, t.size, extra, t.signed);
      }
      case 'fwd':
        return this.fwd(t.name, t.union);
      case 'func_proto':
        return this.funcProto(
          visit(t.returnType),
          t.params.map((p) => ({ name: p.name, type: visit(p.type) })),
        );
      case 'func':
        return this.func(t.name, visit(t.type), t.linkage);
      case 'var':
        return this.variable(
          t.name,
          visit(t.type),
          t.linkage === 'static' ? 0 : t.linkage === 'global' ? 1 : 2,
        );
      case 'datasec':
        return this.datasec(
          t.name,
          t.size,
          t.vars.map((v) => ({ type: visit(v.type), offset: v.offset, size: v.size })),
        );
      case 'decl_tag':
        return this.declTag(t.name, visit(t.type), t.componentIdx);
    }
  }

  /** build writes the little-endian blob. */
  build(): Uint8Array {
    const typeLen = this.#words.length * 4;
    const strLen = this.#strings.length;
    const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + strLen);
    const view = new DataView(out.buffer);
    view.setUint16(0, BTF_MAGIC, true);
    view.setUint8(2, 1);
    view.setUint8(3, 0);
    view.setUint32(4, BTF_HEADER_SIZE, true);
    view.setUint32(8, 0, true);
    view.setUint32(12, typeLen, true);
    view.setUint32(16, typeLen, true);
    view.setUint32(20, strLen, true);
    for (let i = 0; i < this.#words.length; i++)
      view.setUint32(BTF_HEADER_SIZE + i * 4, this.#words[i]!, true);
    out.set(this.#strings, BTF_HEADER_SIZE + typeLen);
    return out;
  }
}
