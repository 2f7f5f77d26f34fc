// String quoting as strace prints it: "…" with C escapes and minimal octal for other bytes, and a
// trailing `...` when the data was longer than what is shown.

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

/**
 * quote prints bytes as a strace string literal. `truncated` appends `...` after the closing quote;
 * `nulTerminated` stops at the first NUL (paths), otherwise NULs are printed as \0. Only the first
 * `length` bytes are printed (so callers need not make a shorter view).
 */
export function quote(
  bytes: Uint8Array,
  truncated = false,
  nulTerminated = false,
  length = bytes.length,
): string {
  let out = '"';
  const n = Math.min(length, bytes.length);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (nulTerminated && b === 0) break;
    switch (b) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0b:
        out += '\\v';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
    }
    if (b >= 0x20 && b < 0x7f) {
      out += String.fromCharCode(b);
    } else if (i + 1 < n && isDigit(bytes[i + 1])) {
      // A following digit would be read as part of a short octal escape, so use all three digits.
      out += `\\${b.toString(8).padStart(3, '0')}`;
    } else {
      out += `\\${b.toString(8)}`;
    }
  }
  return truncated ? `${out}"...` : `${out}"`;
}

const HEX = '0123456789abcdef';

/** quoteHex prints the first `length` bytes as `"\\x12\\x34"`, as strace prints random data (getrandom). */
export function quoteHex(bytes: Uint8Array, truncated = false, length = bytes.length): string {
  let out = '"';
  const n = Math.min(length, bytes.length);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    out += `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return truncated ? `${out}"...` : `${out}"`;
}
