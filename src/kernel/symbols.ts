// Symbolisation: kernel addresses through /proc/kallsyms, user addresses through /proc/PID/maps and
// the ELF symbol tables of the mapped files.

import { readFileSync } from 'node:fs';
import { STT_FUNC, STT_GNU_IFUNC } from './elf.js';
import { loadElf } from './uprobe-resolve.js';

/** ResolvedSymbol is a symbol name and the address's offset into it. */
export interface ResolvedSymbol {
  name: string;
  offset: bigint;
  /** module is the kernel module ("[ext4]") or the file for user addresses. */
  module?: string;
}

/** formatSymbol renders "name+0x1a" (or "name" at offset 0). */
export function formatSymbol(s: ResolvedSymbol | undefined, addr: bigint): string {
  if (!s) return `0x${addr.toString(16)}`;
  return s.offset === 0n ? s.name : `${s.name}+0x${s.offset.toString(16)}`;
}

/** SymbolTable is a sorted address → name index answered by binary search. */
export class SymbolTable {
  readonly #addrs: BigUint64Array;
  readonly #names: string[];
  readonly #modules: (string | undefined)[];
  readonly #sizes: BigUint64Array;

  /** A non-zero `size` bounds a symbol: addresses past its end (a stripped local symbol) do not match. */
  constructor(entries: { addr: bigint; name: string; module?: string | undefined; size?: bigint }[]) {
    entries.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
    this.#addrs = BigUint64Array.from(entries.map((e) => e.addr));
    this.#names = entries.map((e) => e.name);
    this.#modules = entries.map((e) => e.module);
    this.#sizes = BigUint64Array.from(entries.map((e) => e.size ?? 0n));
  }

  get size(): number {
    return this.#names.length;
  }

  /** lookup returns the symbol at or below addr, or undefined below the first one. */
  lookup(addr: bigint): ResolvedSymbol | undefined {
    const a = this.#addrs;
    let lo = 0;
    let hi = a.length - 1;
    if (hi < 0 || addr < a[0]!) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid]! <= addr) lo = mid;
      else hi = mid - 1;
    }
    const size = this.#sizes[lo]!;
    if (size > 0n && addr - a[lo]! >= size) {
      // Symbols sharing an address: any of them may be the sized one that covers addr.
      let i = lo;
      while (i > 0 && a[i - 1] === a[lo]) i--;
      let covered = false;
      for (let j = i; j <= lo; j++)
        if (this.#sizes[j] === 0n || addr - a[j]! < this.#sizes[j]!) covered = true;
      if (!covered) return undefined;
    }
    const mod = this.#modules[lo];
    const out: ResolvedSymbol = { name: this.#names[lo]!, offset: addr - a[lo]! };
    if (mod !== undefined) out.module = mod;
    return out;
  }
}

/** parseKallsyms reads "ffffffff81000000 T _stext [module]" lines, keeping text symbols. */
export function parseKallsyms(text: string): SymbolTable {
  const entries: { addr: bigint; name: string; module?: string }[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(/\s+/);
    if (parts.length < 3) continue;
    const [hex, type, name, mod] = parts as [string, string, string, string | undefined];
    if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
    if (!/^[0-9a-f]+$/i.test(hex)) continue;
    const addr = BigInt(`0x${hex}`);
    if (addr === 0n) continue; // addresses hidden by kptr_restrict
    entries.push(mod ? { addr, name, module: mod } : { addr, name });
  }
  return new SymbolTable(entries);
}

let kallsyms: SymbolTable | undefined;

/** kernelSymbols loads /proc/kallsyms once per process. */
export function kernelSymbols(): SymbolTable {
  return (kallsyms ??= parseKallsyms(readFileSync('/proc/kallsyms', 'utf8')));
}

/** MapEntry is one file-backed executable line of /proc/PID/maps. */
export interface MapEntry {
  start: bigint;
  end: bigint;
  offset: bigint;
  path: string;
}

