// Types of the tracing language: the value types expressions have (Ty), the C types they come from
// (CType, from tracepoint formats and BTF), and TypeSource, the interface the compiler asks for them.

/** CType is a C type as the compiler needs it: sizes, signedness, members with byte offsets. */
export type CType =
  | { kind: 'void' }
  | { kind: 'int'; name: string; size: number; signed: boolean }
  /** user marks a BTF `__user` pointer (type tag "user"), read with probe_read_user. */
  | { kind: 'ptr'; name: string; target: () => CType; user?: boolean }
  | { kind: 'array'; name: string; elem: CType; len: number }
  | { kind: 'struct'; name: string; size: number; members: () => CMember[] }
  /** dataloc is a tracepoint `__data_loc` field: a u32 holding offset (low 16) and length (high 16). */
  | { kind: 'dataloc'; name: string; elem: CType };

/** CMember is a struct or union member; bitSize is 0 unless it is a bitfield. */
export interface CMember {
  name: string;
  offset: number;
  type: CType;
  bitOffset: number;
  bitSize: number;
}

/** TracepointField is one field of a tracefs event format. */
export interface TracepointField {
  name: string;
  /** type is the C declaration text as in the format file: `const char * filename`. */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
}

/** KernelParam is one parameter of a kernel function, from its BTF FUNC_PROTO. */
export interface KernelParam {
  name: string;
  type: CType;
}

/** KernelFunc is a kernel function's signature as fentry/fexit see it. */
export interface KernelFunc {
  name: string;
  /** btfId is the id of the BTF FUNC, the attach_btf_id an fentry/fexit program loads with. */
  btfId: number;
  /** module is the kernel module whose split BTF holds the function ('' for vmlinux). */
  module: string;
  params: KernelParam[];
  ret: CType;
}

/** paramSlots is how many u64 context slots a parameter takes: a struct passed by value takes one
 * per 8 bytes, as the BPF trampoline saves it. */
export const paramSlots = (t: CType): number =>
  t.kind === 'struct' ? Math.max(1, Math.ceil(t.size / 8)) : 1;

/** retvalOffset is where fexit finds the return value in its context: after every parameter. */
export const retvalOffset = (f: KernelFunc): number =>
  8 * f.params.reduce((n, p) => n + paramSlots(p.type), 0);

/** TypeSource answers the compiler's questions about the running kernel; tests supply a fake. */
export interface TypeSource {
  /** tracepointFields lists an event's fields (without the common_ header), or undefined if unknown. */
  tracepointFields(category: string, event: string): TracepointField[] | undefined;
  /** tracepoints lists every `category:event` the kernel has. */
  tracepoints(): string[];
  /** struct resolves `struct sock`, `union x`, a typedef or a base type name through BTF. */
  cType(name: string): CType | undefined;
  /** enumValue resolves a BTF enumerator (TCP_FIN_WAIT1, SKB_DROP_REASON_NOT_SPECIFIED). */
  enumValue?(name: string): bigint | undefined;
  /** kernelFunctions lists names that kprobe/fentry could attach to, for wildcards and suggestions. */
  kernelFunctions?(): string[];
  /** kernelFunction is a function's BTF signature, from `module`'s BTF when given; fentry/fexit need it. */
  kernelFunction?(name: string, module?: string): KernelFunc | undefined;
}

/** AggFn is an in-kernel aggregation assigned to a map. */
export type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stats' | 'hist' | 'lhist';

/** AddrSpace tells which probe_read helper a pointer needs. */
export type AddrSpace = 'kernel' | 'user';

/** Ty is the type of a language expression. */
export type Ty =
  | { k: 'int'; size: 1 | 2 | 4 | 8; signed: boolean }
  | { k: 'str'; size: number }
  | { k: 'ptr'; to: CType; space: AddrSpace }
  /** record is a struct or array in memory, known by address (ctx for tracepoint `args`). */
  | { k: 'record'; ctype: CType; space: AddrSpace | 'ctx' }
  | { k: 'buf'; size: number }
  | { k: 'tuple'; elems: Ty[] }
  | { k: 'stack'; user: boolean; limit: number; mode: 'bpftrace' | 'perf' | 'raw' }
  | { k: 'ksym' }
  | { k: 'usym' }
  | { k: 'inet'; size: number }
  /** bytes is pton()'s int8[4] or int8[16]: an address in network order. */
  | { k: 'bytes'; size: number }
  /** macaddr is six bytes of a MAC address, in an 8-byte slot. */
  | { k: 'macaddr' }
  /** cgroupPath is a cgroup id, printed as its path (resolved in user space). */
  | { k: 'cgroupPath'; filter?: string }
  | { k: 'username' }
  | { k: 'probe' }
  | { k: 'timestamp'; fmt?: string }
  | { k: 'agg'; fn: AggFn; lhist?: { min: bigint; max: bigint; step: bigint } }
  | { k: 'none' };

