// LineCache: a loop that repeats one syscall with the same arguments, data and result (dd's 1-byte
// reads and writes) is printed from the last formatting of that call instead of formatted again.

import { type FormatOptions, formatLine, formatParts, type SyscallParts } from './format.js';
import { MAX_NR } from './programs.js';
import { RECORD, type SyscallRecord } from './record.js';

/** CACHED_MAX bounds the record bytes kept (and compared) per syscall number. */
const CACHED_MAX = 256;
const EMPTY = new Uint8Array(0);

interface Entry {
  /** key is the record from its syscall number on: what the text depends on (not times or ids). */
  key: Uint8Array;
  parts: SyscallParts;
  /** bare is the whole line without a pid prefix, leader or -T time, made when first needed. */
  bare: string | undefined;
}

/** LineCache formats records, reusing the text of the previous record of the same syscall if equal. */
export class LineCache {
  readonly #entries: (Entry | undefined)[] = new Array(MAX_NR);
  /** hits counts records printed from the cache. */
  hits = 0;

  /** parts formats rec (whose bytes are `bytes` from rec.base to rec.end), or reuses the last text. */
  parts(rec: SyscallRecord, bytes: Uint8Array, opts: FormatOptions): SyscallParts {
    return this.#entry(rec, bytes, opts).parts;
  }

  /** line is formatLine(parts(rec)), reusing the whole line when it has no prefix, leader or time. */
  line(rec: SyscallRecord, bytes: Uint8Array, opts: FormatOptions): string {
    const e = this.#entry(rec, bytes, opts);
    if (opts.pidPrefix || opts.leader || opts.showTime) return formatLine(e.parts, rec, opts);
    if (e.bare === undefined) e.bare = formatLine(e.parts, rec, opts);
    return e.bare;
  }

  #entry(rec: SyscallRecord, bytes: Uint8Array, opts: FormatOptions): Entry {
    const nr = rec.nr;
    const from = rec.base + RECORD.nr;
    const len = rec.end - from;
    // execve's text depends on what bpfkit knows of the command, not only on the record.
    const cacheable = nr >= 0 && nr < MAX_NR && len <= CACHED_MAX && opts.execArgs === undefined;
    const e = cacheable ? this.#entries[nr] : undefined;
    if (e !== undefined && e.key.length === len && same(e.key, bytes, from)) {
      this.hits++;
      return e;
    }
    const parts = formatParts(rec, opts);
    const fresh: Entry = { key: cacheable ? bytes.slice(from, from + len) : EMPTY, parts, bare: undefined };
    if (cacheable) this.#entries[nr] = fresh;
    return fresh;
  }
}

function same(key: Uint8Array, bytes: Uint8Array, from: number): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] !== bytes[from + i]) return false;
  return true;
}