/** parseMaps keeps the executable, file-backed mappings of a /proc/PID/maps text. */
export function parseMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (!m || !m[3]!.includes('x')) continue;
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      offset: BigInt(`0x${m[4]}`),
      path: m[5]!,
    });
  }
  return out;
}

/** readMaps reads the executable mappings of a live process, undefined once it has exited. */
function readMaps(pid: number): MapEntry[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return undefined;
  }
  // An exited process that is not yet reaped still has /proc/PID, but an empty maps file.
  const maps = parseMaps(text);
  return maps.length > 0 ? maps : undefined;
}

/** lastMaps keeps the last mappings seen of each remembered process, for after it exits. */
const lastMaps = new Map<number, MapEntry[]>();

/**
 * rememberMaps reads a process's mappings now and keeps them, so addresses from it still resolve
 * once it has exited (events are read in batches, often after a short-lived process is gone). It
 * returns false when the process has already exited.
 */
export function rememberMaps(pid: number): boolean {
  const maps = readMaps(pid);
  if (maps) lastMaps.set(pid, maps);
  return maps !== undefined;
}

/** forgetMaps drops what rememberMaps kept for `pid` (all processes without an argument). */
export function forgetMaps(pid?: number): void {
  if (pid === undefined) lastMaps.clear();
  else lastMaps.delete(pid);
}

/** How long a miss waits before /proc/PID/maps is read again (a bad address must not re-read it per event). */
const REREAD_MS = 20;

/**
 * UserSymbolizer resolves addresses of one process through its /proc/PID/maps. The maps are read
 * while the process lives and read again when an address misses them (dlopen, exec); once the
 * process is gone, the last maps read — here or by rememberMaps — stay in use.
 */
export class UserSymbolizer {
  readonly #pid: number;
  #maps: MapEntry[];
  #readAt: number;
  readonly #tables = new Map<string, SymbolTable | null>();

  constructor(pid: number) {
    this.#pid = pid;
    const maps = readMaps(pid);
    if (maps && lastMaps.has(pid)) lastMaps.set(pid, maps);
    this.#maps = maps ?? lastMaps.get(pid) ?? [];
    this.#readAt = Date.now();
  }

  /** lookup resolves `addr` to a function of the file mapped there (or file+offset without symbols). */
  lookup(addr: bigint): ResolvedSymbol | undefined {
    let map = this.#find(addr);
    if (!map && Date.now() - this.#readAt >= REREAD_MS) {
      this.#readAt = Date.now();
      const maps = readMaps(this.#pid);
      if (maps) {
        if (lastMaps.has(this.#pid)) lastMaps.set(this.#pid, maps);
        this.#maps = maps;
        map = this.#find(addr);
      }
    }
    if (!map) return undefined;
    const table = this.#table(map.path);
    const fileOff = addr - map.start + map.offset;
    const elfPath = map.path.replace(/ \(deleted\)$/, '');
    let vaddr: bigint | undefined;
    try {
      vaddr = loadElf(elfPath).vaddrOf(fileOff);
    } catch {
      vaddr = undefined;
    }
    const sym = vaddr === undefined || !table ? undefined : table.lookup(vaddr);
    if (!sym) return { name: `${elfPath}+0x${fileOff.toString(16)}`, offset: 0n, module: elfPath };
    return { ...sym, module: elfPath };
  }

  #find(addr: bigint): MapEntry | undefined {
    return this.#maps.find((m) => addr >= m.start && addr < m.end);
  }

  #table(path: string): SymbolTable | null {
    let t = this.#tables.get(path);
    if (t !== undefined) return t;
    try {
      const elf = loadElf(path.replace(/ \(deleted\)$/, ''));
      t = new SymbolTable(
        elf.symbols
          .filter((s) => (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.value !== 0n)
          .map((s) => ({ addr: s.value, name: s.name, size: s.size })),
      );
    } catch {
      t = null;
    }
    this.#tables.set(path, t);
    return t;
  }
}
