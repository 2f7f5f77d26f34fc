// Socket addresses as strace prints them:
// `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}`.

import { quote } from './quote.js';

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;

const FAMILIES = new Map<number, string>([
  [0, 'AF_UNSPEC'],
  [AF_UNIX, 'AF_UNIX'],
  [AF_INET, 'AF_INET'],
  [AF_INET6, 'AF_INET6'],
  [AF_NETLINK, 'AF_NETLINK'],
  [17, 'AF_PACKET'],
  [38, 'AF_ALG'],
  [40, 'AF_VSOCK'],
]);

/** ipv6 prints 16 bytes in RFC 5952 form: the longest run of two or more zero groups becomes `::`. */
export function ipv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // An IPv4-mapped address keeps its dotted tail, as inet_ntop prints it.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (best < 0) return hexes.join(':');
  return `${hexes.slice(0, best).join(':')}::${hexes.slice(best + bestLen).join(':')}`;
}

/**
 * sockaddr prints the `len` bytes of a socket address the call was given; undefined when there are
 * too few bytes to say anything.
 */
export function sockaddr(data: Uint8Array, len: number): string | undefined {
  const n = Math.min(len, data.length);
  if (n < 2) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, n);
  const family = v.getUint16(0, true);
  const fam = `sa_family=${FAMILIES.get(family) ?? family}`;
  if (family === AF_INET && n >= 8) {
    const a = data.subarray(4, 8);
    return `{${fam}, sin_port=htons(${v.getUint16(2, false)}), sin_addr=inet_addr("${a.join('.')}")}`;
  }
  if (family === AF_INET6 && n >= 24) {
    const scope = n >= 28 ? `, sin6_scope_id=${v.getUint32(24, true)}` : '';
    return `{${fam}, sin6_port=htons(${v.getUint16(2, false)}), sin6_flowinfo=htonl(${v.getUint32(4, false)}), inet_pton(AF_INET6, "${ipv6(data.subarray(8, 24))}", &sin6_addr)${scope}}`;
  }
  if (family === AF_UNIX) {
    if (n === 2) return `{${fam}}`;
    const path = data.subarray(2, n);
    // A leading NUL is the abstract namespace, which strace marks with @.
    if (path[0] === 0) return `{${fam}, sun_path=@${quote(path.subarray(1), false, false)}}`;
    return `{${fam}, sun_path=${quote(path, false, true)}}`;
  }
  if (family === AF_NETLINK && n >= 12) {
    const groups = v.getUint32(8, true).toString(16).padStart(8, '0');
    return `{${fam}, nl_pid=${v.getUint32(4, true)}, nl_groups=${groups}}`;
  }
  return `{${fam}, sa_data=${quote(data.subarray(2, n))}}`;
}
