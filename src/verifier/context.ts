// Context access per program type: which (offset, size) loads and stores the kernel allows on r1's
// context, and what a load yields. The tables follow the 6.18 kernel's *_is_valid_access functions
// for root (checked against the running kernel by the agreement tests).

import { isSkb, type ProgTypeName } from './program-types.js';

/** CtxLoad is what a permitted context load produces. */
export type CtxLoad = 'scalar' | 'pkt' | 'pkt_end' | 'pkt_meta' | 'sock_common_or_null';

/** CtxRules are the layout facts the verifier needs about one program type's context. */
export interface CtxRules {
  /** name is the C type of the context, for messages. */
  name: string;
  /** size is the size of the context in bytes. */
  size: number;
  /** load returns what a load of `size` bytes at `off` yields, or undefined if it is not allowed. */
  load(off: number, size: number): CtxLoad | undefined;
  /** store says a store of `size` bytes at `off` is allowed. */
  store(off: number, size: number): boolean;
}

const inRange = (off: number, size: number, start: number, end: number): boolean =>
  off >= start && off + size <= end;

// struct __sk_buff offsets (include/uapi/linux/bpf.h).
const SKB = {
  mark: 8,
  queue_mapping: 12,
  priority: 32,
  tc_index: 44,
  cb: 48,
  cbEnd: 68,
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144,
  tstamp: 152,
  wire_len: 160,
  gso_segs: 164,
  sk: 168,
  gso_size: 176,
  tstamp_type: 180,
  hwtstamp: 184,
  size: 192,
};

/** skbNarrow is a u32 field readable with 1, 2 or 4 byte loads. */
function skbNarrow(off: number, size: number, field: number): boolean {
  return size <= 4 && off >= field && off + size <= field + 4;
}

function skbLoad(type: ProgTypeName, off: number, size: number): CtxLoad | undefined {
  if (off < 0 || off % size !== 0 || off + size > SKB.size) return undefined;
  if (inRange(off, size, SKB.cb, SKB.cbEnd)) return 'scalar';
  if (size === 8) {
    if (off === SKB.sk) return 'sock_common_or_null';
    if (off === SKB.tstamp || off === SKB.hwtstamp) return type === 'socket_filter' ? undefined : 'scalar';
    return undefined;
  }
  // Fields before cb[] and hash: len .. tc_index, and hash.
  if (off < SKB.cb || skbNarrow(off, size, SKB.hash)) return 'scalar';
  if (skbNarrow(off, size, SKB.tc_classid)) return type === 'sched_cls' ? 'scalar' : undefined;
  if (size === 4 && type !== 'socket_filter') {
    if (off === SKB.data) return 'pkt';
    if (off === SKB.data_end) return 'pkt_end';
    if (off === SKB.data_meta) return type === 'sched_cls' ? 'pkt_meta' : undefined;
  }
  if (skbNarrow(off, size, SKB.napi_id) || skbNarrow(off, size, SKB.gso_segs)) return 'scalar';
  if (skbNarrow(off, size, SKB.gso_size)) return 'scalar';
  if (skbNarrow(off, size, SKB.wire_len)) return type === 'sched_cls' ? 'scalar' : undefined;
  if (type === 'sched_cls' && size === 1 && off === SKB.tstamp_type) return 'scalar';
  if (type === 'cgroup_skb') {
    // The socket fields: family, addresses (4-byte loads only) and ports.
    if (skbNarrow(off, size, SKB.family)) return 'scalar';
    if (size === 4 && off >= SKB.remote_ip4 && off < SKB.local_port - 4) return 'scalar';
    if (skbNarrow(off, size, SKB.local_port - 4) || skbNarrow(off, size, SKB.local_port)) return 'scalar';
  }
  return undefined;
}

function skbStore(type: ProgTypeName, off: number, size: number): boolean {
  if (off < 0 || off % size !== 0) return false;
  if (inRange(off, size, SKB.cb, SKB.cbEnd)) return true;
  if (type === 'socket_filter') return false;
  if (size === 8) return off === SKB.tstamp;
  if (size !== 4) return false;
  if (off === SKB.mark || off === SKB.priority) return true;
  if (type === 'sched_cls') {
    return off === SKB.queue_mapping || off === SKB.tc_index || off === SKB.tc_classid;
  }
  return false;
}

