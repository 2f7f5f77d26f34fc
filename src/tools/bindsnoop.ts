// bindsnoop: trace bind(2) — the address asked for is copied at entry, the result, protocol, bound
// device and SO_REUSEADDR/SO_REUSEPORT are read at exit from the struct sock behind the fd
// (syscall tracepoints, no kprobes needed).

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r6, r7, r8, r9, r10 } from '../asm/index.js';
import { loadVmlinux } from '../btf/btf.js';
import {
  BIND_OPTS,
  BINDSNOOP_EVENT,
  type BindEvent,
  type BindFormat,
  bindJson,
  bindsnoopHeader,
  decodeBindEvent,
  formatBind,
} from './bindsnoop-format.js';
import { CGROUP_MAP, CgroupFilter, cgroupMapSpec, filterCgroup } from './common/cgroup.js';
import type { Output } from './common/output.js';
import type { EventToolOptions } from './common/session.js';
import { filterTask, forgetByTid, lookupByTid, ringOutput, stashByTid } from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import { emitReadKernel, emitSockOfFd, type SockOffsets, sockOffsets } from './tcp-event.js';

/** BindsnoopOptions are libbpf-tools bindsnoop's options. */
export interface BindsnoopOptions extends EventToolOptions<BindEvent>, BindFormat {
  pid?: number;
  /** failed includes failed binds (-x: "include errors on output"). */
  failed?: boolean;
  /** ports keeps only binds to these ports (-P). */
  ports?: number[];
  /** cgroup traces only tasks under this cgroup v2 directory (-c). */
  cgroup?: string;
}

const E = BINDSNOOP_EVENT;
const FP_TID = -8;
const FP_EV = -72;
const FP_SK = -80;
const FP_TMP = -88;
// sys_enter_bind: fd 16, umyaddr 24; sys_exit_bind: ret 16.

function enterProgram(o: BindsnoopOptions): BuiltProgram {
  const b = new ProgramBuilder().mov(r6, r1);
  filterTask(b, { pid: o.pid }, 'out', r7);
  if (o.cgroup !== undefined) filterCgroup(b, 'out');
  for (let off = 0; off < E.size; off += 8) b.st('u64', r10, FP_EV + off, 0);
  // Stash the fd in the ret slot until exit; the sockaddr is copied while the caller's memory is valid.
  b.ldx('u64', r1, r6, 16)
    .st('u32', r10, FP_EV + E.ret, r1)
    .mov(r1, r10)
    .add(r1, FP_EV + E.sockaddr)
    .mov(r2, 28)
    .ldx('u64', r3, r6, 24)
    .call('probe_read_user');
  stashByTid(b, 'binds', r7, FP_TID, FP_EV);
  return b.label('out').mov(r0, 0).exit().build();
}

/** InetFlags locates inet_sock.inet_flags and the bits of the options bindsnoop shows (Linux 6.6+). */
interface InetFlags {
  offset: number;
  /** bits pairs an INET_FLAGS_* bit number with its BIND_OPTS bit. */
  bits: readonly (readonly [number, number])[];
}

function inetFlags(btf: ReturnType<typeof loadVmlinux>): InetFlags | undefined {
  try {
    const offset = btf.offsetOf('inet_sock.inet_flags').offset;
    const bit = (n: string): number => Number(btf.enumValue(n));
    return {
      offset,
      bits: [
        [bit('INET_FLAGS_FREEBIND'), BIND_OPTS.freebind],
        [bit('INET_FLAGS_TRANSPARENT'), BIND_OPTS.transparent],
        [bit('INET_FLAGS_BIND_ADDRESS_NO_PORT'), BIND_OPTS.noPort],
      ],
    };
  } catch {
    // Older kernels keep these as bitfields: F, T and N are then not shown.
    return undefined;
  }
}

