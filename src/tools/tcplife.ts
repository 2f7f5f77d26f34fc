// tcplife: one line per closed TCP session — who, where, bytes each way and how long — from the
// sock:inet_sock_set_state tracepoint, with byte counts read from struct tcp_sock at offsets the
// running kernel's BTF gives (libbpf-tools' approach).

import {
  type BuiltProgram,
  ProgramBuilder,
  r0,
  r1,
  r2,
  r3,
  r4,
  r6,
  r7,
  r8,
  r9,
  r10,
  ringbufSubmitAdaptive,
} from '../asm/index.js';
import { ensureTracefs } from '../kernel/tracefs-mount.js';
import { memberOffsets } from './common/btf-offsets.js';
import type { Output } from './common/output.js';
import { type EventToolOptions, requireRoot } from './common/session.js';
import { countLost, WAKE_AT } from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import { IPPROTO_TCP, type SockStateLayout, sockStateLayout, TcpState } from './tcp-event.js';
import {
  AF_INET,
  AF_INET6,
  decodeTcpLifeEvent,
  formatTcpLife,
  TCPLIFE_EVENT,
  type TcpLifeEvent,
  type TcpLifeFormat,
  tcplifeHeader,
  tcplifeJson,
} from './tcplife-format.js';

/** TcplifeOptions are tcplife's options (libbpf-tools', plus BCC's -t and -s). */
export interface TcplifeOptions extends EventToolOptions<TcpLifeEvent>, TcpLifeFormat {
  pid?: number;
  /** family limits to IPv4 (-4) or IPv6 (-6). */
  family?: 4 | 6;
  localPorts?: number[];
  remotePorts?: number[];
}

const {
  SYN_SENT: TCP_SYN_SENT,
  FIN_WAIT1: TCP_FIN_WAIT1,
  CLOSE: TCP_CLOSE,
  LAST_ACK: TCP_LAST_ACK,
} = TcpState;

const FP_SK = -8;
const FP_TS = -16;
const FP_IDENT = -40; // struct ident { u32 pid; char comm[16]; }
const IDENT_SIZE = 20;

/** Layout holds the tracepoint field offsets and the tcp_sock byte counter offsets. */
interface Layout extends SockStateLayout {
  bytesReceived: number;
  bytesAcked: number;
}

function layout(): Layout {
  ensureTracefs();
  const off = memberOffsets(['tcp_sock.bytes_received', 'tcp_sock.bytes_acked']);
  return {
    ...sockStateLayout(),
    bytesReceived: off['tcp_sock.bytes_received']!,
    bytesAcked: off['tcp_sock.bytes_acked']!,
  };
}

function portFilter(b: ProgramBuilder, off: number, ports: number[] | undefined, name: string): void {
  if (!ports?.length) return;
  b.ldx('u16', r1, r6, off);
  for (const p of ports) b.jmp('JEQ', r1, p, `${name}_ok`);
  b.ja('out').label(`${name}_ok`);
}

