// pton: an IP address literal as the bytes ntop reads (network order), for pton("...") at compile time.

import { isIPv4, isIPv6 } from 'node:net';

/** ptonBytes converts an IPv4 or IPv6 literal to its 4 or 16 bytes, or undefined if it is neither. */
export function ptonBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let s = text;
  const tail: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) is the last two 16-bit groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    tail.push(...dotted[1]!.split('.').map(Number));
    s = `${s.slice(0, -dotted[1]!.length)}0:0`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => Number.parseInt(w, 16)));
  const hi = words(head);
  const lo = rest === undefined ? [] : words(rest);
  const all = [...hi, ...Array<number>(8 - hi.length - lo.length).fill(0), ...lo];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}
