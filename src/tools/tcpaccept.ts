// tcpaccept: passive TCP connections — each accept() that returns a TCP socket, with its addresses
// read from the struct sock behind the returned fd (syscall tracepoints, no kprobes needed).

import { type BuiltProgram, ProgramBuilder, r0, r1, r6, r7, r8, r10 } from '../asm/index.js';
import { loadVmlinux } from '../btf/btf.js';
import type { Output } from './common/output.js';
import type { EventToolOptions } from './common/session.js';
import { filterTask, sendWithComm } from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import {
  decodeTcpEvent,
  emitReadKernel,
  emitSockOfFd,
  IPPROTO_TCP,
  type SockOffsets,
  sockOffsets,
  TCP_EVENT,
  type TcpEvent,
} from './tcp-event.js';
import { acceptJson, formatAccept, type TcpacceptFormat, tcpacceptHeader } from './tcpaccept-format.js';
import { AF_INET, AF_INET6 } from './tcplife-format.js';

/** TcpacceptOptions are BCC tcpaccept's main options. */
export interface TcpacceptOptions extends EventToolOptions<TcpEvent>, TcpacceptFormat {
  /** family keeps only IPv4 (-4) or IPv6 (-6) connections, as BCC's option. */
  family?: 4 | 6;
  pid?: number;
  /** ports keeps only connections accepted on these local ports (-P). */
  ports?: number[];
}

const FP_EV = -80;
const FP_SK = -88;
const FP_TMP = -96;

function acceptProgram(o: TcpacceptOptions, s: SockOffsets): BuiltProgram {
  const E = TCP_EVENT;
  const b = new ProgramBuilder().mov(r6, r1).ldx('u64', r8, r6, 16).jmp('JSLT', r8, 0, 'out');
  filterTask(b, { pid: o.pid }, 'out', r7);
  b.call('get_current_task').mov(r6, r0);
  emitSockOfFd(b, s, r8, r6, FP_SK);
  b.ldx('u64', r1, r10, FP_SK).jmp('JEQ', r1, 0, 'out');
  for (let off = 0; off < E.size; off += 8) b.st('u64', r10, FP_EV + off, 0);
  b.st('u64', r10, FP_TMP, 0);
  emitReadKernel(b, FP_TMP, 2, FP_SK, s.protocol);
  b.ldx('u16', r1, r10, FP_TMP).jmp('JNE', r1, IPPROTO_TCP, 'out');
  emitReadKernel(b, FP_EV + E.family, 2, FP_SK, s.family);
  emitReadKernel(b, FP_EV + E.lport, 2, FP_SK, s.num);
  emitReadKernel(b, FP_TMP, 2, FP_SK, s.dport);
  b.ldx('u16', r1, r10, FP_TMP)
    .endian('be', r1, 16)
    .st('u16', r10, FP_EV + E.rport, r1);
  b.ldx('u16', r1, r10, FP_EV + E.family)
    .jmp('JEQ', r1, AF_INET, 'v4')
    .jmp('JNE', r1, AF_INET6, 'out');
  emitReadKernel(b, FP_EV + E.laddr, 16, FP_SK, s.v6rcvSaddr);
  emitReadKernel(b, FP_EV + E.raddr, 16, FP_SK, s.v6daddr);
  b.ja('send').label('v4');
  emitReadKernel(b, FP_EV + E.laddr, 4, FP_SK, s.rcvSaddr);
  emitReadKernel(b, FP_EV + E.raddr, 4, FP_SK, s.daddr);
  b.label('send')
    .rsh(r7, 32)
    .st('u32', r10, FP_EV + E.pid, r7)
    .call('get_current_uid_gid')
    .st('u32', r10, FP_EV + E.uid, r0)
    .call('ktime_get_ns')
    .st('u64', r10, FP_EV + E.tsNs, r0);
  sendWithComm(b, FP_EV, E.comm, E.size, 'sent');
  return b.label('out').mov(r0, 0).exit().build();
}

/** runTcpaccept prints accepted TCP connections until stopped. */
export async function runTcpaccept(opts: TcpacceptOptions, out: Output): Promise<TracerResult> {
  const insns = acceptProgram(opts, sockOffsets(loadVmlinux()));
  let startNs: number | undefined;
  return runTracer(
    {
      tool: 'tcpaccept',
      programs: [
        {
          name: 'tcp_accept',
          type: 'tracepoint',
          insns,
          attach: ['syscalls:sys_exit_accept4', 'syscalls:sys_exit_accept'],
        },
      ],
      ready: () => {
        if (!opts.json) out.line(tcpacceptHeader(opts));
        opts.ready?.();
      },
      onRecord: (data) => {
        const e = decodeTcpEvent(data);
        if (opts.family && (e.family === AF_INET ? 4 : 6) !== opts.family) return;
        if (opts.ports && !opts.ports.includes(e.lport)) return;
        startNs ??= e.tsNs;
        opts.onEvent?.(e);
        if (opts.json) out.json(acceptJson(e));
        else out.line(formatAccept(e, opts, new Date(), startNs));
      },
    },
    out,
    opts,
  );
}
