// BTF kind numbers and INT encoding bits, as in the kernel's include/uapi/linux/btf.h.

/** Kind is BTF_KIND_*: bits 24-28 of btf_type.info. */
export const Kind = {
  Unknown: 0,
  Int: 1,
  Ptr: 2,
  Array: 3,
  Struct: 4,
  Union: 5,
  Enum: 6,
  Fwd: 7,
  Typedef: 8,
  Volatile: 9,
  Const: 10,
  Restrict: 11,
  Func: 12,
  FuncProto: 13,
  Var: 14,
  Datasec: 15,
  Float: 16,
  DeclTag: 17,
  TypeTag: 18,
  Enum64: 19,
} as const;

export type KindNumber = (typeof Kind)[keyof typeof Kind];

/** KindName is the lower-case name bpfkit uses for each kind in decoded types. */
export type KindName =
  | 'void'
  | 'int'
  | 'ptr'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'fwd'
  | 'typedef'
  | 'volatile'
  | 'const'
  | 'restrict'
  | 'func'
  | 'func_proto'
  | 'var'
  | 'datasec'
  | 'float'
  | 'decl_tag'
  | 'type_tag'
  | 'enum64';

/** kindNames maps a kind number to its name; index = BTF_KIND_*. */
export const kindNames: readonly KindName[] = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
];

/** IntEncoding is BTF_INT_SIGNED / CHAR / BOOL, bits 24-27 of the word after an INT type. */
export const IntEncoding = { Signed: 1, Char: 2, Bool: 4 } as const;

/** FuncLinkage is the vlen of a FUNC type. */
export const FuncLinkage = { Static: 0, Global: 1, Extern: 2 } as const;

/** VarLinkage is btf_var.linkage. */
export const VarLinkage = { Static: 0, GlobalAllocated: 1, GlobalExtern: 2 } as const;

/** BTF_MAGIC opens every BTF blob (0xeB9F, little-endian on x86). */
export const BTF_MAGIC = 0xeb9f;

/** BTF_HEADER_SIZE is sizeof(struct btf_header) for version 1. */
export const BTF_HEADER_SIZE = 24;

/**
 * extraWords is how many u32 words follow the 12-byte btf_type of a kind with `vlen` entries, or -1 for
 * an unknown kind. It is the only per-kind layout knowledge the lazy indexer needs.
 */
export function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case Kind.Int:
      return 1;
    case Kind.Array:
      return 3;
    case Kind.Struct:
    case Kind.Union:
      return vlen * 3;
    case Kind.Enum:
      return vlen * 2;
    case Kind.Enum64:
      return vlen * 3;
    case Kind.FuncProto:
      return vlen * 2;
    case Kind.Var:
      return 1;
    case Kind.Datasec:
      return vlen * 3;
    case Kind.DeclTag:
      return 1;
    case Kind.Ptr:
    case Kind.Fwd:
    case Kind.Typedef:
    case Kind.Volatile:
    case Kind.Const:
    case Kind.Restrict:
    case Kind.Func:
    case Kind.Float:
    case Kind.TypeTag:
      return 0;
    default:
      return -1;
  }
}
