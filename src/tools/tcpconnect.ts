// tcpconnect: active TCP connections — each connect() as the socket enters SYN_SENT, seen by the
// sock:inet_sock_set_state tracepoint in the connecting task (no kprobes needed), answered or not.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r4, r6, r7, r10 } from '../asm/index.js';
import { readEventFormat } from '../btf/tracefs-events.js';
import { eventField } from '../btf/tracefs-format.js';
import { ensureTracefs } from '../kernel/tracefs-mount.js';
import { memberOffsets } from './common/btf-offsets.js';
import type { Output } from './common/output.js';
import { type EventToolOptions, requireRoot } from './common/session.js';
import { filterTask, ringOutput } from './common/snippets.js';
import { runTracer, type TracerProgram, type TracerResult } from './common/tracer.js';
import {
  decodeTcpEvent,
  IPPROTO_TCP,
  type SockStateLayout,
  sockStateLayout,
  TCP_EVENT,
  type TcpEvent,
  TcpState,
} from './tcp-event.js';
import {
  type ConnectCount,
  connectJson,
  formatConnect,
  formatConnectCounts,
  type TcpconnectFormat,
  tcpconnectHeader,
} from './tcpconnect-format.js';
import { AF_INET } from './tcplife-format.js';

/** TcpconnectOptions are libbpf-tools tcpconnect's main options. */
export interface TcpconnectOptions extends EventToolOptions<TcpEvent>, TcpconnectFormat {
  /** family keeps only IPv4 (-4) or IPv6 (-6) connections, as BCC's option. */
  family?: 4 | 6;
  pid?: number;
  uid?: number;
  /** ports keeps only connections to these destination ports (-P). */
  ports?: number[];
  /** count counts connects per source, destination and port, printed at the end (-c). */
  count?: boolean;
}

const { SYN_SENT: TCP_SYN_SENT, CLOSE: TCP_CLOSE } = TcpState;
const FP_EV = -80;
const FP_SK = -88;
const FP_TID = -92;
const FP_PORT = -104;
const SKC_NUM = 'sock.__sk_common.skc_num';

/** RetransmitLayout is where tcp_retransmit_skb keeps the socket, its state and source port. */
interface RetransmitLayout {
  skaddr: number;
  state: number;
  sport: number;
}

function retransmitLayout(): RetransmitLayout {
  const f = readEventFormat('tcp:tcp_retransmit_skb');
  const at = (n: string): number => eventField(f, n).offset;
  return { skaddr: at('skaddr'), state: at('state'), sport: at('sport') };
}

/**
 * sendPending sends the connect kept for the socket whose address is at FP_SK, with the source port
 * in r1, and forgets it. The record is copied out and deleted first: of two programs racing for the
 * same socket (a state change in softirq and the connect's return), only the one whose delete
 * succeeds sends it.
 */
function sendPending(b: ProgramBuilder, label: string): void {
  b.st('u16', r10, FP_PORT, r1)
    .ldMap(r1, 'pending')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out');
  for (let off = 0; off < TCP_EVENT.size; off += 8) b.ldx('u64', r1, r0, off).st('u64', r10, FP_EV + off, r1);
  b.ldx('u16', r1, r10, FP_PORT)
    .st('u16', r10, FP_EV + TCP_EVENT.lport, r1)
    .ldMap(r1, 'pending')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .call('map_delete_elem')
    .jmp('JNE', r0, 0, 'out');
  ringOutput(b, FP_EV, TCP_EVENT.size, label);
}

