// Feature probes: what this kernel supports, learned by asking it — load a tiny program per type,
// create a tiny map per type, call each helper that matters — all in one process, each object closed
// at once. Results are cached, so `hasHelper()` after `probeFeatures()` costs nothing.

import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { ProgramBuilder, r0 } from '../asm/builder.js';
import { HELPER_NAMES, helperId } from '../asm/helpers.js';
import { encode, type Insn, insn } from '../asm/instruction.js';
import { NotSupportedError } from '../errors/index.js';
import { btfLoad, linkCreate, type MapCreateAttr, mapCreateRaw, progLoad } from '../sys/bpf.js';
import { AttachType, MapFlag, MapType, ProgFlag, ProgType } from '../sys/bpf-cmd.js';
import { SysError } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { libcClose } from '../sys/libc.js';
import { PerfType, perfEventOpen, SwEvent } from '../sys/perf-event.js';
import { perfLinksUsable } from './link-perf-event.js';
import { type MapTypeName, mapTypeNumber } from './map-types.js';
import { type ProgTypeName, progTypeNumber } from './program-types.js';

const RET0: Insn[] = new ProgramBuilder().mov(r0, 0).exit().build().insns;
const PROBE_LOG = 4096;

/** ProbeLoad is the outcome of loading one probe program: loaded, and the verifier log if it failed. */
interface ProbeLoad {
  ok: boolean;
  errno: number;
  log: string;
}

function probeLoad(
  progType: number,
  insns: readonly Insn[],
  extra: { expectedAttachType?: number; attachBtfId?: number } = {},
): ProbeLoad {
  const flags = progType === ProgType.SYSCALL ? ProgFlag.SLEEPABLE : 0;
  const attr = { progType, insns: encode(insns), license: 'GPL', flags, ...extra };
  // Without a log first: logging a long program that loads fine would only overflow the buffer.
  const fast = progLoad(attr);
  if ('fd' in fast) {
    fast.fd.close();
    return { ok: true, errno: 0, log: '' };
  }
  // The log is rotating (5.19+): a small buffer keeps its end, where the verifier's reason is.
  const r = progLoad(attr, { level: 1, size: PROBE_LOG });
  if ('fd' in r) {
    r.fd.close();
    return { ok: true, errno: 0, log: '' };
  }
  return { ok: false, errno: r.errno, log: r.log };
}

let baselineOk = false;

/**
 * requireBpf loads the simplest program once: if even that fails, the probes would only report the
 * missing privilege, so say that instead (EPERM → "needs root or CAP_BPF").
 */
function requireBpf(): void {
  if (baselineOk) return;
  const r = probeLoad(ProgType.SOCKET_FILTER, RET0);
  if (r.errno === 38) throw new NotSupportedError('bpf', 'this kernel has no bpf(2) system call');
  if (!r.ok) throw new SysError('probe features', r.errno, { hint: 'needs root or CAP_BPF' });
  baselineOk = true;
}

/** Types that refuse to load without a BTF id: a log mentioning it proves the type exists. */
const NEEDS_BTF_ID = new Set<number>([ProgType.TRACING, ProgType.LSM, ProgType.EXT, ProgType.STRUCT_OPS]);

const progTypeCache = new Map<number, boolean>();

/**
 * hasProgramType says whether the kernel loads programs of `type`. A type the kernel does not know
 * fails before the verifier runs (no log); one that needs more attributes fails inside it (a log).
 */