export const U64: Ty = { k: 'int', size: 8, signed: false };
export const I64: Ty = { k: 'int', size: 8, signed: true };
export const U32: Ty = { k: 'int', size: 4, signed: false };
export const NONE: Ty = { k: 'none' };
export const COMM: Ty = { k: 'str', size: 16 };

/** STRLEN is the default size of strings read with str(), as bpftrace's BPFTRACE_STRLEN. */
export const STRLEN = 64;

/** isInt says whether a type is an integer (pointers count, as in C arithmetic). */
export const isIntLike = (t: Ty): boolean => t.k === 'int' || t.k === 'ptr';

/**
 * arithSigned says whether a binary operator works on l and r as signed, by C's usual arithmetic
 * conversions: after narrow types promote to int, mixed signedness is unsigned unless the signed
 * operand is the wider (so
 * `(uint64)-1 > 0` holds and `(uint64)-1 / 2` divides unsigned, as in C and bpftrace). Pointers
 * are unsigned 64-bit.
 */
export function arithSigned(l: Ty, r: Ty): boolean {
  // Types narrower than int promote to (signed) int first.
  const info = (t: Ty) =>
    t.k !== 'int'
      ? { signed: false, size: 8 }
      : t.size < 4
        ? { signed: true, size: 4 }
        : { signed: t.signed, size: t.size };
  const a = info(l);
  const b = info(r);
  if (a.signed === b.signed) return a.signed;
  return a.signed ? a.size > b.size : b.size > a.size;
}

/** tyName describes a type in error messages: `string`, `int64`, `struct sock *`. */
export function tyName(t: Ty): string {
  switch (t.k) {
    case 'int':
      return `${t.signed ? 'int' : 'uint'}${t.size * 8}`;
    case 'str':
      return 'string';
    case 'ptr':
      return `${cName(t.to)} *`;
    case 'record':
      return cName(t.ctype);
    case 'tuple':
      return `(${t.elems.map(tyName).join(', ')})`;
    case 'agg':
      return `${t.fn}()`;
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'none':
      return 'void';
    case 'bytes':
      return `int8[${t.size}]`;
    default:
      return t.k;
  }
}

/** cName is the C spelling of a CType. */
export function cName(c: CType): string {
  return c.kind === 'void' ? 'void' : c.name;
}

/** resolveInt turns an integer CType into the language's int type. */
export function intTy(size: number, signed: boolean): Ty {
  const s = size === 1 || size === 2 || size === 4 ? size : 8;
  return { k: 'int', size: s, signed };
}

/** sameShape says whether two types can share a map slot or variable. */
export function compatible(a: Ty, b: Ty): boolean {
  if (isIntLike(a) && isIntLike(b)) return true;
  if (a.k !== b.k) return false;
  if (a.k === 'tuple' && b.k === 'tuple') {
    return a.elems.length === b.elems.length && a.elems.every((e, i) => compatible(e, b.elems[i]!));
  }
  if (a.k === 'agg' && b.k === 'agg') return a.fn === b.fn;
  return true;
}

/** byteSize is how many bytes a value of this type takes in a map key, value or event record. */
export function byteSize(t: Ty): number {
  switch (t.k) {
    case 'int':
    case 'ptr':
    case 'ksym':
    case 'probe':
    case 'timestamp':
    case 'username':
    case 'macaddr':
    case 'cgroupPath':
      return 8;
    case 'usym':
      return 16;
    case 'str':
      return t.size;
    case 'buf':
      return t.size + 8;
    case 'bytes':
      return t.size;
    case 'inet':
      return 24;
    case 'tuple':
      return t.elems.reduce((n, e) => n + align8(byteSize(e)), 0);
    case 'stack':
      // A stack id, plus the pid for user stacks (symbolised against its address space).
      return t.user ? 16 : 8;
    case 'record':
      return 8;
    case 'agg':
      return aggValueSize(t.fn);
    case 'none':
      return 0;
  }
}

/** aggValueSize is the per-CPU value size of an aggregation's map entry. */
export function aggValueSize(fn: AggFn): number {
  // avg/stats keep [count, total]; min/max keep [value, isSet] so unset CPUs are skipped when merged.
  return fn === 'avg' || fn === 'stats' || fn === 'min' || fn === 'max' ? 16 : 8;
}

