// bindsnoop's event record and output: libbpf-tools' columns (PID COMM RET PROTO OPTS IF PORT ADDR).

import { clock, cString, left } from './common/format.js';
import { AF_INET, AF_INET6, formatAddress } from './tcplife-format.js';

/** BINDSNOOP_EVENT is the record: the caller's sockaddr as passed to bind(2), 28 bytes. */
export const BINDSNOOP_EVENT = {
  pid: 0,
  ret: 4,
  boundDevIf: 8,
  protocol: 12,
  opts: 14,
  sockaddr: 16,
  comm: 48,
  size: 64,
} as const;

/** Bind option bits, in OPTS column order. */
export const BIND_OPTS = { freebind: 1, transparent: 2, noPort: 4, reuseAddr: 8, reusePort: 16 } as const;

/** BindEvent is one bind(). */
export interface BindEvent {
  pid: number;
  comm: string;
  ret: number;
  protocol: number;
  opts: number;
  boundDevIf: number;
  family: number;
  port: number;
  addr: string;
}

/** decodeBindEvent reads one record. */
export function decodeBindEvent(data: Uint8Array): BindEvent {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const E = BINDSNOOP_EVENT;
  const sa = E.sockaddr;
  const family = v.getUint16(sa, true);
  const addr16 = new Uint8Array(16);
  if (family === AF_INET) addr16.set(data.subarray(sa + 4, sa + 8));
  if (family === AF_INET6) addr16.set(data.subarray(sa + 8, sa + 24));
  return {
    pid: v.getUint32(E.pid, true),
    ret: v.getInt32(E.ret, true),
    boundDevIf: v.getUint32(E.boundDevIf, true),
    protocol: v.getUint16(E.protocol, true),
    opts: v.getUint8(E.opts),
    family,
    port: v.getUint16(sa + 2, false),
    addr: family === AF_INET || family === AF_INET6 ? formatAddress(family, addr16) : '',
    comm: cString(data.subarray(E.comm, E.comm + 16)),
  };
}

/** BindFormat holds the output switches. */
export interface BindFormat {
  timestamp?: boolean; // -t
}

/** bindsnoopHeader is the header line. */
export function bindsnoopHeader(f: BindFormat): string {
  return `${f.timestamp ? `${left('TIME(s)', 8)} ` : ''}${left('PID', 7)} ${left('COMM', 16)} ${left('RET', 3)} ${left('PROTO', 5)} ${left('OPTS', 5)} ${left('IF', 4)} ${left('PORT', 5)} ${left('ADDR', 48)}`;
}

const protoName = (p: number): string => (p === 6 ? 'TCP' : p === 17 ? 'UDP' : 'UNK');

/** optsString is the OPTS column: F T N R r, or '.' for each option not set. */
export function optsString(opts: number): string {
  return [...'FTNRr'].map((c, i) => ((opts >> i) & 1 ? c : '.')).join('');
}

/** formatBind prints one bind. */
export function formatBind(e: BindEvent, f: BindFormat, now = new Date()): string {
  return `${f.timestamp ? `${left(clock(now), 8)} ` : ''}${left(e.pid, 7)} ${left(e.comm, 16)} ${left(e.ret, 3)} ${left(protoName(e.protocol), 5)} ${left(optsString(e.opts), 5)} ${left(e.boundDevIf, 4)} ${left(e.port, 5)} ${left(e.addr, 48)}`;
}

/** bindJson is the --json object for one bind. */
export function bindJson(e: BindEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    comm: e.comm,
    ret: e.ret,
    proto: protoName(e.protocol),
    opts: optsString(e.opts),
    if: e.boundDevIf,
    port: e.port,
    addr: e.addr,
  };
}