export function hasProgramType(type: ProgTypeName | number): boolean {
  const t = progTypeNumber(type);
  let v = progTypeCache.get(t);
  if (v === undefined) {
    const extra: { expectedAttachType?: number; attachBtfId?: number } = {};
    if (t === ProgType.TRACING) extra.expectedAttachType = AttachType.TRACE_FENTRY;
    if (t === ProgType.LSM) extra.expectedAttachType = AttachType.LSM_MAC;
    if (t === ProgType.CGROUP_SOCK_ADDR) extra.expectedAttachType = AttachType.CGROUP_INET4_CONNECT;
    if (t === ProgType.CGROUP_SOCKOPT) extra.expectedAttachType = AttachType.CGROUP_GETSOCKOPT;
    if (t === ProgType.SK_LOOKUP) extra.expectedAttachType = AttachType.SK_LOOKUP;
    if (t === ProgType.NETFILTER) extra.expectedAttachType = AttachType.NETFILTER;
    if (NEEDS_BTF_ID.has(t)) extra.attachBtfId = 1;
    requireBpf();
    const r = probeLoad(t, RET0, extra);
    v = r.ok || (r.errno !== 0 && r.log.trim() !== '');
    progTypeCache.set(t, v);
  }
  return v;
}

/** STORAGE_BTF is the BTF libbpf uses to probe local-storage maps: int, bpf_spin_lock, struct val. */
function storageBtf(): Uint8Array {
  const strs = Buffer.from('\0bpf_spin_lock\0val\0cnt\0l\0', 'latin1');
  const kind = (k: number, vlen: number) => ((k << 24) | vlen) >>> 0;
  const types = [
    ...[0, kind(1, 0), 4, (1 << 24) | 32], // [1] int: signed, 32 bits
    ...[1, kind(4, 1), 4, 15, 1, 0], // [2] struct bpf_spin_lock { int val; }
    ...[15, kind(4, 2), 8, 19, 1, 0, 23, 2, 32], // [3] struct val { int cnt; struct bpf_spin_lock l; }
  ];
  const hdr = Buffer.alloc(24);
  hdr.writeUInt16LE(0xeb9f, 0);
  hdr.writeUInt8(1, 2);
  hdr.writeUInt32LE(24, 4);
  hdr.writeUInt32LE(0, 8);
  hdr.writeUInt32LE(types.length * 4, 12);
  hdr.writeUInt32LE(types.length * 4, 16);
  hdr.writeUInt32LE(strs.length, 20);
  const body = Buffer.alloc(types.length * 4);
  types.forEach((v, i) => {
    body.writeUInt32LE(v >>> 0, i * 4);
  });
  return Buffer.concat([hdr, body, strs]);
}

let btfLoadable: boolean | undefined;

/** hasBtfLoad says whether the kernel accepts a BTF blob (BTF_LOAD, 4.18). */
export function hasBtfLoad(): boolean {
  if (btfLoadable === undefined) {
    try {
      btfLoad(storageBtf()).close();
      btfLoadable = true;
    } catch {
      requireBpf();
      btfLoadable = false;
    }
  }
  return btfLoadable;
}

function mapProbeAttr(t: number): MapCreateAttr {
  const a: MapCreateAttr = { mapType: t, keySize: 4, valueSize: 4, maxEntries: 1 };
  switch (t) {
    case MapType.LPM_TRIE:
      return { ...a, keySize: 8, flags: MapFlag.NO_PREALLOC };
    case MapType.STACK_TRACE:
      return { ...a, valueSize: 8 };
    case MapType.CGROUP_STORAGE:
    case MapType.PERCPU_CGROUP_STORAGE:
      return { ...a, keySize: 8, maxEntries: 0 };
    case MapType.QUEUE:
    case MapType.STACK:
    case MapType.BLOOM_FILTER:
      return { ...a, keySize: 0 };
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      return { ...a, keySize: 0, valueSize: 0, maxEntries: 4096 };
    case MapType.ARENA:
      return { ...a, keySize: 0, valueSize: 0, maxEntries: 1, flags: MapFlag.MMAPABLE };
    case MapType.REUSEPORT_SOCKARRAY:
      return { ...a, valueSize: 8 };
    default:
      return a;
  }
}

const STORAGE = new Set<number>([
  MapType.SK_STORAGE,
  MapType.INODE_STORAGE,
  MapType.TASK_STORAGE,
  MapType.CGRP_STORAGE,
]);

const mapTypeCache = new Map<number, boolean>();

