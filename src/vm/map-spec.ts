// parseMapSpec reads a map description as `bpfkit vm --map` takes it: name:type:key:value:entries.

import { ParseError } from '../errors/index.js';
import { type VmMapSpec, VmMapType } from './maps.js';

const TYPES: Record<string, VmMapType> = {
  hash: VmMapType.Hash,
  array: VmMapType.Array,
  prog_array: VmMapType.ProgArray,
  perf_event_array: VmMapType.PerfEventArray,
  percpu_hash: VmMapType.PerCPUHash,
  percpu_array: VmMapType.PerCPUArray,
  lru_hash: VmMapType.LRUHash,
  ringbuf: VmMapType.RingBuf,
  queue: VmMapType.Queue,
  stack: VmMapType.Stack,
};

/** mapTypeLabel names a VmMapType as the kernel does, lower case (`ringbuf`). */
export function mapTypeLabel(type: VmMapType): string {
  return Object.entries(TYPES).find(([, t]) => t === type)?.[0] ?? `type ${type}`;
}

/**
 * parseMapSpec parses `counts:hash:4:8:1024` (name, type, key size, value size, max entries); ring
 * buffers may omit the sizes: `events:ringbuf:4096` is 4096 bytes of records.
 */
export function parseMapSpec(text: string): VmMapSpec & { name: string } {
  const pos = (column: number) => ({ file: '--map', line: 1, column, sourceLine: text });
  const parts = text.split(':');
  const [name, type] = parts;
  if (!name || !/^[A-Za-z_][\w.]*$/.test(name))
    throw new ParseError(`invalid map name '${name ?? ''}'`, pos(1));
  const t = type === undefined ? undefined : TYPES[type];
  if (t === undefined) {
    throw new ParseError(`unknown map type '${type ?? ''}'`, pos(name.length + 2), {
      hint: `use one of ${Object.keys(TYPES).join(', ')}`,
    });
  }
  const numbers = parts.slice(2);
  const column = (k: number) =>
    name.length + type!.length + 3 + numbers.slice(0, k).join(':').length + (k > 0 ? 1 : 0);
  const values = numbers.map((n, k) => {
    if (!/^\d+$/.test(n) || Number(n) > 0xffffffff)
      throw new ParseError(`'${n}' is not a size`, pos(column(k)));
    return Number(n);
  });
  if (t === VmMapType.RingBuf && values.length === 1)
    return { name, type: t, keySize: 0, valueSize: 0, maxEntries: values[0]! };
  if (values.length !== 3) {
    throw new ParseError('expected name:type:key-size:value-size:max-entries', pos(1), {
      hint: 'e.g. counts:hash:4:8:1024',
    });
  }
  const [keySize, valueSize, maxEntries] = values as [number, number, number];
  if (maxEntries === 0) throw new ParseError('max entries must be at least 1', pos(column(2)));
  return { name, type: t, keySize, valueSize, maxEntries };
}