function connectProgram(o: TcpconnectOptions, L: SockStateLayout): BuiltProgram {
  const E = TCP_EVENT;
  const withPort = o.sourcePort || o.localPort;
  const b = new ProgramBuilder()
    .mov(r6, r1)
    .ldx('u16', r1, r6, L.protocol)
    .jmp('JNE', r1, IPPROTO_TCP, 'out')
    .ldx('u32', r1, r6, L.oldstate);
  if (withPort) b.jmp('JEQ', r1, TCP_SYN_SENT, 'leaving');
  b.jmp('JNE', r1, TCP_CLOSE, 'out').ldx('u32', r1, r6, L.newstate).jmp('JNE', r1, TCP_SYN_SENT, 'out');
  filterTask(b, { pid: o.pid, uid: o.uid }, 'out', r7);
  b.st('u32', r10, FP_TID, r7);
  for (let off = 0; off < E.size; off += 8) b.st('u64', r10, FP_EV + off, 0);
  b.rsh(r7, 32)
    .st('u32', r10, FP_EV + E.pid, r7)
    .call('get_current_uid_gid')
    .st('u32', r10, FP_EV + E.uid, r0)
    .ldx('u16', r1, r6, L.family)
    .st('u16', r10, FP_EV + E.family, r1)
    .ldx('u16', r1, r6, L.dport)
    .st('u16', r10, FP_EV + E.rport, r1)
    .ldx('u16', r1, r6, L.family)
    .jmp('JEQ', r1, AF_INET, 'v4');
  for (let i = 0; i < 16; i += 8) {
    b.ldx('u64', r1, r6, L.saddrV6 + i)
      .st('u64', r10, FP_EV + E.laddr + i, r1)
      .ldx('u64', r1, r6, L.daddrV6 + i)
      .st('u64', r10, FP_EV + E.raddr + i, r1);
  }
  b.ja('send')
    .label('v4')
    .ldx('u32', r1, r6, L.saddr)
    .st('u32', r10, FP_EV + E.laddr, r1)
    .ldx('u32', r1, r6, L.daddr)
    .st('u32', r10, FP_EV + E.raddr, r1)
    .label('send')
    .call('ktime_get_ns')
    .st('u64', r10, FP_EV + E.tsNs, r0)
    .mov(r1, r10)
    .add(r1, FP_EV + E.comm)
    .mov(r2, 16)
    .call('get_current_comm');
  if (withPort) {
    // A socket bound before connect() has its port already; otherwise the port is chosen just after
    // it enters SYN_SENT, so the record waits for the first of: connect() returning, the socket
    // leaving SYN_SENT, or the SYN being sent again (a connect whose SYNs go unanswered).
    b.ldx('u16', r1, r6, L.sport)
      .st('u16', r10, FP_EV + E.lport, r1)
      .jmp('JEQ', r1, 0, 'unbound');
    ringOutput(b, FP_EV, E.size, 'bound');
    b.ja('out')
      .label('unbound')
      .ldx('u64', r1, r6, L.skaddr)
      .st('u64', r10, FP_SK, r1)
      .ldMap(r1, 'pending')
      .mov(r2, r10)
      .add(r2, FP_SK)
      .mov(r3, r10)
      .add(r3, FP_EV)
      .mov(r4, 0)
      .call('map_update_elem')
      .ldMap(r1, 'connecting')
      .mov(r2, r10)
      .add(r2, FP_TID)
      .mov(r3, r10)
      .add(r3, FP_SK)
      .mov(r4, 0)
      .call('map_update_elem')
      .ja('out')
      .label('leaving')
      .ldx('u64', r1, r6, L.skaddr)
      .st('u64', r10, FP_SK, r1)
      .ldx('u16', r1, r6, L.sport);
    sendPending(b, 'left');
    return b.label('out').mov(r0, 0).exit().build();
  }
  ringOutput(b, FP_EV, E.size, 'sent');
  return b.label('out').mov(r0, 0).exit().build();
}

/** retransmitProgram sends a kept connect when its SYN is sent again: the first SYN went unanswered. */
function retransmitProgram(L: RetransmitLayout): BuiltProgram {
  const b = new ProgramBuilder()
    .mov(r6, r1)
    .ldx('u32', r1, r6, L.state)
    .jmp('JNE', r1, TCP_SYN_SENT, 'out')
    .ldx('u64', r1, r6, L.skaddr)
    .st('u64', r10, FP_SK, r1)
    .ldx('u16', r1, r6, L.sport);
  sendPending(b, 'again');
  return b.label('out').mov(r0, 0).exit().build();
}

/**
 * connectExitProgram sends the connect kept for this thread's socket as connect() returns (at once for
 * a non-blocking connect), with the source port read from sock_common.skc_num (host order).
 */
