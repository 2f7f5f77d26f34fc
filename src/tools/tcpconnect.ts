// tcpconnect: active TCP connections — each connect() as the socket enters SYN_SENT, seen by the
// sock:inet_sock_set_state tracepoint in the connecting task (no kprobes needed).

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r4, r6, r7, r8, r10 } from '../asm/index.js';
import { readEventFormat } from '../btf/tracefs-events.js';
import { eventField } from '../btf/tracefs-format.js';
import { ensureTracefs } from '../kernel/tracefs-mount.js';
import type { Output } from './common/output.js';
import { requireRoot } from './common/session.js';
import { countLost, filterTask } from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import { decodeTcpEvent, TCP_EVENT, type TcpEvent } from './tcp-event.js';
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
export interface TcpconnectOptions extends TcpconnectFormat {
  pid?: number;
  uid?: number;
  /** ports keeps only connections to these destination ports (-P). */
  ports?: number[];
  /** count counts connects per source, destination and port, printed at the end (-c). */
  count?: boolean;
  json?: boolean;
  seconds?: number;
  done?: Promise<unknown>;
  onEvent?: (e: TcpEvent) => void;
  ready?: () => void;
}

const IPPROTO_TCP = 6;
const TCP_SYN_SENT = 2;
const TCP_CLOSE = 7;
const FP_EV = -80;
const FP_SK = -88;

/** StateLayout is where inet_sock_set_state keeps its fields. */
interface StateLayout {
  oldstate: number;
  newstate: number;
  dport: number;
  family: number;
  protocol: number;
  saddr: number;
  daddr: number;
  saddrV6: number;
  daddrV6: number;
  sport: number;
  skaddr: number;
}

function stateLayout(): StateLayout {
  const f = readEventFormat('sock:inet_sock_set_state');
  const at = (n: string): number => eventField(f, n).offset;
  return {
    oldstate: at('oldstate'),
    newstate: at('newstate'),
    dport: at('dport'),
    family: at('family'),
    protocol: at('protocol'),
    saddr: at('saddr'),
    daddr: at('daddr'),
    saddrV6: at('saddr_v6'),
    daddrV6: at('daddr_v6'),
    sport: at('sport'),
    skaddr: at('skaddr'),
  };
}

function connectProgram(o: TcpconnectOptions, L: StateLayout): BuiltProgram {
  const E = TCP_EVENT;
  const b = new ProgramBuilder()
    .mov(r6, r1)
    .ldx('u16', r1, r6, L.protocol)
    .jmp('JNE', r1, IPPROTO_TCP, 'out')
    .ldx('u32', r1, r6, L.oldstate);
  if (o.sourcePort || o.localPort) b.jmp('JEQ', r1, TCP_SYN_SENT, 'leaving');
  b.jmp('JNE', r1, TCP_CLOSE, 'out').ldx('u32', r1, r6, L.newstate).jmp('JNE', r1, TCP_SYN_SENT, 'out');
  filterTask(b, { pid: o.pid, uid: o.uid }, 'out', r7);
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
  if (o.sourcePort || o.localPort) {
    // The source port is chosen after the socket enters SYN_SENT: keep the event until it leaves.
    b.ldx('u64', r1, r6, L.skaddr)
      .st('u64', r10, FP_SK, r1)
      .ldMap(r1, 'pending')
      .mov(r2, r10)
      .add(r2, FP_SK)
      .mov(r3, r10)
      .add(r3, FP_EV)
      .mov(r4, 0)
      .call('map_update_elem')
      .ja('out')
      .label('leaving')
      .ldx('u64', r1, r6, L.skaddr)
      .st('u64', r10, FP_SK, r1)
      .ldMap(r1, 'pending')
      .mov(r2, r10)
      .add(r2, FP_SK)
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, 'out')
      .mov(r7, r0)
      .ldx('u16', r1, r6, L.sport)
      .st('u16', r7, E.lport, r1)
      .ldMap(r1, 'events')
      .mov(r2, r7)
      .mov(r3, E.size)
      .mov(r4, 0)
      .call('ringbuf_output')
      .mov(r8, r0)
      .ldMap(r1, 'pending')
      .mov(r2, r10)
      .add(r2, FP_SK)
      .call('map_delete_elem')
      .jmp('JEQ', r8, 0, 'out');
    countLost(b, 'lost');
    return b.label('out').mov(r0, 0).exit().build();
  }
  b.ldMap(r1, 'events')
    .mov(r2, r10)
    .add(r2, FP_EV)
    .mov(r3, E.size)
    .mov(r4, 0)
    .call('ringbuf_output')
    .jmp('JEQ', r0, 0, 'out');
  countLost(b, 'lost');
  return b.label('out').mov(r0, 0).exit().build();
}

/** runTcpconnect prints TCP connects until stopped. */
export async function runTcpconnect(opts: TcpconnectOptions, out: Output): Promise<TracerResult> {
  requireRoot('tcpconnect');
  ensureTracefs();
  const insns = connectProgram(opts, stateLayout());
  let startNs: number | undefined;
  const counts = new Map<string, ConnectCount>();
  const result = await runTracer(
    {
      tool: 'tcpconnect',
      programs: [{ name: 'tcp_connect', type: 'tracepoint', insns, attach: ['sock:inet_sock_set_state'] }],
      ...(opts.sourcePort || opts.localPort
        ? {
            maps: {
              pending: {
                type: 'hash' as const,
                keySize: 8,
                valueSize: TCP_EVENT.size,
                maxEntries: 10240,
                name: 'tcpconnect_pending',
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
    {
      ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
      ...(opts.done ? { done: opts.done } : {}),
    },
  );
  if (opts.count) {
    const rows = [...counts.values()];
    if (opts.json) for (const r of rows) out.json({ ...r });
    else for (const l of formatConnectCounts(rows, opts)) out.line(l);
    out.flush();
  }
  return result;
}
