// KernelTypeSource: the compiler's TypeSource for the running kernel — tracepoint formats from
// tracefs and C types from the vmlinux BTF, loaded on first use so scripts without them start fast.

import { type Btf, loadModuleBtf, loadVmlinux } from '../../btf/btf.js';
import { readEventFormat } from '../../btf/tracefs-events.js';
import type { BtfType, TypeId } from '../../btf/types.js';
import { ensureTracefs, listTracepoints } from '../../kernel/tracefs-mount.js';
import type { CMember, CType, KernelFunc, TracepointField, TypeSource } from '../types.js';

/** KernelTypeSource reads tracefs and /sys/kernel/btf/vmlinux. */
export class KernelTypeSource implements TypeSource {
  private btf: Btf | undefined | null;
  private tps: string[] | undefined;
  /** caches holds converted types per BTF blob: module ids overlap one another past vmlinux's. */
  private readonly caches = new Map<Btf, Map<TypeId, CType>>();
  private readonly modules = new Map<string, Btf | null>();

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

  private funcs: string[] | undefined;

  kernelFunctions(): string[] {
    if (!this.funcs) {
      const btf = this.vmlinux();
      const out: string[] = [];
      // kindOf and nameOf read the raw words: decoding every type would cost far more.
      if (btf) for (let id = 1; id < btf.count; id++) if (btf.kindOf(id) === 'func') out.push(btf.nameOf(id));
      this.funcs = out;
    }
    return this.funcs;
  }

  kernelFunction(name: string, module?: string): KernelFunc | undefined {
    const btf = module ? this.module(module) : this.vmlinux();
    if (!btf) return undefined;
    const f = btf.findType(name, 'func');
    if (f?.kind !== 'func') return undefined;
    const proto = btf.type(f.type);
    if (proto.kind !== 'func_proto') return undefined;
    const params = proto.params
      .filter((p, i) => !(i === proto.params.length - 1 && p.type === 0 && p.name === ''))
      .map((p, i) => ({ name: p.name || `arg${i}`, type: this.convert(btf, p.type) }));
    return { name, btfId: f.id, module: module ?? '', params, ret: this.convert(btf, proto.returnType) };
  }

  private module(name: string): Btf | undefined {
    if (!this.modules.has(name)) {
      let btf: Btf | null = null;
      try {
        const base = this.vmlinux();
        if (base) btf = loadModuleBtf(name);
      } catch {
        btf = null;
      }
      this.modules.set(name, btf);
    }
    return this.modules.get(name) ?? undefined;
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
    let cache = this.caches.get(btf);
    if (!cache) this.caches.set(btf, (cache = new Map()));
    const hit = cache.get(id);
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
        if (userTagged(btf, target)) out.user = true;
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
    cache.set(id, out);
    return out;
  }
}

/** userTagged says a pointer's target carries the `__user` type tag (BTF type_tag "user", 5.17+). */
function userTagged(btf: Btf, id: TypeId): boolean {
  for (let n = 0; n < 16; n++) {
    const t = btf.type(id);
    if (t.kind === 'type_tag' && t.name === 'user') return true;
    if (t.kind !== 'type_tag' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict')
      return false;
    id = t.type;
  }
  return false;
}
