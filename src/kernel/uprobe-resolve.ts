// Uprobe targets: finds a binary or library by name ("c", "libc", "bash", a path) and turns one of its
// symbols into the file offset the uprobe PMU wants.

import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BpfkitError } from '../errors/index.js';
import { ElfFile, STT_FUNC, STT_GNU_IFUNC } from './elf.js';
import { nearest } from './tracefs-mount.js';

/** UprobeTargetError is a binary or symbol that cannot be probed; the hint says what exists. */
export class UprobeTargetError extends BpfkitError {}

const LIB_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
  '/usr/local/lib',
];

/**
 * resolveBinary finds the file for `name`: a path (contains '/'), a library ("c", "libc", "libc.so.6",
 * from /etc/ld.so.cache or the standard directories) or an executable on $PATH.
 */
export function resolveBinary(name: string): string {
  if (name.includes('/')) {
    if (!existsSync(name)) throw new UprobeTargetError(`binary ${name} does not exist`);
    return realpathSync(name);
  }
  // "libfoo" and "foo.so" name libraries; other names are executables on $PATH first ("node" is
  // /usr/bin/node even where libnode.so exists), then libraries ("c" is libc).
  const libraryFirst = name.startsWith('lib') || name.includes('.so');
  if (libraryFirst) {
    const lib = resolveLibrary(name);
    if (lib) return lib;
  }
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return realpathSync(p);
    } catch {
      // not in this directory
    }
  }
  if (!libraryFirst) {
    const lib = resolveLibrary(name);
    if (lib) return lib;
  }
  throw new UprobeTargetError(`cannot find a library or executable named ${name}`, {
    hint: 'give a path, e.g. /lib/x86_64-linux-gnu/libc.so.6',
  });
}

/** resolveLibrary maps "c" / "libc" / "libc.so.6" to a shared library path, or undefined. */
export function resolveLibrary(name: string): string | undefined {
  const base = name.startsWith('lib') ? name : `lib${name}`;
  const wanted = base.includes('.so') ? [base] : [`${base}.so`];
  const cache = ldSoCache();
  for (const [soname, path] of cache) {
    if (wanted.some((w) => soname === w || soname.startsWith(`${w}.`))) return realpathSync(path);
  }
  for (const dir of LIB_DIRS) {
    for (const w of wanted) {
      const p = join(dir, w);
      if (existsSync(p)) {
        // libfoo.so may be a linker script (libc.so is); prefer the versioned ELF next to it.
        if (isElf(p)) return realpathSync(p);
      }
      for (const v of ['.6', '.1', '.0', '.2'])
        if (existsSync(p + v) && isElf(p + v)) return realpathSync(p + v);
    }
  }
  return undefined;
}

function isElf(path: string): boolean {
  try {
    const b = readFileSync(path).subarray(0, 4);
    return b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
  } catch {
    return false;
  }
}

let cacheEntries: [string, string][] | undefined;

/** ldSoCache reads /etc/ld.so.cache once per process into [soname, path] pairs (empty when absent). */
export function ldSoCache(path = '/etc/ld.so.cache'): [string, string][] {
  if (cacheEntries && path === '/etc/ld.so.cache') return cacheEntries;
  let out: [string, string][] = [];
  try {
    out = parseLdSoCache(readFileSync(path));
  } catch {
    // no cache or an unreadable one: fall back to the standard directories
  }
  if (path === '/etc/ld.so.cache') cacheEntries = out;
  return out;
}

/**
 * parseLdSoCache decodes the "glibc-ld.so.cache1.1" format (alone or after the old "ld.so-1.7.0"
 * table); entries whose strings fall outside the file are dropped.
 */
export function parseLdSoCache(b: Buffer): [string, string][] {
  const out: [string, string][] = [];
  const magic = 'glibc-ld.so.cache1.1';
  const start = b.indexOf(magic);
  if (start < 0 || start + 48 > b.length) return out;
  // header: magic(20) nlibs(u32) len_strings(u32) flags(u8) pad(3) extension(u32) unused(3*u32) = 48
  const nlibs = b.readUInt32LE(start + 20);
  const entries = start + 48;
  for (let i = 0; i < nlibs; i++) {
    const e = entries + i * 24; // flags i32, key u32, value u32, osversion u32, hwcap u64
    if (e + 24 > b.length) break;
    const key = cstr(b, start + b.readUInt32LE(e + 4));
    const value = cstr(b, start + b.readUInt32LE(e + 8));
    if (key !== '' && value.startsWith('/')) out.push([key, value]);
  }
  return out;
}

function cstr(b: Buffer, at: number): string {
  if (at < 0 || at >= b.length) return '';
  const end = b.indexOf(0, at);
  return b.toString('utf8', at, end < 0 ? b.length : end);
}

/** UprobeTarget is a resolved probe point: the real file and the byte offset of the instruction. */
export interface UprobeTarget {
  path: string;
  offset: bigint;
  symbol: string;
}

const elfCache = new Map<string, ElfFile>();

/** loadElf parses (and caches by path) an ELF file. */
export function loadElf(path: string): ElfFile {
  let elf = elfCache.get(path);
  if (!elf) {
    elf = new ElfFile(readFileSync(path));
    elfCache.set(path, elf);
  }
  return elf;
}

/** functionNames lists the function symbols of `elf` whose names match `re`, sorted, each once. */
export function functionNames(elf: ElfFile, re: RegExp): string[] {
  const names = new Set<string>();
  for (const y of elf.symbols)
    if ((y.type === STT_FUNC || y.type === STT_GNU_IFUNC) && y.value !== 0n && re.test(y.name))
      names.add(y.name);
  return [...names].sort();
}

/**
 * resolveUprobe turns `binary` + `symbol` (optionally "+0x10") into a file offset. A missing symbol
 * names the binary and suggests near matches.
 */
export function resolveUprobe(binary: string, symbol: string): UprobeTarget {
  const path = resolveBinary(binary);
  let elf: ElfFile;
  try {
    elf = loadElf(path);
  } catch (err) {
    throw new UprobeTargetError(`${path} is not a readable ELF file: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const m = /^(.*?)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(symbol);
  const name = m?.[1] ?? symbol;
  const extra = m?.[2] ? BigInt(m[2]) : 0n;
  if (/^0x[0-9a-f]+$/i.test(name)) {
    const off = elf.fileOffset(BigInt(name));
    if (off === undefined)
      throw new UprobeTargetError(`address ${name} is not in a loadable segment of ${path}`);
    return { path, offset: off + extra, symbol: name };
  }
  const sym = elf.symbol(name);
  if (!sym || sym.value === 0n) {
    const names = [...new Set(elf.symbols.filter((s) => s.type === 2 || s.type === 10).map((s) => s.name))];
    const near = nearest(name, names, 4);
    throw new UprobeTargetError(`symbol ${name} not found in ${path}`, {
      hint:
        near.length > 0 ? `did you mean ${near.join(', ')}?` : `${path} defines ${names.length} functions`,
    });
  }
  const off = elf.fileOffset(sym.value);
  if (off === undefined)
    throw new UprobeTargetError(`symbol ${name} in ${path} is not in a loadable segment`);
  return { path, offset: off + extra, symbol: name };
}
