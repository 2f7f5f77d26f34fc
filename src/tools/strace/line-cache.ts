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
  /** words are the key's whole 32-bit words. */
  words: Int32Array;
  parts: SyscallParts;
  /** bare is the whole line without a pid prefix, leader or -T time, made when first needed. */
  bare: string | undefined;
}

/** LineCache formats records, reusing the text of the previous record of the same syscall if equal. */
export class LineCache {
  readonly #entries: (Entry | undefined)[] = new Array(MAX_NR);
  // A word view of the memory records come from (the ring mapping), made once per buffer.
  #buffer: ArrayBufferLike | undefined;
  #words: Int32Array | undefined;
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
    if (bytes.buffer !== this.#buffer) {
      this.#buffer = bytes.buffer;
      this.#words = bytes.buffer.byteLength % 4 === 0 ? new Int32Array(bytes.buffer) : undefined;
    }
    if (e !== undefined && e.key.length === len && same(e, bytes, this.#words, from)) {
      this.hits++;
      return e;
    }
    const parts = formatParts(rec, opts);
    const key = cacheable ? bytes.slice(from, from + len) : EMPTY;
    const words = new Int32Array(key.buffer, 0, key.length >> 2);
    const fresh: Entry = { key, words, parts, bare: undefined };
    if (cacheable) this.#entries[nr] = fresh;
    return fresh;
  }
}

/**
 * same compares the key with the record bytes at `from`: a word at a time where both are 4-aligned
 * (records start 8-byte aligned in the ring, and the key, from the syscall number on, 4 past that).
 */
function same(e: Entry, bytes: Uint8Array, words: Int32Array | undefined, from: number): boolean {
  const key = e.key;
  const n = key.length;
  let i = 0;
  const at = bytes.byteOffset + from;
  if (words !== undefined && (at & 3) === 0) {
    const w = e.words;
    const base = at >> 2;
    for (; i < w.length; i++) if (w[i] !== words[base + i]) return false;
    i <<= 2;
  }
  for (; i < n; i++) if (key[i] !== bytes[from + i]) return false;
  return true;
}
