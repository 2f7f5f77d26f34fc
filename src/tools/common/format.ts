// Column formatting shared by the tools, matching the printf formats of libbpf-tools.

/** left pads s on the right to width (printf `%-Ns`). */
export const left = (s: string | number, width: number): string => String(s).padEnd(width);

/** right pads s on the left to width (printf `%Ns`). */
export const right = (s: string | number, width: number): string => String(s).padStart(width);

/** clock returns local wall time as HH:MM:SS (strftime `%H:%M:%S`). */
export function clock(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** cString decodes a NUL-terminated char array. */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? bytes.length : end).toString('utf8');
}
