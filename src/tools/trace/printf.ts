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

/** SymbolConversion is BCC's %K (a kernel address as a symbol) or %U (a user address). */
export type SymbolConversion = 'K' | 'U';

/** symbolConversions lists, per conversion of the format, whether it is %K, %U or neither. */
export function symbolConversions(fmt: string): (SymbolConversion | undefined)[] {
  const out: (SymbolConversion | undefined)[] = [];
  for (const m of fmt.matchAll(/%(%|[-+ #0]*\d*(?:\.\d*)?[a-zA-Z]*)/g)) {
    const c = m[1]!;
    if (c === '%') continue;
    out.push(c === 'K' || c === 'U' ? c : undefined);
  }
  return out;
}

/** parseFormat splits a format; it returns an error message and the offset of the bad directive. */
export function parseFormat(fmt: string): FormatPart[] | { error: string; at: number } {
  let parts: FormatPart[];
  try {
    // %K and %U print as strings: the symbol is looked up when the event is printed.
    parts = parseLangFormat(fmt.replace(/%(%|K|U)/g, (m, c: string) => (c === '%' ? m : '%s')));
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
