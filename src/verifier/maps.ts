// The maps a program refers to, as the verifier needs them: type, key and value sizes.

/** MapKind names the map types the verifier knows, as in the kernel's enum bpf_map_type. */
export const MapKind = {
  hash: 1,
  array: 2,
  prog_array: 3,
  perf_event_array: 4,
  percpu_hash: 5,
  percpu_array: 6,
  stack_trace: 7,
  lru_hash: 9,
  lru_percpu_hash: 10,
  lpm_trie: 11,
  queue: 22,
  stack: 23,
  ringbuf: 27,
} as const;
export type MapKindName = keyof typeof MapKind;

/** MapInfo describes one map; `fd` is the value LD_IMM64 (src=1) carries in its immediate. */
export interface MapInfo {
  name: string;
  type: MapKindName;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  fd?: number;
}

/** mapKindByNumber names a kernel map type number, or undefined. */
export function mapKindByNumber(n: number): MapKindName | undefined {
  for (const [k, v] of Object.entries(MapKind)) if (v === n) return k as MapKindName;
  return undefined;
}

/** isArrayLike says direct value access (BPF_PSEUDO_MAP_VALUE) is allowed on the map. */
export const isArrayLike = (m: MapInfo): boolean => m.type === 'array';
