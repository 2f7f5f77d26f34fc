// tcpconnect's output: libbpf-tools tcpconnect's columns (PID COMM IP SADDR DADDR [SPORT] DPORT).

import { clock, left } from './common/format.js';
import type { TcpEvent } from './tcp-event.js';
import { AF_INET } from './tcplife-format.js';

/** TcpconnectFormat holds the output switches. */
export interface TcpconnectFormat {
  timestamp?: boolean; // -t: seconds since the first event
  printUid?: boolean; // -U
  /** clock prints HH:MM:SS first (-T, as BCC tcpconnect). */
  clock?: boolean;
  /** sourcePort adds the SPORT column, and LPORT to -c's table (-s). */
  sourcePort?: boolean;
  /** localPort adds BCC tcpconnect's LPORT column after SADDR (-L). */
  localPort?: boolean;
}

/** tcpconnectHeader is the header line. */
export function tcpconnectHeader(f: TcpconnectFormat): string {
  let s = '';
  if (f.clock) s += left('TIME', 9);
  if (f.timestamp) s += left('TIME(s)', 9);
  if (f.printUid) s += left('UID', 6);
  const sport = f.sourcePort ? ` ${left('SPORT', 5)}` : '';
  const lport = f.localPort ? ` ${left('LPORT', 6)}` : '';
  return `${s}${left('PID', 6)} ${left('COMM', 12)} ${left('IP', 2)} ${left('SADDR', 16)}${lport} ${left('DADDR', 16)}${sport} ${left('DPORT', 5)}`;
}

/** formatConnect prints one connect; `startNs` is the first event's time for -t. */
export function formatConnect(e: TcpEvent, f: TcpconnectFormat, now = new Date(), startNs = e.tsNs): string {
  let s = '';
  if (f.clock) s += left(clock(now), 9);
  if (f.timestamp) s += left(((e.tsNs - startNs) / 1e9).toFixed(3), 9);
  if (f.printUid) s += left(e.uid, 6);
  const ip = e.family === AF_INET ? 4 : 6;
  const sport = f.sourcePort ? ` ${left(e.lport, 5)}` : '';
  const lport = f.localPort ? ` ${left(e.lport, 6)}` : '';
  return `${s}${left(e.pid, 6)} ${left(e.comm.slice(0, 12), 12)} ${left(ip, 2)} ${left(e.laddr, 16)}${lport} ${left(e.raddr, 16)}${sport} ${left(e.rport, 5)}`;
}

/** connectJson is the --json object for one connect. */
export function connectJson(e: TcpEvent, f: TcpconnectFormat = {}): Record<string, unknown> {
  return {
    pid: e.pid,
    uid: e.uid,
    comm: e.comm,
    ip: e.family === AF_INET ? 4 : 6,
    saddr: e.laddr,
    daddr: e.raddr,
    ...(f.sourcePort || f.localPort ? { sport: e.lport } : {}),
    dport: e.rport,
  };
}

/** ConnectCount is one row of -c: connections from laddr(:lport with -s) to raddr:rport. */
export interface ConnectCount {
  laddr: string;
  raddr: string;
  lport?: number;
  rport: number;
  count: number;
}

/** formatConnectCounts prints -c's table as libbpf-tools does at exit: a blank line, header, rows. */
export function formatConnectCounts(rows: ConnectCount[], f: TcpconnectFormat = {}): string[] {
  const lport = f.sourcePort ? ` ${left('LPORT', 20)}` : '';
  const out = [
    '',
    `${left('LADDR', 25)} ${left('RADDR', 25)}${lport} ${left('RPORT', 20)} ${left('CONNECTS', 10)}`,
  ];
  for (const r of rows) {
    const lp = f.sourcePort ? ` ${left(r.lport ?? 0, 20)}` : '';
    out.push(`${left(r.laddr, 25)} ${left(r.raddr, 25)}${lp} ${left(r.rport, 20)} ${left(r.count, 10)}`);
  }
  return out;
}
