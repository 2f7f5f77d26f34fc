// printf formats: parse a bpftrace format string once (at compile time, to check arguments), then
// render records in JavaScript with C's rules for flags, width and precision.

/** Spec is one conversion: `%-08.3lld` is flags '-0', width 8, precision 3, length 'll', conv 'd'. */
export interface Spec {
  flags: string;
  width: number | undefined;
  precision: number | undefined;
  length: string;
  conv: string;
  /** at is the offset of the '%' in the format, for error positions. */
  at: number;
}

export type Segment = string | Spec;

/** CONVERSIONS lists the conversions bpftrace accepts. */
const CONVERSIONS = 'diuxXoscpr';

/** parseFormat splits a format into literal text and conversions, or throws a message with an offset. */
export function parseFormat(fmt: string): Segment[] {
  const out: Segment[] = [];
  let lit = '';
  const re = /%([-+ #0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z|j|t)?([\s\S]?)/y;
  for (let i = 0; i < fmt.length; ) {
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
    re.lastIndex = i;
    const m = re.exec(fmt)!;
    const conv = m[5] ?? '';
    if (conv === '' || !CONVERSIONS.includes(conv)) {
      throw new FormatError(
        conv === ''
          ? `printf format ends in the middle of a conversion`
          : `printf: unknown conversion '${m[0].replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`,
        i,
      );
    }
    if (lit) out.push(lit);
    lit = '';
    out.push({
      flags: m[1] ?? '',
      width: m[2] === undefined ? undefined : Number(m[2]),
      precision: m[3] === undefined ? undefined : Number(m[3]),
      length: m[4] ?? '',
      conv,
      at: i,
    });
    i = re.lastIndex;
  }
  if (lit) out.push(lit);
  return out;
}

/** FormatError is a bad format string; `at` is the offset of the problem inside it. */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** specs returns the conversions of a parsed format, in order. */
export const specs = (segs: Segment[]): Spec[] => segs.filter((s): s is Spec => typeof s !== 'string');

/** Arg is a rendered printf argument: integers stay bigint so 64-bit values print exactly. */
export type Arg = bigint | string;

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  if (s.length >= w) return s;
  if (spec.flags.includes('-')) return s + ' '.repeat(w - s.length);
  if (numeric && spec.flags.includes('0') && spec.precision === undefined) {
    const sign = /^[-+ ]/.test(s) ? s[0]! : '';
    const prefix = /^[-+ ]?0[xX]/.test(s) ? s.slice(sign.length, sign.length + 2) : '';
    const body = s.slice(sign.length + prefix.length);
    return sign + prefix + '0'.repeat(w - s.length) + body;
  }
  return ' '.repeat(w - s.length) + s;
}

function lengthBits(spec: Spec, intBits: number): number {
  switch (spec.length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case '':
      return intBits;
    default:
      return 64;
  }
}

/**
 * formatOne renders one argument under one conversion. `intBits` is the width of a conversion with no
 * length modifier: 64 for bpftrace, whose `%d` prints a value whole; 32 for C's int (BCC's trace).
 */
export function formatOne(spec: Spec, arg: Arg, intBits = 64): string {
  switch (spec.conv) {
    case 's': {
      let s = typeof arg === 'string' ? arg : arg.toString();
      if (spec.precision !== undefined) s = s.slice(0, spec.precision);
      return pad(s, spec, false);
    }
    case 'c': {
      const s =
        typeof arg === 'string' ? arg.slice(0, 1) : String.fromCharCode(Number(BigInt.asUintN(8, arg)));
      return pad(s, spec, false);
    }
    case 'r':
      return pad(typeof arg === 'string' ? arg : arg.toString(), spec, false);
  }
  const v = typeof arg === 'bigint' ? arg : BigInt(/^-?\d+$/.test(arg) ? arg : 0);
  const bits = lengthBits(spec, intBits);
  let s: string;
  switch (spec.conv) {
    case 'd':
    case 'i': {
      const n = BigInt.asIntN(bits, v);
      s = (n < 0n ? -n : n).toString();
      if (spec.precision !== undefined) s = s.padStart(spec.precision, '0');
      s = (n < 0n ? '-' : spec.flags.includes('+') ? '+' : spec.flags.includes(' ') ? ' ' : '') + s;
      return pad(s, spec, true);
    }
    case 'u':
      s = BigInt.asUintN(bits, v).toString();
      break;
    case 'x':
    case 'X':
      s = BigInt.asUintN(bits, v).toString(16);
      if (spec.conv === 'X') s = s.toUpperCase();
      break;
    case 'o':
      s = BigInt.asUintN(bits, v).toString(8);
      break;
    case 'p':
      return pad(`0x${BigInt.asUintN(64, v).toString(16)}`, spec, true);
    default:
      s = v.toString();
  }
  if (spec.precision !== undefined) s = s.padStart(spec.precision, '0');
  if (spec.flags.includes('#') && v !== 0n) {
    if (spec.conv === 'x') s = `0x${s}`;
    else if (spec.conv === 'X') s = `0X${s}`;
    else if (spec.conv === 'o') s = `0${s}`;
  }
  return pad(s, spec, true);
}

/** render formats a parsed format with its arguments (see formatOne for intBits). */
export function render(segs: Segment[], args: Arg[], intBits = 64): string {
  let out = '';
  let n = 0;
  for (const s of segs) {
    if (typeof s === 'string') out += s;
    else out += formatOne(s, args[n++] ?? 0n, intBits);
  }
  return out;
}
