// C printf formats for trace's messages: the language's parser and renderer, with C's rules where
// BCC's trace differs from bpftrace — a conversion without a length modifier is a 32-bit int, and
// only C's conversions are accepted. Parsed once when the probe is read, so a mistake is a
// ParseError before anything is loaded.

import {
  FormatError,
  parseFormat as parseLangFormat,
  render,
  type Segment,
} from '../../lang/format/printf.js';

/** FormatPart is literal text or a conversion. */
export type FormatPart = Segment;

/** C_CONVERSIONS are the conversions C's printf (and so BCC's trace) knows. */
const C_CONVERSIONS = 'diuxXocsp';
const C_LENGTHS = ['', 'hh', 'h', 'l', 'll', 'z'];

/** parseFormat splits a format; it returns an error message and the offset of the bad directive. */
export function parseFormat(fmt: string): FormatPart[] | { error: string; at: number } {
  let parts: FormatPart[];
  try {
    parts = parseLangFormat(fmt);
  } catch (err) {
    if (err instanceof FormatError) return { error: err.message, at: err.at };
    throw err;
  }
  for (const p of parts) {
    if (typeof p === 'string') continue;
    if (!C_CONVERSIONS.includes(p.conv) || !C_LENGTHS.includes(p.length))
      return { error: `printf: unknown conversion '%${p.length}${p.conv}'`, at: p.at };
  }
  return parts;
}

/** applyFormat renders the parts with the values (a u64 as bigint, or a string for %s), in order. */
export function applyFormat(parts: FormatPart[], values: (bigint | string)[]): string {
  return render(parts, values, 32);
}