function exitProgram(o: BindsnoopOptions, s: SockOffsets, f?: InetFlags): BuiltProgram {
  const b = new ProgramBuilder().mov(r6, r1);
  lookupByTid(b, 'binds', FP_TID, 'out', r7);
  b.mov(r9, r0).ldx('u64', r8, r6, 16);
  if (!o.failed) b.jmp('JNE', r8, 0, 'done');
  b.ldx('u32', r6, r9, E.ret) // the fd stashed at entry
    .st('u32', r9, E.ret, r8)
    .rsh(r7, 32)
    .st('u32', r9, E.pid, r7)
    .call('get_current_task')
    .mov(r7, r0);
  emitSockOfFd(b, s, r6, r7, FP_SK);
  b.ldx('u64', r1, r10, FP_SK).jmp('JEQ', r1, 0, 'send');
  emitReadKernel(b, FP_TMP, 8, FP_SK, s.protocol);
  b.ldx('u16', r1, r10, FP_TMP).st('u16', r9, E.protocol, r1);
  emitReadKernel(b, FP_TMP, 8, FP_SK, s.boundDevIf);
  b.ldx('u32', r1, r10, FP_TMP).st('u32', r9, E.boundDevIf, r1);
  // skc_reuse:4 and skc_reuseport:1 share one byte (bits 0-3 and 4, x86_64 bitfield order).
  emitReadKernel(b, FP_TMP, 8, FP_SK, s.reuse);
  b.ldx('u8', r1, r10, FP_TMP)
    .mov(r2, r1)
    .and(r1, 0xf)
    .jmp('JEQ', r1, 0, 'no_reuse')
    .mov(r1, BIND_OPTS.reuseAddr)
    .label('no_reuse')
    .and(r2, 0x10)
    .jmp('JEQ', r2, 0, 'no_reuseport')
    .or(r1, BIND_OPTS.reusePort)
    .label('no_reuseport')
    .st('u8', r9, E.opts, r1);
  if (f) {
    emitReadKernel(b, FP_TMP, 8, FP_SK, f.offset);
    for (const [bit, opt] of f.bits) {
      b.ldx('u64', r2, r10, FP_TMP)
        .rsh(r2, bit)
        .and(r2, 1)
        .jmp('JEQ', r2, 0, `no_flag_${bit}`)
        .ldx('u8', r1, r9, E.opts)
        .or(r1, opt)
        .st('u8', r9, E.opts, r1)
        .label(`no_flag_${bit}`);
    }
  }
  b.label('send').mov(r1, r9).add(r1, E.comm).mov(r2, 16).call('get_current_comm');
  ringOutput(b, r9, E.size, 'sent');
  b.label('done');
  forgetByTid(b, 'binds', FP_TID);
  return b.label('out').mov(r0, 0).exit().build();
}

/** runBindsnoop prints binds until stopped. */
export async function runBindsnoop(opts: BindsnoopOptions, out: Output): Promise<TracerResult> {
  const btf = loadVmlinux();
  const s = sockOffsets(btf);
  const flags = inetFlags(btf);
  const cgroup = opts.cgroup === undefined ? undefined : new CgroupFilter(opts.cgroup);
  try {
    return await runTracer(
      {
        tool: 'bindsnoop',
        maps: {
          binds: { type: 'hash', keySize: 4, valueSize: E.size, maxEntries: 10240, name: 'bindsnoop_binds' },
          ...(cgroup ? { [CGROUP_MAP]: cgroupMapSpec } : {}),
        },
        programs: [
          {
            name: 'bind_entry',
            type: 'tracepoint',
            insns: enterProgram(opts),
            attach: ['syscalls:sys_enter_bind'],
          },
          {
            name: 'bind_exit',
            type: 'tracepoint',
            insns: exitProgram(opts, s, flags),
            attach: ['syscalls:sys_exit_bind'],
          },
        ],
        ready: (maps) => {
          cgroup?.install(maps);
          if (!opts.json) out.line(bindsnoopHeader(opts));
          opts.ready?.();
        },
        onRecord: (data) => {
          const e = decodeBindEvent(data);
          if (opts.ports && !opts.ports.includes(e.port)) return;
          opts.onEvent?.(e);
          if (opts.json) out.json(bindJson(e));
          else out.line(formatBind(e, opts));
        },
      },
      out,
      opts,
    );
  } finally {
    cgroup?.close();
  }
}
