// C printf formats for trace's messages: parsed once when the probe is read (so mistakes are
// ParseErrors before anything is loaded), applied to each event's values.

/** Conversion is one % directive. */
export interface Conversion {
  flags: string;
  width: number | undefined;
  precision: number | undefined;
  /** length is '', 'h', 'hh', 'l', 'll' or 'z'. */
  length: string;
  conv: 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'c' | 's' | 'p';
}

/** FormatPart is literal text or a conversion. */
export type FormatPart = string | Conversion;

/** parseFormat splits a format; it returns an error message and the offset of the bad directive. */
export function parseFormat(fmt: string): FormatPart[] | { error: string; at: number } {
  const parts: FormatPart[] = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i]!;
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (fmt[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    const m = /^%([-0 +#]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z)?([diuxXocsp])/.exec(fmt.slice(i));
    if (!m) return { error: `bad format directive '${fmt.slice(i, i + 4)}'`, at: i };
    if (lit) parts.push(lit);
    lit = '';
    parts.push({
      flags: m[1] ?? '',
      width: m[2] === undefined ? undefined : Number(m[2]),
      precision: m[3] === undefined ? undefined : Number(m[3]),
      length: m[4] ?? '',
      conv: m[5] as Conversion['conv'],
    });
    i += m[0].length;
  }
  if (lit) parts.push(lit);
  return parts;
}

function pad(s: string, c: Conversion, numeric: boolean): string {
  const w = c.width ?? 0;
  if (s.length >= w) return s;
  if (c.flags.includes('-')) return s.padEnd(w);
  if (numeric && c.flags.includes('0')) {
    const neg = s.startsWith('-');
    return (neg ? '-' : '') + (neg ? s.slice(1) : s).padStart(w - (neg ? 1 : 0), '0');
  }
  return s.padStart(w);
}

/** formatValue renders one value (a u64 as bigint, or a string for %s) as C's printf would. */
export function formatValue(c: Conversion, v: bigint | string): string {
  if (c.conv === 's') {
    const s = typeof v === 'string' ? v : String(v);
    return pad(c.precision === undefined ? s : s.slice(0, c.precision), c, false);
  }
  const n = typeof v === 'bigint' ? v : 0n;
  const bits =
    c.length === 'l' || c.length === 'll' || c.length === 'z'
      ? 64
      : c.length === 'h'
        ? 16
        : c.length === 'hh'
          ? 8
          : 32;
  let s: string;
  switch (c.conv) {
    case 'd':
    case 'i': {
      const x = BigInt.asIntN(bits, n);
      s = (x >= 0n && c.flags.includes('+') ? '+' : '') + x.toString();
      break;
    }
    case 'u':
      s = BigInt.asUintN(bits, n).toString();
      break;
    case 'x':
    case 'X':
      s = BigInt.asUintN(bits, n).toString(16);
      if (c.flags.includes('#') && n !== 0n) s = `0x${s}`;
      if (c.conv === 'X') s = s.toUpperCase();
      break;
    case 'o':
      s = BigInt.asUintN(bits, n).toString(8);
      break;
    case 'c':
      s = String.fromCharCode(Number(BigInt.asUintN(8, n)));
      break;
    case 'p':
      s = `0x${BigInt.asUintN(64, n).toString(16)}`;
      break;
  }
  return pad(s, c, c.conv !== 'c');
}

/** applyFormat renders the parts with the values, in order. */
export function applyFormat(parts: FormatPart[], values: (bigint | string)[]): string {
  let k = 0;
  return parts.map((p) => (typeof p === 'string' ? p : formatValue(p, values[k++] ?? 0n))).join('');
}
