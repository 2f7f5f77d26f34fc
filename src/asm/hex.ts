// Hex text for bytecode: what `bpfkit asm --hex` prints and `bpfkit disasm --hex` reads.

import { ParseError, type SourcePosition } from '../errors/index.js';

/**
 * parseHex reads hex digits, ignoring whitespace, an optional `0x` before each group and `#`/`;`
 * comments to the end of a line; a stray character or an odd digit count is a ParseError.
 */
export function parseHex(text: string, file?: string): Uint8Array {
  const digits: number[] = [];
  let line = 1;
  let lineStart = 0;
  let lastPos: SourcePosition = { line: 1, column: 1 };
  const where = (i: number): SourcePosition => {
    const end = text.indexOf('\n', lineStart);
    const p: SourcePosition = {
      line,
      column: i - lineStart + 1,
      sourceLine: text.slice(lineStart, end < 0 ? text.length : end).replace(/\r$/, ''),
    };
    if (file !== undefined) p.file = file;
    return p;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',') continue;
    if (c === '#' || c === ';') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digits.length % 2 === 0) {
      i++;
      continue;
    }
    const v = Number.parseInt(c, 16);
    if (Number.isNaN(v)) throw new ParseError(`'${c}' is not a hex digit`, where(i));
    digits.push(v);
    lastPos = where(i);
  }
  if (digits.length % 2 !== 0) {
    throw new ParseError(
      `odd number of hex digits (${digits.length}): the last byte is half written`,
      lastPos,
    );
  }
  const out = new Uint8Array(digits.length / 2);
  for (let n = 0; n < out.length; n++) out[n] = (digits[2 * n]! << 4) | digits[2 * n + 1]!;
  return out;
}

/** formatHex prints bytecode as hex, one 8-byte slot per line. */
export function formatHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    lines.push([...bytes.subarray(at, at + 8)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