function connectExitProgram(skcNum: number): BuiltProgram {
  const b = new ProgramBuilder()
    .call('get_current_pid_tgid')
    .st('u32', r10, FP_TID, r0)
    .ldMap(r1, 'connecting')
    .mov(r2, r10)
    .add(r2, FP_TID)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .ldx('u64', r6, r0, 0)
    .st('u64', r10, FP_SK, r6)
    .ldMap(r1, 'connecting')
    .mov(r2, r10)
    .add(r2, FP_TID)
    .call('map_delete_elem')
    .st('u64', r10, FP_PORT, 0)
    .mov(r1, r10)
    .add(r1, FP_PORT)
    .mov(r2, 2)
    .mov(r3, r6)
    .add(r3, skcNum)
    .call('probe_read_kernel')
    .ldx('u16', r1, r10, FP_PORT);
  sendPending(b, 'returned');
  return b.label('out').mov(r0, 0).exit().build();
}

/** runTcpconnect prints TCP connects until stopped. */
export async function runTcpconnect(opts: TcpconnectOptions, out: Output): Promise<TracerResult> {
  requireRoot('tcpconnect');
  ensureTracefs();
  const withPort = opts.sourcePort || opts.localPort;
  const insns = connectProgram(opts, sockStateLayout());
  const portPrograms: TracerProgram[] = withPort
    ? [
        {
          name: 'tcp_connect_ret',
          type: 'tracepoint',
          insns: connectExitProgram(memberOffsets([SKC_NUM])[SKC_NUM]!),
          attach: ['syscalls:sys_exit_connect'],
        },
        {
          name: 'tcp_syn_again',
          type: 'tracepoint',
          insns: retransmitProgram(retransmitLayout()),
          attach: ['tcp:tcp_retransmit_skb'],
        },
      ]
    : [];
  let startNs: number | undefined;
  const counts = new Map<string, ConnectCount>();
  const result = await runTracer(
    {
      tool: 'tcpconnect',
      programs: [
        { name: 'tcp_connect', type: 'tracepoint', insns, attach: ['sock:inet_sock_set_state'] },
        ...portPrograms,
      ],
      ...(withPort
        ? {
            maps: {
              pending: {
                type: 'hash' as const,
                keySize: 8,
                valueSize: TCP_EVENT.size,
                maxEntries: 10240,
                name: 'tcpconnect_pending',
              },
              connecting: {
                type: 'hash' as const,
                keySize: 4,
                valueSize: 8,
                maxEntries: 10240,
                name: 'tcpconnect_conn',
              },
            },
          }
        : {}),
      ready: () => {
        if (!opts.json && !opts.count) out.line(tcpconnectHeader(opts));
        opts.ready?.();
      },
      onRecord: (data) => {
        const e = decodeTcpEvent(data);
        if (opts.family && (e.family === AF_INET ? 4 : 6) !== opts.family) return;
        if (opts.ports && !opts.ports.includes(e.rport)) return;
        startNs ??= e.tsNs;
        opts.onEvent?.(e);
        if (opts.count) {
          const lport = opts.sourcePort ? e.lport : 0;
          const key = `${e.laddr} ${e.raddr} ${lport} ${e.rport}`;
          const c = counts.get(key);
          if (c) c.count++;
          else counts.set(key, { laddr: e.laddr, raddr: e.raddr, lport, rport: e.rport, count: 1 });
        } else if (opts.json) out.json(connectJson(e, opts));
        else out.line(formatConnect(e, opts, new Date(), startNs));
      },
    },
    out,
    opts,
  );
  if (opts.count) {
    // IPv4 rows, then IPv6 ones, as libbpf-tools prints its two count maps; first seen first within each.
    const v6 = (r: ConnectCount): number => Number(r.laddr.includes(':'));
    const rows = [...counts.values()].sort((a, b) => v6(a) - v6(b));
    if (opts.json) for (const r of rows) out.json({ ...r });
    else for (const l of formatConnectCounts(rows, opts)) out.line(l);
    out.flush();
  }
  return result;
}
