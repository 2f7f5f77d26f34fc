// decode: turns one type record of the type section (u32 words) into a BtfType object.

import { DecodeError } from '../errors/index.js';
import { FuncLinkage, IntEncoding, Kind, kindNames } from './kinds.js';
import type { BtfType, Member, Param, TypeId } from './types.js';

/** decodeType decodes the type that starts at word `w`; `string` reads the string section. */
export function decodeType(
  words: Uint32Array,
  w: number,
  id: TypeId,
  string: (offset: number) => string,
): BtfType {
  const name = string(words[w]!);
  const info = words[w + 1]!;
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kflag = info >>> 31 === 1;
  const sizeOrType = words[w + 2]!;
  const at = w + 3;
  switch (kind) {
    case Kind.Int: {
      const enc = words[at]!;
      const e = (enc >>> 24) & 0x0f;
      return {
        id,
        kind: 'int',
        name,
        size: sizeOrType,
        signed: (e & IntEncoding.Signed) !== 0,
        char: (e & IntEncoding.Char) !== 0,
        bool: (e & IntEncoding.Bool) !== 0,
        offset: (enc >>> 16) & 0xff,
        bits: enc & 0xff,
      };
    }
    case Kind.Float:
      return { id, kind: 'float', name, size: sizeOrType };
    case Kind.Ptr:
    case Kind.Typedef:
    case Kind.Volatile:
    case Kind.Const:
    case Kind.Restrict:
    case Kind.TypeTag:
      return { id, kind: kindNames[kind] as 'ptr', name, type: sizeOrType };
    case Kind.Array:
      return {
        id,
        kind: 'array',
        name,
        type: words[at]!,
        indexType: words[at + 1]!,
        nelems: words[at + 2]!,
      };
    case Kind.Struct:
    case Kind.Union: {
      const members: Member[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        const m = at + j * 3;
        const off = words[m + 2]!;
        members[j] = {
          name: string(words[m]!),
          type: words[m + 1]!,
          bitOffset: kflag ? off & 0xffffff : off,
          bitSize: kflag ? off >>> 24 : 0,
        };
      }
      return { id, kind: kind === Kind.Struct ? 'struct' : 'union', name, size: sizeOrType, members };
    }
    case Kind.Enum:
    case Kind.Enum64: {
      const is64 = kind === Kind.Enum64;
      const stride = is64 ? 3 : 2;
      const values = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        const m = at + j * stride;
        let value: bigint;
        if (is64) {
          const v = (BigInt(words[m + 2]!) << 32n) | BigInt(words[m + 1]!);
          value = kflag ? BigInt.asIntN(64, v) : v;
        } else {
          value = BigInt(kflag ? words[m + 1]! | 0 : words[m + 1]!);
        }
        values[j] = { name: string(words[m]!), value };
      }
      return { id, kind: is64 ? 'enum64' : 'enum', name, size: sizeOrType, signed: kflag, values };
    }
    case Kind.Fwd:
      return { id, kind: 'fwd', name, union: kflag };
    case Kind.Func:
      return { id, kind: 'func', name, type: sizeOrType, linkage: linkageName(vlen) };
    case Kind.FuncProto: {
      const params: Param[] = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        params[j] = { name: string(words[at + j * 2]!), type: words[at + j * 2 + 1]! };
      }
      return { id, kind: 'func_proto', name, returnType: sizeOrType, params };
    }
    case Kind.Var:
      return { id, kind: 'var', name, type: sizeOrType, linkage: linkageName(words[at]!) };
    case Kind.Datasec: {
      const vars = new Array(vlen);
      for (let j = 0; j < vlen; j++) {
        const m = at + j * 3;
        vars[j] = { type: words[m]!, offset: words[m + 1]!, size: words[m + 2]! };
      }
      return { id, kind: 'datasec', name, size: sizeOrType, vars };
    }
    case Kind.DeclTag:
      return { id, kind: 'decl_tag', name, type: sizeOrType, componentIdx: words[at]! | 0 };
    default:
      // indexTypes has rejected every other kind.
      throw new DecodeError(`unknown BTF kind ${kind}`, w * 4);
  }
}

function linkageName(v: number): 'static' | 'global' | 'extern' {
  return v === FuncLinkage.Global ? 'global' : v === FuncLinkage.Extern ? 'extern' : 'static';
}
