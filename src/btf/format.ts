// format: C-like names and declarations for BTF types (`struct sock *`, `char comm[16]`,
// `int (*)(struct sock *, int)`) and a struct/union/enum definition dump with offsets.

import type { Btf } from './btf.js';
import type { BtfType, CompositeType, TypeId } from './types.js';

// Malformed BTF can make a pointer point at itself; past this depth print '...'.
const MAX_DEPTH = 32;

/** typeName prints a type as a C abstract declarator: `struct sock *`, `unsigned int`, `char[16]`. */
export function typeName(btf: Btf, id: TypeId): string {
  return declarator(btf, id, '', 0);
}

/** declaration prints a C declaration of `name` with type `id`: `char comm[16]`, `void (*fn)(int)`. */
export function declaration(btf: Btf, id: TypeId, name: string): string {
  return declarator(btf, id, name, 0);
}

function baseName(t: BtfType): string {
  switch (t.kind) {
    case 'struct':
    case 'union':
      return t.name === '' ? `${t.kind} {...}` : `${t.kind} ${t.name}`;
    case 'enum':
    case 'enum64':
      return t.name === '' ? 'enum {...}' : `enum ${t.name}`;
    case 'fwd':
      return `${t.union ? 'union' : 'struct'} ${t.name}`;
    default:
      return t.name;
  }
}

function join(base: string, inner: string): string {
  if (inner === '') return base;
  if (inner.startsWith('[')) return base + inner;
  return `${base} ${inner}`;
}

// declarator builds the C declarator inside-out, as in C's "declaration follows use" rule.
function declarator(btf: Btf, id: TypeId, inner: string, depth: number): string {
  if (depth > MAX_DEPTH) return join('...', inner);
  const t = btf.type(id);
  switch (t.kind) {
    case 'void':
      return join('void', inner);
    case 'ptr':
      return declarator(btf, t.type, `*${inner}`, depth + 1);
    case 'array': {
      const wrapped = inner.startsWith('*') ? `(${inner})` : inner;
      return declarator(btf, t.type, `${wrapped}[${t.nelems}]`, depth + 1);
    }
    case 'func_proto': {
      const wrapped = inner.startsWith('*') ? `(${inner})` : inner;
      const params = t.params.map((p) =>
        p.type === 0 && p.name === '' ? '...' : declarator(btf, p.type, '', depth + 1),
      );
      const list = params.length === 0 ? 'void' : params.join(', ');
      return declarator(btf, t.returnType, `${wrapped}(${list})`, depth + 1);
    }
    case 'func':
      return declarator(btf, t.type, inner === '' ? t.name : inner, depth + 1);
    case 'const':
    case 'volatile':
    case 'restrict': {
      const target = btf.type(t.type);
      // A qualified pointer is `char *const p`; anything else is `const char *p`.
      if (target.kind === 'ptr')
        return declarator(btf, t.type, inner === '' ? t.kind : `${t.kind} ${inner}`, depth + 1);
      return `${t.kind} ${declarator(btf, t.type, inner, depth + 1)}`;
    }
    case 'type_tag':
      return declarator(btf, t.type, inner, depth + 1);
    case 'var':
      return declarator(btf, t.type, inner === '' ? t.name : inner, depth + 1);
    case 'decl_tag':
      return join(`__attribute__((btf_decl_tag("${t.name}")))`, inner);
    case 'datasec':
      return join(`SEC("${t.name}")`, inner);
    default:
      return join(baseName(t), inner);
  }
}

/**
 * dumpType prints a C definition of a struct, union, enum, typedef or function, with each member's
 * byte offset and size (bit offset and width for bitfields) in comments, like `pahole`.
 */
export function dumpType(btf: Btf, id: TypeId): string {
  const t = btf.type(id);
  switch (t.kind) {
    case 'struct':
    case 'union':
      return [`${baseName(t)} {`, ...memberLines(btf, t, 0, 1), `}; /* size ${t.size} */`].join('\n');
    case 'enum':
    case 'enum64':
      return [
        `${baseName(t)} {`,
        ...t.values.map((v) => `\t${v.name} = ${v.value},`),
        `}; /* size ${t.size}${t.signed ? ', signed' : ''} */`,
      ].join('\n');
    case 'typedef':
      return `typedef ${declaration(btf, t.type, t.name)};`;
    case 'func': {
      const proto = btf.type(t.type);
      if (proto.kind !== 'func_proto') return `${typeName(btf, t.type)} ${t.name};`;
      const params = proto.params.map((p) =>
        p.type === 0 && p.name === ''
          ? '...'
          : p.name === ''
            ? typeName(btf, p.type)
            : declaration(btf, p.type, p.name),
      );
      const ret = typeName(btf, proto.returnType);
      return `${t.linkage === 'static' ? 'static ' : ''}${join(ret, `${t.name}(${params.join(', ') || 'void'})`)};`;
    }
    default:
      return `${typeName(btf, id)}; /* ${t.kind}, id ${id} */`;
  }
}

// memberLines prints members one per line; anonymous structs and unions are expanded in place, as C
// reaches their fields directly, with offsets from the start of the outermost type.
function memberLines(btf: Btf, t: CompositeType, base: number, depth: number): string[] {
  const indent = '\t'.repeat(depth);
  const lines: string[] = [];
  for (const m of t.members) {
    const inner = btf.type(m.type);
    if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union') && depth < MAX_DEPTH) {
      lines.push(`${indent}${inner.kind} {`);
      lines.push(...memberLines(btf, inner, base + m.bitOffset, depth + 1));
      lines.push(`${indent}};`);
      continue;
    }
    let decl = m.name === '' ? typeName(btf, m.type) : declaration(btf, m.type, m.name);
    if (m.bitSize > 0) decl += `:${m.bitSize}`;
    let size: string;
    try {
      size = String(btf.sizeof(m.type));
    } catch {
      size = '?';
    }
    const bit = base + m.bitOffset;
    const where =
      m.bitSize > 0 ? `bit ${bit} (byte ${Math.floor(bit / 8)}), ${m.bitSize} bits` : `${bit / 8}, ${size}`;
    // Tabs are 8 columns wide: line the comments up at column 48 whatever the nesting.
    lines.push(`${indent}${`${decl};`.padEnd(Math.max(0, 40 - 8 * (depth - 1)))} /* ${where} */`);
  }
  return lines;
}
