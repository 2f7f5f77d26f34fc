// tracefs-print: the value → name tables a tracepoint's `print fmt` gives its fields through
// __print_symbolic (TCP states, address families) and __print_flags (task states), for readable output.

import type { EventFormat } from './tracefs-format.js';

/** FieldSymbols names the values of one field: `symbolic` values are exact, `flags` are OR-ed bits. */
export interface FieldSymbols {
  field: string;
  kind: 'symbolic' | 'flags';
  /** delimiter joins flag names ('|'); '' for symbolic. */
  delimiter: string;
  values: Map<number, string>;
}

const CALL = /__print_(symbolic|flags)(?:_u64)?\s*\(/g;
const PAIR = /\{\s*(-?(?:0[xX][0-9a-fA-F]+|\d+))\s*,\s*"((?:[^"\\]|\\.)*)"\s*\}/g;

/** closing finds the index just past the parenthesis that closes the one before `start`. */
function closing(text: string, start: number): number {
  let depth = 1;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return text.length;
}

/** printSymbols extracts every __print_symbolic/__print_flags table from a format's print fmt. */
export function printSymbols(format: EventFormat): FieldSymbols[] {
  const fmt = format.printFmt;
  const out: FieldSymbols[] = [];
  for (const m of fmt.matchAll(CALL)) {
    const start = m.index + m[0].length;
    const body = fmt.slice(start, closing(fmt, start));
    const field = /REC->(\w+)/.exec(body)?.[1];
    if (field === undefined) continue;
    const kind = m[1] === 'flags' ? 'flags' : 'symbolic';
    const delimiter = kind === 'flags' ? (/,\s*"((?:[^"\\]|\\.)*)"\s*,\s*\{/.exec(body)?.[1] ?? '|') : '';
    const values = new Map<number, string>();
    for (const p of body.matchAll(PAIR)) {
      // Number() reads hex but not negative hex, so the sign is applied separately.
      const lit = p[1]!;
      const v = lit.startsWith('-') ? -Number(lit.slice(1)) : Number(lit);
      if (Number.isSafeInteger(v) && !values.has(v)) values.set(v, p[2]!);
    }
    if (values.size > 0 && !out.some((s) => s.field === field && s.kind === kind)) {
      out.push({ field, kind, delimiter, values });
    }
  }
  return out;
}

/** symbolize renders a field value by its table: 'TCP_ESTABLISHED', 'S|D', or the number itself. */
export function symbolize(symbols: FieldSymbols, value: number | bigint): string {
  const v = Number(value);
  if (symbols.kind === 'symbolic') return symbols.values.get(v) ?? String(value);
  if (v === 0) return symbols.values.get(0) ?? '0';
  // BigInt keeps flag words above bit 31 exact, where JS bitwise operators would not.
  const names: string[] = [];
  let rest = BigInt.asUintN(64, BigInt(value));
  for (const [bit, name] of symbols.values) {
    const b = BigInt.asUintN(64, BigInt(bit));
    if (b !== 0n && (rest & b) === b) {
      names.push(name);
      rest &= ~b;
    }
  }
  if (rest !== 0n) names.push(`0x${rest.toString(16)}`);
  return names.join(symbols.delimiter);
}
