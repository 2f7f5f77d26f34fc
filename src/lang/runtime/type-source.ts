// KernelTypeSource: the compiler's TypeSource for the running kernel — tracepoint formats from
// tracefs and C types from the vmlinux BTF, loaded on first use so scripts without them start fast.

import { type Btf, loadVmlinux } from '../../btf/btf.js';
import { readEventFormat } from '../../btf/tracefs-events.js';
import type { BtfType, TypeId } from '../../btf/types.js';
import { ensureTracefs, listTracepoints } from '../../kernel/tracefs-mount.js';
import type { CMember, CType, TracepointField, TypeSource } from '../types.js';

/** KernelTypeSource reads tracefs and /sys/kernel/btf/vmlinux. */
export class KernelTypeSource implements TypeSource {
  private btf: Btf | undefined | null;
  private tps: string[] | undefined;
  private readonly cache = new Map<TypeId, CType>();

  tracepoints(): string[] {
    this.tps ??= listTracepoints(ensureTracefs());
    return this.tps;
  }

  private readonly formats = new Map<string, TracepointField[] | undefined>();

  tracepointFields(category: string, event: string): TracepointField[] | undefined {
    const key = `${category}:${event}`;
    if (!this.formats.has(key)) this.formats.set(key, this.readFields(category, event));
    return this.formats.get(key);
  }

  private readFields(category: string, event: string): TracepointField[] | undefined {
    let fmt: ReturnType<typeof readEventFormat>;
    try {
      fmt = readEventFormat({ category, name: event }, ensureTracefs());
    } catch {
      return undefined;
    }
    return fmt.fields.map((f) => {
      let decl: string;
      if (f.dataLoc) decl = `__data_loc ${f.type}[] ${f.name}`;
      else if (f.arrayLength !== undefined) decl = `${f.type} ${f.name}[${f.arrayLength || ''}]`;
      else decl = `${f.type} ${f.name}`;
      return { name: f.name, type: decl, offset: f.offset, size: f.size, signed: f.signed };
    });
  }

  cType(name: string): CType | undefined {
    const btf = this.vmlinux();
    if (!btf) return undefined;
    const m = /^(struct|union|enum) (.+)$/.exec(name);
    const t = m ? btf.findType(m[2]!, m[1] as 'struct') : btf.findType(name);
    return t ? this.convert(btf, t.id) : undefined;
  }

  enumValue(name: string): bigint | undefined {
    const btf = this.vmlinux();
    if (!btf) return undefined;
    try {
      return btf.enumValue(name);
    } catch {
      return undefined;
    }
  }

  private vmlinux(): Btf | undefined {
    if (this.btf === undefined) {
      try {
        this.btf = loadVmlinux();
      } catch {
        this.btf = null;
      }
    }
    return this.btf ?? undefined;
  }

  private convert(btf: Btf, id: TypeId): CType {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const t: BtfType = btf.resolve(id);
    let out: CType;
    switch (t.kind) {
      case 'int':
        out = { kind: 'int', name: t.name, size: t.size, signed: t.signed };
        break;
      case 'enum':
      case 'enum64':
        out = { kind: 'int', name: t.name ? `enum ${t.name}` : 'enum', size: t.size, signed: t.signed };
        break;
      case 'ptr': {
        const target = t.type;
        out = { kind: 'ptr', name: `${btf.typeName(target)} *`, target: () => this.convert(btf, target) };
        break;
      }
      case 'array':
        out = { kind: 'array', name: btf.typeName(t.id), elem: this.convert(btf, t.type), len: t.nelems };
        break;
      case 'struct':
      case 'union': {
        let members: CMember[] | undefined;
        const comp = t;
        out = {
          kind: 'struct',
          name: comp.name ? `${comp.kind} ${comp.name}` : `${comp.kind} {...}`,
          size: comp.size,
          members: () => {
            members ??= comp.members.map((mm) => {
              // A bitfield is read as the aligned 8-byte unit that holds it, then shifted and masked.
              const storage = mm.bitSize ? Math.floor(mm.bitOffset / 8) & ~3 : mm.bitOffset / 8;
              return {
                name: mm.name,
                offset: mm.bitSize ? storage : Math.floor(mm.bitOffset / 8),
                type: mm.bitSize
                  ? { kind: 'int', name: 'bitfield', size: 8, signed: false }
                  : this.convert(btf, mm.type),
                bitOffset: mm.bitOffset,
                bitSize: mm.bitSize,
              };
            });
            return members;
          },
        };
        break;
      }
      case 'fwd':
        out = {
          kind: 'struct',
          name: `${t.union ? 'union' : 'struct'} ${t.name}`,
          size: 0,
          members: () => [],
        };
        break;
      case 'void':
        out = { kind: 'void' };
        break;
      default:
        out = { kind: 'int', name: btf.typeName(t.id), size: 8, signed: false };
    }
    this.cache.set(id, out);
    return out;
  }
}