/** hasMapType says whether the kernel creates maps of `type`. */
export function hasMapType(type: MapTypeName | number): boolean {
  const t = mapTypeNumber(type);
  let v = mapTypeCache.get(t);
  if (v !== undefined) return v;
  if (t === MapType.STRUCT_OPS) {
    // Needs a vmlinux struct type id; the program type is the same kernel feature.
    v = hasProgramType(ProgType.STRUCT_OPS);
  } else if (t === MapType.ARRAY_OF_MAPS || t === MapType.HASH_OF_MAPS) {
    requireBpf();
    const inner = mapCreateRaw(mapProbeAttr(MapType.ARRAY));
    try {
      v = createOk({ ...mapProbeAttr(t), innerMapFd: inner.ret });
    } finally {
      if (inner.ret >= 0) libcClose(inner.ret);
    }
  } else if (STORAGE.has(t)) {
    let btf: ReturnType<typeof btfLoad> | undefined;
    try {
      btf = btfLoad(storageBtf());
    } catch {
      btf = undefined;
    }
    v = btf
      ? createOk({
          mapType: t,
          keySize: 4,
          valueSize: 8,
          maxEntries: 0,
          flags: MapFlag.NO_PREALLOC,
          btfFd: btf.value,
          btfKeyTypeId: 1,
          btfValueTypeId: 3,
        })
      : false;
    btf?.close();
  } else {
    v = createOk(mapProbeAttr(t));
  }
  mapTypeCache.set(t, v);
  return v;
}

function createOk(a: MapCreateAttr): boolean {
  const r = mapCreateRaw(a);
  if (r.ret >= 0) {
    libcClose(r.ret);
    return true;
  }
  requireBpf();
  return false;
}

const helperCache = new Map<string, boolean>();

/**
 * hasHelper says whether programs of `type` may call helper `name` (`ktime_get_ns` or
 * `bpf_ktime_get_ns`): the verifier says "unknown func" or "program of this type cannot use helper"
 * when they may not. Arguments are left unset on purpose; the verifier checks the helper first.
 */
export function hasHelper(type: ProgTypeName | number, name: string): boolean {
  const t = progTypeNumber(type);
  const id = helperId(name);
  if (id === undefined) return false;
  const key = `${t}:${id}`;
  let v = helperCache.get(key);
  if (v === undefined) {
    if (!hasProgramType(t)) {
      v = false;
    } else {
      const r = probeLoad(t, [insn(0x85, 0, 0, 0, id), ...RET0], attachFor(t));
      v = r.ok || !/unknown func|invalid func|cannot use helper|not supported/.test(r.log);
    }
    helperCache.set(key, v);
  }
  return v;
}

function attachFor(t: number): { expectedAttachType?: number } {
  if (t === ProgType.CGROUP_SOCK_ADDR) return { expectedAttachType: AttachType.CGROUP_INET4_CONNECT };
  if (t === ProgType.CGROUP_SOCKOPT) return { expectedAttachType: AttachType.CGROUP_GETSOCKOPT };
  if (t === ProgType.SK_LOOKUP) return { expectedAttachType: AttachType.SK_LOOKUP };
  return {};
}