export const align8 = (n: number): number => (n + 7) & ~7;

/** parseCDecl turns a tracefs field declaration into a CType, resolving names through `source`. */
export function parseCDecl(decl: string, size: number, signed: boolean, source?: TypeSource): CType {
  let d = decl.trim();
  const dataLoc = d.startsWith('__data_loc ');
  if (dataLoc) d = d.slice('__data_loc '.length);
  // Drop the field name (the last identifier) and its array suffix; `__data_loc char[] name` puts
  // the brackets before the name.
  const named = /([A-Za-z_]\w*)\s*(?:\[(\d*)\])?\s*$/.exec(d);
  let len = -1;
  if (named) {
    if (named[2] !== undefined) len = named[2] === '' ? 0 : Number(named[2]);
    d = d.slice(0, named.index).trim();
  }
  if (dataLoc) d = d.replace(/\[\d*\]$/, '').trim();
  d = d
    .replace(/\b(const|volatile|__user|__rcu|__iomem|__percpu)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  let pointers = 0;
  while (d.endsWith('*')) {
    pointers++;
    d = d.slice(0, -1).trim();
  }
  const base = (): CType => {
    const known = builtinCType(d, pointers > 0 || len >= 0 ? undefined : size, signed);
    if (known) return known;
    return source?.cType(d) ?? { kind: 'int', name: d, size: pointers > 0 || len >= 0 ? 1 : size, signed };
  };
  let t: CType;
  if (pointers > 0) {
    let inner: CType | undefined;
    const target = () => {
      inner ??= base();
      return inner;
    };
    t = { kind: 'ptr', name: `${d} ${'*'.repeat(pointers)}`, target };
    for (let i = 1; i < pointers; i++) {
      const prev: CType = t;
      t = { kind: 'ptr', name: `${prev.name}*`, target: () => prev };
    }
  } else {
    t = base();
    // Syscall formats declare `int dfd` with size 8: the format's size and sign are what is stored.
    if (t.kind === 'int' && len < 0 && !dataLoc) t = { kind: 'int', name: t.name, size, signed };
  }
  if (dataLoc) return { kind: 'dataloc', name: `__data_loc ${cName(t)}[]`, elem: t };
  if (len >= 0) {
    const elemSize = t.kind === 'int' ? t.size : 8;
    const n = len > 0 ? len : Math.floor(size / Math.max(1, elemSize));
    return { kind: 'array', name: `${cName(t)}[${n}]`, elem: t, len: n };
  }
  return t;
}

const C_INTS: Record<string, [number, boolean]> = {
  char: [1, true],
  'signed char': [1, true],
  'unsigned char': [1, false],
  short: [2, true],
  'unsigned short': [2, false],
  int: [4, true],
  'unsigned int': [4, false],
  unsigned: [4, false],
  long: [8, true],
  'unsigned long': [8, false],
  'long long': [8, true],
  'unsigned long long': [8, false],
  bool: [1, false],
  _Bool: [1, false],
  u8: [1, false],
  u16: [2, false],
  u32: [4, false],
  u64: [8, false],
  s8: [1, true],
  s16: [2, true],
  s32: [4, true],
  s64: [8, true],
  __u8: [1, false],
  __u16: [2, false],
  __u32: [4, false],
  __u64: [8, false],
  __s8: [1, true],
  __s16: [2, true],
  __s32: [4, true],
  __s64: [8, true],
  int8: [1, true],
  int16: [2, true],
  int32: [4, true],
  int64: [8, true],
  uint8: [1, false],
  uint16: [2, false],
  uint32: [4, false],
  uint64: [8, false],
  pid_t: [4, true],
  uid_t: [4, false],
  gid_t: [4, false],
  size_t: [8, false],
  ssize_t: [8, true],
  loff_t: [8, true],
  umode_t: [2, false],
  dev_t: [4, false],
};

/** builtinCType knows the C integer names, so formats resolve without BTF. */
export function builtinCType(name: string, sizeHint?: number, signedHint?: boolean): CType | undefined {
  if (name === 'void') return { kind: 'void' };
  const k = C_INTS[name];
  if (k) return { kind: 'int', name, size: k[0], signed: k[1] };
  if (sizeHint !== undefined && /^(unsigned |signed )?\w+$/.test(name) && !name.startsWith('struct')) {
    // An unknown typedef in a format file: trust the format's size and sign.
    return { kind: 'int', name, size: sizeHint, signed: signedHint ?? false };
  }
  return undefined;
}
