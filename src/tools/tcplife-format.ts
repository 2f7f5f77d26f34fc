// tcplife's event record and its output formats: libbpf-tools' columns and number formats, BCC's
// -t (seconds) and -s (CSV) variants, and one JSON object per line.

import { clock, cString, left } from './common/format.js';

/** TCPLIFE_EVENT is the byte layout of the record the kernel program emits at TCP_CLOSE. */
export const TCPLIFE_EVENT = {
  saddr: 0, // 16 bytes: IPv4 in the first 4, or IPv6
  daddr: 16,
  tsUs: 32,
  spanUs: 40,
  rxBytes: 48,
  txBytes: 56,
  pid: 64,
  sport: 68, // host byte order
  dport: 70, // host byte order
  family: 72,
  comm: 74, // char[16]
  size: 96,
} as const;

export const AF_INET = 2;
export const AF_INET6 = 10;

/** TcpLifeEvent is one closed TCP session. */
export interface TcpLifeEvent {
  pid: number;
  comm: string;
  family: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  txBytes: number;
  rxBytes: number;
  spanUs: number;
  /** tsUs is the close time on the monotonic clock, in microseconds. */
  tsUs: number;
}

/** formatAddress prints 16 address bytes the way inet_ntop(3) does for the family. */
export function formatAddress(family: number, b: Uint8Array): string {
  if (family === AF_INET) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // IPv4-mapped addresses keep their dotted tail, as inet_ntop prints them.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  // Compress the longest run of two or more zero words (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** decodeTcpLifeEvent reads one record. */
export function decodeTcpLifeEvent(data: Uint8Array): TcpLifeEvent {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const E = TCPLIFE_EVENT;
  const family = v.getUint16(E.family, true);
  return {
    pid: v.getUint32(E.pid, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
    family,
    laddr: formatAddress(family, data.subarray(E.saddr, E.saddr + 16)),
    lport: v.getUint16(E.sport, true),
    raddr: formatAddress(family, data.subarray(E.daddr, E.daddr + 16)),
    rport: v.getUint16(E.dport, true),
    txBytes: Number(v.getBigUint64(E.txBytes, true)),
    rxBytes: Number(v.getBigUint64(E.rxBytes, true)),
    spanUs: Number(v.getBigUint64(E.spanUs, true)),
    tsUs: Number(v.getBigUint64(E.tsUs, true)),
  };
}

/** TcpLifeFormat holds the output switches. */
export interface TcpLifeFormat {
  /** wide makes address columns 39 wide, enough for IPv6 (-w). */
  wide?: boolean;
  /** clock prefixes HH:MM:SS (-T). */
  clock?: boolean;
  /** relative prefixes the seconds since the first event (-t). */
  relative?: boolean;
  /** csv prints comma-separated values (-s). */
  csv?: boolean;
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(2);

/** tcplifeHeader is the header line for the chosen format. */
export function tcplifeHeader(f: TcpLifeFormat): string {
  if (f.csv) {
    return `${f.clock ? 'TIME,' : ''}${f.relative ? 'TIME(s),' : ''}PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS`;
  }
  const w = f.wide ? 39 : 15;
  let s = '';
  if (f.clock) s += `${left('TIME', 8)} `;
  if (f.relative) s += `${left('TIME(s)', 9)} `;
  return `${s}${left('PID', 7)} ${left('COMM', 16)} ${left('LADDR', w)} ${left('LPORT', 5)} ${left('RADDR', w)} ${left('RPORT', 5)} ${left('TX_KB', 6)} ${left('RX_KB', 6)} MS`;
}

/** formatTcpLife prints one session; `firstUs` is the first event's time for -t. */
export function formatTcpLife(e: TcpLifeEvent, f: TcpLifeFormat, now = new Date(), firstUs = e.tsUs): string {
  const ms = (e.spanUs / 1000).toFixed(2);
  // -t is BCC tcplife's: microseconds shown, "%-9.6f" (CSV "%.6f").
  const secs = ((e.tsUs - firstUs) / 1e6).toFixed(6);
  if (f.csv) {
    const ip = e.family === AF_INET6 ? 6 : 4;
    return `${f.clock ? `${clock(now)},` : ''}${f.relative ? `${secs},` : ''}${e.pid},${e.comm},${ip},${e.laddr},${e.lport},${e.raddr},${e.rport},${kb(e.txBytes)},${kb(e.rxBytes)},${ms}`;
  }
  const w = f.wide ? 39 : 15;
  let s = '';
  if (f.clock) s += `${left(clock(now), 8)} `;
  if (f.relative) s += `${left(secs, 9)} `;
  return `${s}${left(e.pid, 7)} ${left(e.comm, 16)} ${left(e.laddr, w)} ${left(e.lport, 5)} ${left(e.raddr, w)} ${left(e.rport, 5)} ${left(kb(e.txBytes), 6)} ${left(kb(e.rxBytes), 6)} ${ms}`;
}

/** tcplifeJson is the --json object for one session. */
export function tcplifeJson(e: TcpLifeEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    comm: e.comm,
    ip: e.family === AF_INET6 ? 6 : 4,
    laddr: e.laddr,
    lport: e.lport,
    raddr: e.raddr,
    rport: e.rport,
    tx_bytes: e.txBytes,
    rx_bytes: e.rxBytes,
    tx_kb: Number(kb(e.txBytes)),
    rx_kb: Number(kb(e.rxBytes)),
    ms: Number((e.spanUs / 1000).toFixed(2)),
  };
}
