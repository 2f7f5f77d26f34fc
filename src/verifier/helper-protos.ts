// Helper prototypes: argument and return types of the kernel helpers bpfkit's verifier checks, whether
// each is GPL-only, and which program types may call it (as kernel 6.18 allows root).

import { helperId } from '../asm/helpers.js';
import type { MapKindName } from './maps.js';
import type { ProgTypeName } from './program-types.js';

/**
 * ArgType is what a helper argument must be, after the kernel's enum bpf_arg_type:
 * map (CONST_PTR_TO_MAP), key / value (pointers to key_size / value_size readable bytes),
 * uninit_value (value_size writable bytes), mem (readable memory, size in the next argument),
 * mem_or_null, uninit_mem (writable memory, size next), size (constant > 0), size_or_zero,
 * alloc_size (a known constant), ringbuf_mem (a reserved ringbuf record, released by the call),
 * ctx, anything.
 */
export type ArgType =
  | 'map'
  | 'key'
  | 'value'
  | 'uninit_value'
  | 'mem'
  | 'mem_or_null'
  | 'uninit_mem'
  | 'size'
  | 'size_or_zero'
  | 'alloc_size'
  | 'ringbuf_mem'
  | 'ctx'
  | 'anything';

/** RetType is what a helper returns in r0. */
export type RetType = 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null' | 'btf_task';

/** Availability is the set of program types that may call a helper. */
type Availability = 'all' | 'tracing' | 'skb' | 'tc' | 'tc_xdp' | 'xdp' | 'skb_filter' | 'skb_tc_cg';

export interface HelperProto {
  name: string;
  id: number;
  args: ArgType[];
  ret: RetType;
  gplOnly: boolean;
  availability: Availability;
  /** mapTypes restricts the map argument's type. */
  mapTypes?: MapKindName[];
  /** changesPacket says the call may move packet data, invalidating packet pointers. */
  changesPacket?: boolean;
  /** skbArgs replace args in programs whose context is an __sk_buff (the helper's skb variant). */
  skbArgs?: ArgType[];
}

const P = (
  name: string,
  args: ArgType[],
  ret: RetType,
  availability: Availability,
  extra: Partial<Pick<HelperProto, 'gplOnly' | 'mapTypes' | 'changesPacket' | 'skbArgs'>> = {},
): HelperProto => {
  const id = helperId(name);
  if (id === undefined) throw new Error(`helper-protos: unknown helper ${name}`);
  return { name: `bpf_${name}`, id, args, ret, availability, gplOnly: extra.gplOnly ?? false, ...extra };
};

const gpl = { gplOnly: true };
const RINGBUF: MapKindName[] = ['ringbuf'];
const KV_MAPS: MapKindName[] = [
  'hash',
  'array',
  'percpu_hash',
  'percpu_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
];