/** ATTACH_PROBES pairs each load-time-checked attach type with the program type that takes it. */
const ATTACH_PROBES: Array<[keyof typeof AttachType, keyof typeof ProgType]> = [
  ['CGROUP_INET_INGRESS', 'CGROUP_SKB'],
  ['CGROUP_INET_EGRESS', 'CGROUP_SKB'],
  ['CGROUP_INET_SOCK_CREATE', 'CGROUP_SOCK'],
  ['CGROUP_INET_SOCK_RELEASE', 'CGROUP_SOCK'],
  ['CGROUP_INET4_POST_BIND', 'CGROUP_SOCK'],
  ['CGROUP_INET6_POST_BIND', 'CGROUP_SOCK'],
  ['CGROUP_INET4_BIND', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_INET6_BIND', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_INET4_CONNECT', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_INET6_CONNECT', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_UDP4_SENDMSG', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_UDP6_SENDMSG', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_UDP4_RECVMSG', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_UDP6_RECVMSG', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_INET4_GETPEERNAME', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_INET4_GETSOCKNAME', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_UNIX_CONNECT', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_UNIX_SENDMSG', 'CGROUP_SOCK_ADDR'],
  ['CGROUP_GETSOCKOPT', 'CGROUP_SOCKOPT'],
  ['CGROUP_SETSOCKOPT', 'CGROUP_SOCKOPT'],
  ['TRACE_FENTRY', 'TRACING'],
  ['TRACE_FEXIT', 'TRACING'],
  ['MODIFY_RETURN', 'TRACING'],
  ['TRACE_RAW_TP', 'TRACING'],
  ['TRACE_ITER', 'TRACING'],
  ['LSM_MAC', 'LSM'],
  ['LSM_CGROUP', 'LSM'],
  ['TRACE_KPROBE_MULTI', 'KPROBE'],
  ['TRACE_KPROBE_SESSION', 'KPROBE'],
  ['TRACE_UPROBE_MULTI', 'KPROBE'],
  ['TRACE_UPROBE_SESSION', 'KPROBE'],
  ['XDP_DEVMAP', 'XDP'],
  ['XDP_CPUMAP', 'XDP'],
  ['SK_LOOKUP', 'SK_LOOKUP'],
  ['NETFILTER', 'NETFILTER'],
];

const attachCache = new Map<number, boolean>();

/**
 * hasAttachType says whether the kernel accepts `type` as a program's expected attach type (only the
 * attach types checked at load time can be probed this way; others report false).
 */
export function hasAttachType(type: keyof typeof AttachType): boolean {
  const a = AttachType[type];
  let v = attachCache.get(a);
  if (v === undefined) {
    const pair = ATTACH_PROBES.find(([at]) => at === type);
    if (!pair) v = false;
    else {
      const t = ProgType[pair[1]];
      const extra: { expectedAttachType: number; attachBtfId?: number } = { expectedAttachType: a };
      if (NEEDS_BTF_ID.has(t)) extra.attachBtfId = 1;
      requireBpf();
      const r = probeLoad(t, RET0, extra);
      v = r.ok || (r.errno !== 0 && r.log.trim() !== '');
    }
    attachCache.set(a, v);
  }
  return v;
}

let perfCookies: boolean | undefined;

/**
 * perfLinkCookies says whether BPF_LINK_CREATE takes a perf event with a bpf_cookie (Linux 5.15),
 * by linking a perf_event program that calls bpf_get_attach_cookie to a disabled software event:
 * unlike a tracepoint's, closing one waits for no RCU grace period (a tracepoint costs ~50 ms).
 */
function perfLinkCookies(): boolean {
  if (perfCookies !== undefined) return perfCookies;
  requireBpf();
  const insns = new ProgramBuilder().call('get_attach_cookie').mov(r0, 0).exit().build().insns;
  const r = progLoad({ progType: ProgType.PERF_EVENT, insns: encode(insns), license: 'GPL' });
  if (!('fd' in r)) return (perfCookies = false);
  let event: FD | undefined;
  try {
    const what = 'attach cookie probe';
    event = perfEventOpen(
      { type: PerfType.SOFTWARE, config: SwEvent.CPU_CLOCK, samplePeriod: 1n << 40n, disabled: true },
      -1,
      0,
      what,
    );
    const extra = new Uint8Array(8);
    extra[0] = 1; // bpf_cookie = 1
    linkCreate(
      { progFd: r.fd.value, targetFd: event.value, attachType: AttachType.PERF_EVENT, extra },
      what,
    ).close();
    return (perfCookies = true);
  } catch (err) {
    if (err instanceof SysError && (err.errno === 22 || err.errno === 95)) return (perfCookies = false);
    throw err;
  } finally {
    event?.close();
    r.fd.close();
  }
}

/**
 * hasAttachCookies says whether programs of `type` (tracepoint, kprobe for uprobes, perf_event) can
 * be attached to many perf events with a cookie each and read it with bpf_get_attach_cookie (Linux
 * 5.15), so one program can serve many attach points. The cookie travels in the perf link, the same
 * for every kind of perf event; whether `type` may read it is the verifier's answer. False while
 * perf links are not in use.
 */
export function hasAttachCookies(type: 'tracepoint' | 'kprobe' | 'perf_event'): boolean {
  if (!perfLinksUsable()) return false;
  return perfLinkCookies() && hasHelper(type, 'get_attach_cookie');
}

function loads(insns: Insn[]): boolean {
  return probeLoad(ProgType.SOCKET_FILTER, insns).ok;
}

/** isaVersion is the newest eBPF ISA the verifier accepts: 1, 2 (jlt…), 3 (jmp32), 4 (sdiv, movsx…). */
export function isaVersion(): number {
  const v2 = new ProgramBuilder().mov(r0, 0).jmp('JLT', r0, 0, 0).exit().build().insns;
  const v3 = new ProgramBuilder().mov(r0, 0).jmp32('JLT', r0, 0, 0).exit().build().insns;
  const v4 = new ProgramBuilder().mov(r0, 1).sdiv(r0, 1).movsx(r0, r0, 8).exit().build().insns;
  if (!loads(v2)) return 1;
  if (!loads(v3)) return 2;
  if (!loads(v4)) return 3;
  return 4;
}

function readProc(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Features is what `bpfkit features` reports. */
export interface Features {
  kernelRelease: string;
  system: {
    jitEnabled: number | undefined;
    jitHarden: number | undefined;
    jitKallsyms: number | undefined;
    unprivilegedBpfDisabled: number | undefined;
    vmlinuxBtf: boolean;
    btfLoad: boolean;
    /** kprobes: the kprobe PMU or kprobe_events exists (kernels built without CONFIG_KPROBES lack both). */
    kprobes: boolean;
    uprobes: boolean;
  };
  programTypes: Record<string, boolean>;
  mapTypes: Record<string, boolean>;
  attachTypes: Record<string, boolean>;
  /** helpers lists, per program type, the probed helpers it may call. */
  helpers: Record<string, Record<string, boolean>>;
  misc: { isaVersion: number; boundedLoops: boolean; largeInsnLimit: boolean };
}

/** PROBED_HELPERS are the helpers that matter to bpfkit's tools, probed per program type. */
export const PROBED_HELPERS: Record<string, readonly string[]> = {
  tracing: [
    'map_lookup_elem',
    'map_update_elem',
    'map_delete_elem',
    'probe_read_kernel',
    'probe_read_kernel_str',
    'probe_read_user',
    'probe_read_user_str',
    'ktime_get_ns',
    'ktime_get_boot_ns',
    'get_current_pid_tgid',
    'get_current_uid_gid',
    'get_current_comm',
    'get_current_task',
    'get_current_task_btf',
    'get_current_cgroup_id',
    'get_ns_current_pid_tgid',
    'get_stackid',
    'get_stack',
    'get_smp_processor_id',
    'perf_event_output',
    'ringbuf_output',
    'ringbuf_reserve',
    'ringbuf_submit',
    'ringbuf_discard',
    'trace_printk',
    'snprintf',
    'send_signal',
    'get_func_ip',
    'get_attach_cookie',
    'loop',
    'for_each_map_elem',
    'tail_call',
    'probe_write_user',
    'override_return',
  ],
  networking: [
    'map_lookup_elem',
    'map_update_elem',
    'ktime_get_ns',
    'skb_load_bytes',
    'skb_store_bytes',
    'xdp_adjust_head',
    'xdp_adjust_tail',
    'redirect',
    'redirect_map',
    'fib_lookup',
    'csum_diff',
    'get_socket_cookie',
    'get_socket_uid',
    'perf_event_output',
    'ringbuf_output',
    'tail_call',
    'get_current_pid_tgid',
  ],
};

const HELPER_PROG_TYPES: Array<[ProgTypeName, keyof typeof PROBED_HELPERS]> = [
  ['kprobe', 'tracing'],
  ['tracepoint', 'tracing'],
  ['raw_tracepoint', 'tracing'],
  ['perf_event', 'tracing'],
  ['socket_filter', 'networking'],
  ['sched_cls', 'networking'],
  ['xdp', 'networking'],
  ['cgroup_skb', 'networking'],
  ['cgroup_sock_addr', 'networking'],
];

const cached = new Map<boolean, Features>();

/** ProbeOptions widens the probe: allHelpers tries every known helper on every loadable program type. */
export interface ProbeOptions {
  allHelpers?: boolean;
}

/**
 * probeFeatures runs every probe once per process (later calls return the cached result). Without
 * root it throws SysError EPERM with "needs root or CAP_BPF".
 */
export async function probeFeatures(options: ProbeOptions = {}): Promise<Features> {
  return probeFeaturesSync(options);
}

/** probeFeaturesSync is probeFeatures for callers that cannot await. */
export function probeFeaturesSync(options: ProbeOptions = {}): Features {
  const all = options.allHelpers === true;
  const hit = cached.get(all);
  if (hit) return hit;
  const programTypes: Record<string, boolean> = {};
  for (const [name, n] of Object.entries(ProgType))
    if (n !== 0) programTypes[name.toLowerCase()] = hasProgramType(n);
  const mapTypes: Record<string, boolean> = {};
  for (const [name, n] of Object.entries(MapType)) if (n !== 0) mapTypes[name.toLowerCase()] = hasMapType(n);
  const attachTypes: Record<string, boolean> = {};
  for (const [name] of ATTACH_PROBES) attachTypes[name.toLowerCase()] = hasAttachType(name);
  const helpers: Record<string, Record<string, boolean>> = {};
  const helperRows: Array<[string, readonly string[]]> = all
    ? Object.entries(programTypes)
        .filter(([name, ok]) => ok && !NEEDS_BTF_ID.has(progTypeNumber(name as ProgTypeName)))
        .map(([name]) => [name, HELPER_NAMES.slice(1)])
    : HELPER_PROG_TYPES.map(([type, group]) => [type, PROBED_HELPERS[group] ?? []]);
  for (const [type, names] of helperRows) {
    const row: Record<string, boolean> = {};
    for (const h of names) row[h] = hasHelper(type as ProgTypeName, h);
    helpers[type] = row;
  }
  const loop = new ProgramBuilder().mov(r0, 10).label('l').sub(r0, 1).jmp('JNE', r0, 0, 'l').exit().build();
  // Over 4096 instructions was refused before 5.2.
  const big = [...Array.from({ length: 4100 }, () => insn(0xb7, 0, 0, 0, 0)), insn(0x95)];
  const result: Features = {
    kernelRelease: release(),
    system: {
      jitEnabled: readProc('/proc/sys/net/core/bpf_jit_enable'),
      jitHarden: readProc('/proc/sys/net/core/bpf_jit_harden'),
      jitKallsyms: readProc('/proc/sys/net/core/bpf_jit_kallsyms'),
      unprivilegedBpfDisabled: readProc('/proc/sys/kernel/unprivileged_bpf_disabled'),
      vmlinuxBtf: existsSync('/sys/kernel/btf/vmlinux'),
      btfLoad: hasBtfLoad(),
      kprobes:
        existsSync('/sys/bus/event_source/devices/kprobe') ||
        existsSync('/sys/kernel/tracing/kprobe_events') ||
        existsSync('/sys/kernel/debug/tracing/kprobe_events'),
      uprobes: existsSync('/sys/bus/event_source/devices/uprobe'),
    },
    programTypes,
    mapTypes,
    attachTypes,
    helpers,
    misc: { isaVersion: isaVersion(), boundedLoops: loads(loop.insns), largeInsnLimit: loads(big) },
  };
  cached.set(all, result);
  return result;
}

/** requireKprobes throws NotSupportedError naming the tracepoint alternative when kprobes are absent. */
export function requireKprobes(what: string, alternative = 'a tracepoint or raw tracepoint'): void {
  const f = probeFeaturesSync().system;
  if (!f.kprobes) {
    throw new NotSupportedError(
      'kprobe',
      `${what} needs kprobes, which this kernel was built without (CONFIG_KPROBES is off)`,
      `use ${alternative} instead`,
    );
  }
}
