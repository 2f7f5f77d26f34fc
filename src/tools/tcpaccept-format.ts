// tcpaccept's output: BCC tcpaccept's columns (PID COMM IP RADDR RPORT LADDR LPORT); libbpf-tools
// has no tcpaccept.

import { clock, left } from './common/format.js';
import type { TcpEvent } from './tcp-event.js';
import { AF_INET } from './tcplife-format.js';

/** TcpacceptFormat holds the output switches. */
export interface TcpacceptFormat {
  clock?: boolean; // -T
  timestamp?: boolean; // -t
}

/** tcpacceptHeader is the header line. */
export function tcpacceptHeader(f: TcpacceptFormat): string {
  let s = '';
  if (f.clock) s += left('TIME', 9);
  if (f.timestamp) s += left('TIME(s)', 9);
  return `${s}${left('PID', 7)} ${left('COMM', 12)} ${left('IP', 2)} ${left('RADDR', 16)} ${left('RPORT', 5)} ${left('LADDR', 16)} ${left('LPORT', 5)}`;
}

/** formatAccept prints one accepted connection. */
export function formatAccept(e: TcpEvent, f: TcpacceptFormat, now = new Date(), startNs = e.tsNs): string {
  let s = '';
  if (f.clock) s += left(clock(now), 9);
  if (f.timestamp) s += left(((e.tsNs - startNs) / 1e9).toFixed(3), 9);
  const ip = e.family === AF_INET ? 4 : 6;
  return `${s}${left(e.pid, 7)} ${left(e.comm.slice(0, 12), 12)} ${left(ip, 2)} ${left(e.raddr, 16)} ${left(e.rport, 5)} ${left(e.laddr, 16)} ${left(e.lport, 5)}`;
}

/** acceptJson is the --json object for one accepted connection. */
export function acceptJson(e: TcpEvent): Record<string, unknown> {
  return {
    pid: e.pid,
    comm: e.comm,
    ip: e.family === AF_INET ? 4 : 6,
    raddr: e.raddr,
    rport: e.rport,
    laddr: e.laddr,
    lport: e.lport,
  };
}
