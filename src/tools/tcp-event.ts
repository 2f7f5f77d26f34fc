// The connection record tcpconnect and tcpaccept share, and the kernel code that walks from a file
// descriptor to its struct sock (for tools that only see a syscall's fd: accept, bind).

import { type ProgramBuilder, type Reg, r1, r2, r3, r10 } from '../asm/index.js';
import type { Btf } from '../btf/btf.js';
import { readEventFormat } from '../btf/tracefs-events.js';
import { eventField } from '../btf/tracefs-format.js';
import { cString } from './common/format.js';
import { formatAddress } from './tcplife-format.js';

/** IPPROTO_TCP is sk_protocol for TCP sockets. */
export const IPPROTO_TCP = 6;

/** TcpState are the TCP states the tools look for (include/net/tcp_states.h). */
export const TcpState = { SYN_SENT: 2, FIN_WAIT1: 4, CLOSE: 7, LAST_ACK: 9 } as const;

/** SockStateLayout is where sock:inet_sock_set_state keeps its fields (tcplife, tcpconnect). */
export interface SockStateLayout {
  skaddr: number;
  oldstate: number;
  newstate: number;
  sport: number;
  dport: number;
  family: number;
  protocol: number;
  saddr: number;
  daddr: number;
  saddrV6: number;
  daddrV6: number;
}

/** sockStateLayout reads SockStateLayout from tracefs (which must be mounted). */
export function sockStateLayout(): SockStateLayout {
  const f = readEventFormat('sock:inet_sock_set_state');
  const at = (n: string): number => eventField(f, n).offset;
  return {
    skaddr: at('skaddr'),
    oldstate: at('oldstate'),
    newstate: at('newstate'),
    sport: at('sport'),
    dport: at('dport'),
    family: at('family'),
    protocol: at('protocol'),
    saddr: at('saddr'),
    daddr: at('daddr'),
    saddrV6: at('saddr_v6'),
    daddrV6: at('daddr_v6'),
  };
}

/** TCP_EVENT is the record: addresses are 16 bytes (IPv4 in the first 4), ports in host order. */
export const TCP_EVENT = {
  pid: 0,
  uid: 4,
  family: 8,
  lport: 10,
  rport: 12,
  laddr: 16,
  raddr: 32,
  comm: 48,
  tsNs: 64,
  size: 72,
} as const;

/** TcpEvent is one connection. */
export interface TcpEvent {
  pid: number;
  uid: number;
  family: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  comm: string;
  tsNs: number;
}

/** decodeTcpEvent reads one record. */
export function decodeTcpEvent(data: Uint8Array): TcpEvent {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const E = TCP_EVENT;
  const family = v.getUint16(E.family, true);
  return {
    pid: v.getUint32(E.pid, true),
    uid: v.getUint32(E.uid, true),
    family,
    laddr: formatAddress(family, data.subarray(E.laddr, E.laddr + 16)),
    lport: v.getUint16(E.lport, true),
    raddr: formatAddress(family, data.subarray(E.raddr, E.raddr + 16)),
    rport: v.getUint16(E.rport, true),
    comm: cString(data.subarray(E.comm, E.comm + 16)),
    tsNs: Number(v.getBigUint64(E.tsNs, true)),
  };
}

/** SockOffsets are the struct members walked from a task's fd table to its socket's addresses. */
export interface SockOffsets {
  files: number;
  fdt: number;
  fd: number;
  privateData: number;
  sk: number;
  family: number;
  protocol: number;
  daddr: number;
  rcvSaddr: number;
  dport: number;
  num: number;
  v6daddr: number;
  v6rcvSaddr: number;
  boundDevIf: number;
  reuse: number;
}

/** sockOffsets reads SockOffsets from the running kernel's BTF. */
export function sockOffsets(btf: Btf): SockOffsets {
  const at = (p: string): number => btf.offsetOf(p).offset;
  return {
    files: at('task_struct.files'),
    fdt: at('files_struct.fdt'),
    fd: at('fdtable.fd'),
    privateData: at('file.private_data'),
    sk: at('socket.sk'),
    family: at('sock.__sk_common.skc_family'),
    protocol: at('sock.sk_protocol'),
    daddr: at('sock.__sk_common.skc_daddr'),
    rcvSaddr: at('sock.__sk_common.skc_rcv_saddr'),
    dport: at('sock.__sk_common.skc_dport'),
    num: at('sock.__sk_common.skc_num'),
    v6daddr: at('sock.__sk_common.skc_v6_daddr'),
    v6rcvSaddr: at('sock.__sk_common.skc_v6_rcv_saddr'),
    boundDevIf: at('sock.__sk_common.skc_bound_dev_if'),
    reuse: at('sock.__sk_common.skc_reuse'),
  };
}

/**
 * emitReadKernel emits `probe_read_kernel(fp + dst, size, base + off)` where base is a register
 * (not r1-r3) or a u64 pointer saved at a stack slot.
 */
export function emitReadKernel(
  b: ProgramBuilder,
  dst: number,
  size: number,
  base: Reg | number,
  off: number,
): void {
  b.mov(r1, r10).add(r1, dst).mov(r2, size);
  if (typeof base === 'number') b.ldx('u64', r3, r10, base);
  else b.mov(r3, base);
  b.add(r3, off).call('probe_read_kernel');
}

/**
 * emitSockOfFd leaves the struct sock * of the current task's file descriptor `fd` (a register other
 * than r1-r3) in the stack slot `slot`: current->files->fdt->fd[fd]->private_data->sk. Unreadable
 * links leave 0 there; the caller checks.
 */
export function emitSockOfFd(b: ProgramBuilder, s: SockOffsets, fd: Reg, task: Reg, slot: number): void {
  b.st('u64', r10, slot, 0);
  emitReadKernel(b, slot, 8, task, s.files);
  emitReadKernel(b, slot, 8, slot, s.fdt);
  emitReadKernel(b, slot, 8, slot, s.fd);
  b.ldx('u64', r3, r10, slot)
    .lsh(fd, 3)
    .add(r3, fd)
    .rsh(fd, 3)
    .mov(r1, r10)
    .add(r1, slot)
    .mov(r2, 8)
    .call('probe_read_kernel');
  emitReadKernel(b, slot, 8, slot, s.privateData);
  emitReadKernel(b, slot, 8, slot, s.sk);
}