const skbRules = (type: ProgTypeName): CtxRules => ({
  name: 'struct __sk_buff',
  size: SKB.size,
  load: (off, size) => skbLoad(type, off, size),
  store: (off, size) => skbStore(type, off, size),
});

const readOnly = (
  name: string,
  size: number,
  load: (off: number, size: number) => CtxLoad | undefined,
): CtxRules => ({ name, size, load, store: () => false });

// struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex (u32 each).
const xdpRules = readOnly('struct xdp_md', 24, (off, size) => {
  if (size !== 4 || off % 4 !== 0) return undefined;
  if (off === 0) return 'pkt';
  if (off === 4) return 'pkt_end';
  if (off === 8) return 'pkt_meta';
  // egress_ifindex (20) is only readable by programs attached to devmaps.
  return off === 12 || off === 16 ? 'scalar' : undefined;
});

/** PT_REGS_SIZE is sizeof(struct pt_regs) on x86_64. */
export const PT_REGS_SIZE = 168;

const kprobeRules = readOnly('struct pt_regs', PT_REGS_SIZE, (off, size) =>
  off >= 0 && off % size === 0 && off + size <= PT_REGS_SIZE ? 'scalar' : undefined,
);

// struct bpf_perf_event_data: pt_regs (8-byte loads only), then sample_period and addr (u64, narrow ok).
const perfEventRules = readOnly('struct bpf_perf_event_data', PT_REGS_SIZE + 16, (off, size) => {
  if (off < 0 || off % size !== 0 || off + size > PT_REGS_SIZE + 16) return undefined;
  if (off >= PT_REGS_SIZE) return 'scalar';
  return size === 8 ? 'scalar' : undefined;
});

/** RAW_TP_ARGS is MAX_BPF_FUNC_ARGS u64 arguments. */
const RAW_TP_SIZE = 12 * 8;
const rawTpRules = readOnly('u64 args[12]', RAW_TP_SIZE, (off, size) =>
  off >= 0 && off % size === 0 && off + size <= RAW_TP_SIZE ? 'scalar' : undefined,
);

/** PERF_MAX_TRACE_SIZE bounds a tracepoint's record when its format is not given. */
export const PERF_MAX_TRACE_SIZE = 8192;

/**
 * tracepointRules: the record of a tracepoint; its first 8 bytes (common_type, flags, preempt_count,
 * pid) are not readable. With a format, `size` is the record size the kernel checks at attach time.
 */
export function tracepointRules(size = PERF_MAX_TRACE_SIZE, name = 'tracepoint record'): CtxRules {
  return readOnly(name, size, (off, sz) =>
    off >= 8 && off % sz === 0 && off + sz <= size ? 'scalar' : undefined,
  );
}

/** ctxRules returns the context layout of a program type. */
export function ctxRules(type: ProgTypeName, tracepointSize?: number, tracepointName?: string): CtxRules {
  if (isSkb(type)) return skbRules(type);
  switch (type) {
    case 'xdp':
      return xdpRules;
    case 'kprobe':
      return kprobeRules;
    case 'perf_event':
      return perfEventRules;
    case 'raw_tracepoint':
      return rawTpRules;
    default:
      return tracepointRules(tracepointSize, tracepointName);
  }
}

/**
 * sockCommonLoad says a load of `size` bytes at `off` of a `struct bpf_sock` reached through
 * `skb->sk` (PTR_TO_SOCK_COMMON) is allowed; type, protocol, mark and priority are not readable.
 */
export function sockCommonLoad(off: number, size: number): boolean {
  if (off < 0 || off + size > 80 || off % size !== 0 || size > 4) return false;
  // family, src_port, state, rx_queue_mapping: narrow loads only at the field's start.
  if ([4, 44, 72, 76].includes(off)) return true;
  // src_ip4, src_ip6[4], dst_ip4, dst_ip6[4]: any narrow load inside.
  if (off >= 24 && off + size <= 44) return true;
  if (off >= 52 && off + size <= 72) return true;
  // dst_port is a __be16 with padding after it.
  if (off === 48) return true;
  if (off === 49) return size === 1;
  if ((off >= 8 && off < 24) || (off >= 50 && off < 52)) return false;
  return size === 4;
}
