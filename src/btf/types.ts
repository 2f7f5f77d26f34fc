// Decoded BTF types: one plain object per type id, discriminated by `kind`.

/** TypeId is an index into a BTF type table; 0 is void. */
export type TypeId = number;

interface Base {
  id: TypeId;
  /** name is '' for anonymous types. */
  name: string;
}

export interface VoidType extends Base {
  kind: 'void';
}

export interface IntType extends Base {
  kind: 'int';
  size: number;
  signed: boolean;
  char: boolean;
  bool: boolean;
  /** bits is the number of value bits (nr_bits); offset is the legacy bit offset (always 0 in vmlinux). */
  bits: number;
  offset: number;
}

export interface FloatType extends Base {
  kind: 'float';
  size: number;
}

/** RefType covers the kinds that only point at another type. */
export interface RefType extends Base {
  kind: 'ptr' | 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag';
  type: TypeId;
}

export interface ArrayType extends Base {
  kind: 'array';
  type: TypeId;
  indexType: TypeId;
  nelems: number;
}

/** Member is one field of a struct or union; bitSize is 0 unless it is a bitfield. */
export interface Member {
  name: string;
  type: TypeId;
  /** bitOffset is from the start of the enclosing struct or union. */
  bitOffset: number;
  bitSize: number;
}

export interface CompositeType extends Base {
  kind: 'struct' | 'union';
  size: number;
  members: Member[];
}

/** EnumValue is one enumerator; value is a bigint so ENUM64 values stay exact. */
export interface EnumValue {
  name: string;
  value: bigint;
}

export interface EnumType extends Base {
  kind: 'enum' | 'enum64';
  size: number;
  signed: boolean;
  values: EnumValue[];
}

export interface FwdType extends Base {
  kind: 'fwd';
  /** union is true for `union foo;`, false for `struct foo;`. */
  union: boolean;
}

export interface FuncType extends Base {
  kind: 'func';
  /** type is the FUNC_PROTO. */
  type: TypeId;
  linkage: 'static' | 'global' | 'extern';
}

export interface Param {
  /** name is '' in protos of function pointers. */
  name: string;
  /** type 0 as the last parameter means `...`. */
  type: TypeId;
}

export interface FuncProtoType extends Base {
  kind: 'func_proto';
  /** returnType 0 is void. */
  returnType: TypeId;
  params: Param[];
}

export interface VarType extends Base {
  kind: 'var';
  type: TypeId;
  linkage: 'static' | 'global' | 'extern';
}

export interface VarSecinfo {
  type: TypeId;
  offset: number;
  size: number;
}

export interface DatasecType extends Base {
  kind: 'datasec';
  size: number;
  vars: VarSecinfo[];
}

export interface DeclTagType extends Base {
  kind: 'decl_tag';
  type: TypeId;
  /** componentIdx is -1 for the type itself, else the member or parameter index. */
  componentIdx: number;
}

/** BtfType is any decoded BTF type. */
export type BtfType =
  | VoidType
  | IntType
  | FloatType
  | RefType
  | ArrayType
  | CompositeType
  | EnumType
  | FwdType
  | FuncType
  | FuncProtoType
  | VarType
  | DatasecType
  | DeclTagType;
