// KernelResolver: symbolises addresses and stacks (kallsyms, ELF symbol tables of the traced
// process), names probes and users, and turns kernel monotonic times into wall-clock text.

import { readFileSync } from 'node:fs';
import type { BpfMap } from '../../kernel/map.js';
import type * as Symbols from '../../kernel/symbols.js';
import { strftime } from '../format/strftime.js';
import type { Resolver } from '../format/values.js';
import { CgroupPaths } from './cgroup-path.js';

const withOffset = (name: string, off: bigint): string => (off === 0n ? name : `${name}+${off}`);
// An address without a symbol prints in hex as bpftrace's does (C++ showbase: zero is plain `0`).
const hex = (addr: bigint): string => (addr === 0n ? '0' : `0x${addr.toString(16)}`);

export class KernelResolver implements Resolver {
  private readonly users = new Map<number, Symbols.UserSymbolizer>();
  private readonly stacks = new Map<string, bigint[]>();
  private passwd: Map<number, string> | undefined;
  private readonly cgroups = new CgroupPaths();

  constructor(
    /** stackMaps finds the stack table for stacks of a frame limit (codegen/layout.ts stacksRef). */
    private readonly stackMaps: (limit: number) => BpfMap | undefined,
    private readonly probeNames: string[],
    /** symbols is the kernel/symbols module, absent when the script prints no symbols. */
    private readonly symbols?: typeof Symbols,
  ) {}

  private user(pid: number): Symbols.UserSymbolizer | undefined {
    if (!this.symbols) return undefined;
    let u = this.users.get(pid);
    if (!u) this.users.set(pid, (u = new this.symbols.UserSymbolizer(pid)));
    return u;
  }

  cgroupPath(id: bigint, filter?: string): string {
    return this.cgroups.text(id, filter);
  }

  ksym(addr: bigint): string {
    return this.symbols?.kernelSymbols().lookup(addr)?.name ?? hex(addr);
  }

  ksymOffset(addr: bigint): string {
    const s = this.symbols?.kernelSymbols().lookup(addr);
    return s ? withOffset(s.name, s.offset) : hex(addr);
  }

  usym(addr: bigint, pid: number): string {
    const s = this.user(pid)?.lookup(addr);
    return s && s.offset === 0n && !s.name.includes('+0x')
      ? s.name
      : s && !s.name.startsWith('/')
        ? s.name
        : hex(addr);
  }

  usymOffset(addr: bigint, pid: number): string {
    const s = this.user(pid)?.lookup(addr);
    if (!s || s.name.startsWith('/')) return hex(addr);
    return withOffset(s.name, s.offset);
  }

  usymModule(addr: bigint, pid: number): string | undefined {
    const s = this.user(pid)?.lookup(addr);
    return s && !s.name.startsWith('/') ? s.module : undefined;
  }

  stack(id: number, user: boolean, pid: number, limit: number): bigint[] {
    const cacheKey = `${id}:${user}:${pid}:${limit}`;
    const hit = this.stacks.get(cacheKey);
    if (hit) return hit;
    let frames: bigint[] = [];
    const stackMap = this.stackMaps(limit);
    if (stackMap) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(id);
      const v = stackMap.get(key);
      if (v) {
        for (let i = 0; i + 8 <= v.length; i += 8) {
          const a = v.readBigUInt64LE(i);
          if (a === 0n) break;
          frames.push(a);
        }
      }
    }
    frames = frames.slice();
    this.stacks.set(cacheKey, frames);
    return frames;
  }

  probeName(id: number): string {
    return this.probeNames[id] ?? `probe#${id}`;
  }

  username(uid: number): string {
    if (!this.passwd) {
      this.passwd = new Map();
      try {
        for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
          const f = line.split(':');
          if (f.length > 2) this.passwd.set(Number(f[2]), f[0]!);
        }
      } catch {
        // No passwd file: names print as numbers.
      }
    }
    return this.passwd.get(uid) ?? String(uid);
  }

  strftime(fmt: string, ns: bigint): string {
    return strftimeAt(fmt, ns);
  }
}

/** strftimeAt formats a kernel monotonic timestamp (ktime_get_ns) as local wall-clock time. */
export function strftimeAt(fmt: string, ns: bigint): string {
  const wallNs = BigInt(Date.now()) * 1_000_000n - (process.hrtime.bigint() - ns);
  const ms = Number(wallNs / 1_000_000n);
  return strftime(fmt, new Date(ms), Number((wallNs / 1000n) % 1_000_000n));
}