function program(L: Layout, o: TcplifeOptions): BuiltProgram {
  const E = TCPLIFE_EVENT;
  const b = new ProgramBuilder()
    .mov(r6, r1)
    .ldx('u16', r1, r6, L.protocol)
    .jmp('JNE', r1, IPPROTO_TCP, 'out');
  if (o.family) b.ldx('u16', r1, r6, L.family).jmp('JNE', r1, o.family === 6 ? AF_INET6 : AF_INET, 'out');
  portFilter(b, L.sport, o.localPorts, 'sport');
  portFilter(b, L.dport, o.remotePorts, 'dport');
  b.ldx('u64', r7, r6, L.skaddr)
    .st('u64', r10, FP_SK, r7)
    .ldx('u32', r8, r6, L.newstate)
    // A session is born at any state before FIN_WAIT1 (SYN_SENT, SYN_RECV, ESTABLISHED).
    .jmp('JSGE', r8, TCP_FIN_WAIT1, 'born')
    .call('ktime_get_ns')
    .st('u64', r10, FP_TS, r0)
    .ldMap(r1, 'birth')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .mov(r3, r10)
    .add(r3, FP_TS)
    .mov(r4, 0)
    .call('map_update_elem')
    .label('born')
    // SYN_SENT (connect), FIN_WAIT1 (active close) and LAST_ACK (passive close) run in the owning
    // process: remember it. The final CLOSE often runs in softirq, on behalf of whoever is current.
    .jmp('JEQ', r8, TCP_SYN_SENT, 'ident')
    .jmp('JEQ', r8, TCP_FIN_WAIT1, 'ident')
    .jmp('JEQ', r8, TCP_LAST_ACK, 'ident')
    .ja('check_close')
    .label('ident')
    .call('get_current_pid_tgid')
    .rsh(r0, 32);
  if (o.pid) b.jmp('JNE', r0, o.pid, 'out');
  b.st('u32', r10, FP_IDENT, r0)
    .mov(r1, r10)
    .add(r1, FP_IDENT + 4)
    .mov(r2, 16)
    .call('get_current_comm')
    .ldMap(r1, 'idents')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .mov(r3, r10)
    .add(r3, FP_IDENT)
    .mov(r4, 0)
    .call('map_update_elem')
    .label('check_close')
    .jmp('JNE', r8, TCP_CLOSE, 'out')
    .ldMap(r1, 'birth')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'cleanup')
    .ldx('u64', r1, r0, 0)
    .st('u64', r10, FP_TS, r1)
    .ldMap(r1, 'events')
    .mov(r2, E.size)
    .mov(r3, 0)
    .call('ringbuf_reserve')
    .jmp('JNE', r0, 0, 'fill');
  countLost(b, 'lost');
  b.ja('cleanup')
    .label('fill')
    .mov(r9, r0)
    .call('ktime_get_ns')
    .mov(r1, r0)
    .alu64('DIV', r1, 1000)
    .st('u64', r9, E.tsUs, r1)
    .ldx('u64', r1, r10, FP_TS)
    .sub(r0, r1)
    .alu64('DIV', r0, 1000)
    .st('u64', r9, E.spanUs, r0)
    .ldMap(r1, 'idents')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .call('map_lookup_elem')
    .jmp('JNE', r0, 0, 'known')
    .call('get_current_pid_tgid')
    .rsh(r0, 32)
    .st('u32', r9, E.pid, r0)
    .mov(r1, r9)
    .add(r1, E.comm)
    .mov(r2, 16)
    .call('get_current_comm')
    .ja('identified')
    .label('known')
    .ldx('u32', r1, r0, 0)
    .st('u32', r9, E.pid, r1)
    .mov(r3, r0)
    .add(r3, 4)
    .mov(r1, r9)
    .add(r1, E.comm)
    .mov(r2, 16)
    .call('probe_read_kernel')
    .label('identified');
  if (o.pid) {
    b.ldx('u32', r1, r9, E.pid)
      .jmp('JEQ', r1, o.pid, 'wanted')
      .mov(r1, r9)
      .mov(r2, 0)
      .call('ringbuf_discard')
      .ja('cleanup')
      .label('wanted');
  }
  b.mov(r1, r9)
    .add(r1, E.rxBytes)
    .mov(r2, 8)
    .mov(r3, r7)
    .add(r3, L.bytesReceived)
    .call('probe_read_kernel')
    .mov(r1, r9)
    .add(r1, E.txBytes)
    .mov(r2, 8)
    .mov(r3, r7)
    .add(r3, L.bytesAcked)
    .call('probe_read_kernel')
    .ldx('u16', r1, r6, L.sport)
    .st('u16', r9, E.sport, r1)
    .ldx('u16', r1, r6, L.dport)
    .st('u16', r9, E.dport, r1)
    .ldx('u16', r1, r6, L.family)
    .st('u16', r9, E.family, r1)
    .jmp('JEQ', r1, AF_INET6, 'v6')
    .ldx('u32', r1, r6, L.saddr)
    .st('u32', r9, E.saddr, r1)
    .ldx('u32', r1, r6, L.daddr)
    .st('u32', r9, E.daddr, r1)
    .ja('submit')
    .label('v6');
  for (const half of [0, 8]) {
    b.ldx('u64', r1, r6, L.saddrV6 + half)
      .st('u64', r9, E.saddr + half, r1)
      .ldx('u64', r1, r6, L.daddrV6 + half)
      .st('u64', r9, E.daddr + half, r1);
  }
  b.label('submit');
  ringbufSubmitAdaptive(b, 'events', r9, WAKE_AT);
  return b
    .label('cleanup')
    .ldMap(r1, 'birth')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .call('map_delete_elem')
    .ldMap(r1, 'idents')
    .mov(r2, r10)
    .add(r2, FP_SK)
    .call('map_delete_elem')
    .label('out')
    .mov(r0, 0)
    .exit()
    .build();
}

/** runTcplife prints closed TCP sessions until stopped. */
export async function runTcplife(opts: TcplifeOptions, out: Output): Promise<TracerResult> {
  requireRoot('tcplife');
  const L = layout();
  let firstUs: number | undefined;
  return runTracer(
    {
      tool: 'tcplife',
      maps: {
        birth: { type: 'hash', keySize: 8, valueSize: 8, maxEntries: 10240, name: 'tcplife_birth' },
        idents: {
          type: 'hash',
          keySize: 8,
          valueSize: IDENT_SIZE,
          maxEntries: 10240,
          name: 'tcplife_idents',
        },
      },
      programs: [
        {
          name: 'tcplife',
          type: 'tracepoint',
          insns: program(L, opts),
          attach: ['sock:inet_sock_set_state'],
        },
      ],
      ready: () => {
        if (!opts.json) out.line(tcplifeHeader(opts));
        opts.ready?.();
      },
      onRecord: (data) => {
        const e = decodeTcpLifeEvent(data);
        firstUs ??= e.tsUs;
        opts.onEvent?.(e);
        if (opts.json) out.json(tcplifeJson(e));
        else out.line(formatTcpLife(e, opts, new Date(), firstUs));
      },
    },
    out,
    opts,
  );
}