const PROTOS: HelperProto[] = [
  P('map_lookup_elem', ['map', 'key'], 'map_value_or_null', 'all', { mapTypes: KV_MAPS }),
  P('map_update_elem', ['map', 'key', 'value', 'anything'], 'integer', 'all', { mapTypes: KV_MAPS }),
  P('map_delete_elem', ['map', 'key'], 'integer', 'all', { mapTypes: KV_MAPS }),
  P('map_push_elem', ['map', 'value', 'anything'], 'integer', 'all', { mapTypes: ['queue', 'stack'] }),
  P('map_pop_elem', ['map', 'uninit_value'], 'integer', 'all', { mapTypes: ['queue', 'stack'] }),
  P('map_peek_elem', ['map', 'uninit_value'], 'integer', 'all', { mapTypes: ['queue', 'stack'] }),
  P('map_lookup_percpu_elem', ['map', 'key', 'anything'], 'map_value_or_null', 'all', {
    mapTypes: ['percpu_hash', 'percpu_array', 'lru_percpu_hash'],
  }),
  P('probe_read', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'tracing', gpl),
  P('probe_read_str', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'tracing', gpl),
  P('probe_read_user', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'all', gpl),
  P('probe_read_kernel', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'all', gpl),
  P('probe_read_user_str', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'all', gpl),
  P('probe_read_kernel_str', ['uninit_mem', 'size_or_zero', 'anything'], 'integer', 'all', gpl),
  P('ktime_get_ns', [], 'integer', 'all'),
  P('ktime_get_boot_ns', [], 'integer', 'all'),
  P('jiffies64', [], 'integer', 'all'),
  P('get_prandom_u32', [], 'integer', 'all'),
  P('get_smp_processor_id', [], 'integer', 'all'),
  P('get_numa_node_id', [], 'integer', 'all'),
  P('get_current_pid_tgid', [], 'integer', 'all'),
  P('get_current_uid_gid', [], 'integer', 'all'),
  P('get_current_cgroup_id', [], 'integer', 'all'),
  P('get_current_ancestor_cgroup_id', ['anything'], 'integer', 'all'),
  P('get_current_task', [], 'integer', 'all', gpl),
  P('get_current_task_btf', [], 'btf_task', 'all', gpl),
  P('get_current_comm', ['uninit_mem', 'size'], 'integer', 'all'),
  // Arguments after the format are not checked: the kernel reads them only if the format uses them.
  P('trace_printk', ['mem', 'size'], 'integer', 'all', gpl),
  P('send_signal', ['anything'], 'integer', 'all'),
  P('send_signal_thread', ['anything'], 'integer', 'all'),
  P('get_cgroup_classid', [], 'integer', 'all', { skbArgs: ['ctx'] }),
  P('ktime_get_tai_ns', [], 'integer', 'all'),
  P('get_ns_current_pid_tgid', ['anything', 'anything', 'uninit_mem', 'size'], 'integer', 'all'),
  P('skb_cgroup_id', ['ctx'], 'integer', 'skb_tc_cg'),
  P('tail_call', ['ctx', 'map', 'anything'], 'void', 'all', { mapTypes: ['prog_array'] }),
  P('perf_event_output', ['ctx', 'map', 'anything', 'mem', 'size_or_zero'], 'integer', 'all', {
    gplOnly: true,
    mapTypes: ['perf_event_array'],
  }),
  P('get_stackid', ['ctx', 'map', 'anything'], 'integer', 'tracing', {
    gplOnly: true,
    mapTypes: ['stack_trace'],
  }),
  P('get_stack', ['ctx', 'uninit_mem', 'size_or_zero', 'anything'], 'integer', 'tracing', gpl),
  P('ringbuf_output', ['map', 'mem', 'size_or_zero', 'anything'], 'integer', 'all', { mapTypes: RINGBUF }),
  P('ringbuf_reserve', ['map', 'alloc_size', 'anything'], 'ringbuf_mem_or_null', 'all', {
    mapTypes: RINGBUF,
  }),
  P('ringbuf_submit', ['ringbuf_mem', 'anything'], 'void', 'all'),
  P('ringbuf_discard', ['ringbuf_mem', 'anything'], 'void', 'all'),
  P('ringbuf_query', ['map', 'anything'], 'integer', 'all', { mapTypes: RINGBUF }),
  P('skb_load_bytes', ['ctx', 'anything', 'uninit_mem', 'size'], 'integer', 'skb'),
  P('skb_load_bytes_relative', ['ctx', 'anything', 'uninit_mem', 'size', 'anything'], 'integer', 'skb'),
  P('get_socket_cookie', ['ctx'], 'integer', 'skb'),
  P('get_socket_uid', ['ctx'], 'integer', 'skb'),
  P('skb_store_bytes', ['ctx', 'anything', 'mem', 'size', 'anything'], 'integer', 'tc', {
    changesPacket: true,
  }),
  P('l3_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', 'tc', {
    changesPacket: true,
  }),
  P('l4_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', 'tc', {
    changesPacket: true,
  }),
  P('skb_pull_data', ['ctx', 'anything'], 'integer', 'tc', { changesPacket: true }),
  P('get_hash_recalc', ['ctx'], 'integer', 'tc'),
  P('set_hash_invalid', ['ctx'], 'void', 'tc'),
  P('redirect', ['anything', 'anything'], 'integer', 'tc_xdp'),
  P(
    'csum_diff',
    ['mem_or_null', 'size_or_zero', 'mem_or_null', 'size_or_zero', 'anything'],
    'integer',
    'tc_xdp',
  ),
  P('xdp_adjust_head', ['ctx', 'anything'], 'integer', 'xdp', { changesPacket: true }),
  P('xdp_adjust_tail', ['ctx', 'anything'], 'integer', 'xdp', { changesPacket: true }),
  P('xdp_adjust_meta', ['ctx', 'anything'], 'integer', 'xdp', { changesPacket: true }),
];

const byId = new Map<number, HelperProto>(PROTOS.map((p) => [p.id, p]));

/** helperProto returns the prototype of a helper id, or undefined when bpfkit does not model it. */
export const helperProto = (id: number): HelperProto | undefined => byId.get(id);

/** helperAllowed says a program type may call the helper. */
export function helperAllowed(p: HelperProto, type: ProgTypeName): boolean {
  switch (p.availability) {
    case 'all':
      return true;
    case 'tracing':
      return type === 'kprobe' || type === 'tracepoint' || type === 'raw_tracepoint' || type === 'perf_event';
    case 'skb':
      return type === 'socket_filter' || type === 'sched_cls' || type === 'cgroup_skb';
    case 'skb_filter':
      return type === 'socket_filter';
    case 'skb_tc_cg':
      return type === 'sched_cls' || type === 'cgroup_skb';
    case 'tc':
      return type === 'sched_cls';
    case 'tc_xdp':
      return type === 'sched_cls' || type === 'xdp';
    case 'xdp':
      return type === 'xdp';
  }
}

/** modelledHelpers lists the helpers with a prototype here. */
export const modelledHelpers = (): readonly HelperProto[] => PROTOS;
