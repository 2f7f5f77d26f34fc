// Map printing in bpftrace's formats: `@name[k1, k2]: value` lines sorted by value, hist/lhist bars,
// stats, avg, and the `-f json` objects; per-CPU values are merged first.

import type { MapLayout } from '../codegen/layout.js';
import { align8, byteSize, type Ty } from '../types.js';
import { jsonValue, type Resolver, readInt, textValue, toJson } from './values.js';

/** RawEntry is a map element as read from the kernel: per-CPU maps give one value per CPU. */
export interface RawEntry {
  key: Uint8Array;
  values: Uint8Array[];
}

type Agg = Extract<Ty, { k: 'agg' }>;

interface Row {
  keyText: string;
  keyJson: string;
  keyBytes: Uint8Array;
  /** sortBy orders rows as bpftrace does (by value, then key). */
  sortBy: bigint;
  text: string;
  json: unknown;
}

const u64 = (b: Uint8Array, off = 0): bigint =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);

/** merge combines per-CPU aggregation values into [value, count, total]. */
export function merge(
  fn: Agg['fn'],
  values: Uint8Array[],
): { value: bigint; count: bigint; total: bigint; set: boolean } {
  let count = 0n;
  let total = 0n;
  let value = 0n;
  let set = false;
  for (const v of values) {
    switch (fn) {
      case 'count':
      case 'hist':
      case 'lhist':
      case 'sum':
        total += BigInt.asIntN(64, u64(v));
        break;
      case 'avg':
      case 'stats':
        count += u64(v);
        total += BigInt.asIntN(64, u64(v, 8));
        break;
      case 'min':
      case 'max': {
        if (u64(v, 8) === 0n) break;
        const x = BigInt.asIntN(64, u64(v));
        if (!set || (fn === 'min' ? x < value : x > value)) value = x;
        set = true;
        break;
      }
    }
  }
  if (fn === 'count' || fn === 'sum' || fn === 'hist' || fn === 'lhist') value = total;
  if (fn === 'avg') value = count === 0n ? 0n : total / count;
  if (fn === 'stats') value = count === 0n ? 0n : total / count;
  return { value, count, total, set };
}

function keyParts(layout: MapLayout, key: Uint8Array, r: Resolver): { text: string[]; json: string[] } {
  const keys = layout.info!.keys ?? [];
  const text: string[] = [];
  const json: string[] = [];
  keys.forEach((k, i) => {
    const off = layout.keyOffsets![i]!;
    const b = key.subarray(off, off + align8(byteSize(k)));
    text.push(textValue(k, b, r, true));
    const j = jsonValue(k, b, r, true);
    json.push(typeof j === 'string' || typeof j === 'bigint' ? String(j) : toJson(j));
  });
  return { text, json };
}

const KB = 1024n;

/** histLabel is a power-of-two bound with bpftrace's K/M/G/T/P/E suffixes. */
function powLabel(v: bigint): string {
  const suffixes = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (v >= KB && v % KB === 0n && i < suffixes.length - 1) {
    v /= KB;
    i++;
  }
  return `${v}${suffixes[i]}`;
}

function lhistLabel(n: bigint, step: bigint): string {
  if (step % 1024n !== 0n) return n.toString();
  if (n === 0n) return '0';
  if (n % (1024n * 1024n) === 0n) return `${n / (1024n * 1024n)}M`;
  if (n % 1024n === 0n) return `${n / 1024n}K`;
  return n.toString();
}

interface Bucket {
  label: string;
  min: bigint | undefined;
  max: bigint | undefined;
  count: bigint;
}

function bucketsOf(agg: Agg, counts: Map<number, bigint>): Bucket[] {
  const idx = [...counts.keys()].filter((i) => counts.get(i)! !== 0n);
  if (idx.length === 0) return [];
  const lo = Math.min(...idx);
  const hi = Math.max(...idx);
  const out: Bucket[] = [];
  for (let i = lo; i <= hi; i++) {
    const count = counts.get(i) ?? 0n;
    if (agg.fn === 'hist') {
      if (i === 0) out.push({ label: '(..., 0)', min: undefined, max: -1n, count });
      else if (i === 1) out.push({ label: '[0]', min: 0n, max: 0n, count });
      else if (i === 2) out.push({ label: '[1]', min: 1n, max: 1n, count });
      else {
        const a = 1n << BigInt(i - 2);
        out.push({ label: `[${powLabel(a)}, ${powLabel(a * 2n)})`, min: a, max: a * 2n - 1n, count });
      }
    } else {
      const { min, max, step } = agg.lhist!;
      const last = Number((max - min) / step) + 1;
      if (i === 0)
        out.push({ label: `(..., ${lhistLabel(min, step)})`, min: undefined, max: min - 1n, count });
      else if (i >= last)
        out.push({ label: `[${lhistLabel(max, step)}, ...)`, min: max, max: undefined, count });
      else {
        const a = min + BigInt(i - 1) * step;
        out.push({
          label: `[${lhistLabel(a, step)}, ${lhistLabel(a + step, step)})`,
          min: a,
          max: a + step - 1n,
          count,
        });
      }
    }
  }
  return out;
}

/**
 * histText draws the bars: a 16-wide label, an 8-wide count, and up to 52 '@'. print()'s `div`
 * divides the counts but not the bars, as bpftrace's does.
 */
export function histText(buckets: Bucket[], div = 1n): string {
  // biome-ignore lint/complexity/useMathMinMax: the counts are bigints, which Math.max refuses
  const max = buckets.reduce((m, b) => (b.count > m ? b.count : m), 0n);
  return buckets
    .map((b) => {
      const n = max === 0n ? 0 : Number((b.count * 52n) / max);
      return `${b.label.padEnd(16)}${(b.count / div).toString().padStart(8)} |${'@'.repeat(n).padEnd(52)}|\n`;
    })
    .join('');
}

function histJson(buckets: Bucket[], div = 1n): unknown[] {
  return buckets.map((b) => {
    const o: Record<string, bigint> = {};
    if (b.min !== undefined) o.min = b.min;
    if (b.max !== undefined) o.max = b.max;
    o.count = b.count / div;
    return o;
  });
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** mapRows decodes and sorts a map's entries. */
function mapRows(layout: MapLayout, entries: RawEntry[], r: Resolver, div: bigint): Row[] {
  const info = layout.info!;
  const vt = info.value!;
  const rows: Row[] = [];
  const keyOf = (k: Uint8Array) => {
    const p = keyParts(layout, k, r);
    return { keyText: p.text.length ? `[${p.text.join(', ')}]` : '', keyJson: p.json.join(',') };
  };
  if (vt.k === 'agg' && (vt.fn === 'hist' || vt.fn === 'lhist')) {
    const groups = new Map<string, { key: Uint8Array; counts: Map<number, bigint> }>();
    for (const e of entries) {
      const key = e.key.subarray(0, layout.keySize - 8);
      const id = Buffer.from(key).toString('hex');
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { key, counts: new Map() }));
      g.counts.set(Number(u64(e.key, layout.keySize - 8)), merge(vt.fn, e.values).value);
    }
    // bpftrace's print() divides hist counts, but not lhist's.
    const hdiv = vt.fn === 'hist' ? div : 1n;
    for (const g of groups.values()) {
      const buckets = bucketsOf(vt, g.counts);
      const total = buckets.reduce((n, b) => n + b.count, 0n);
      rows.push({
        ...keyOf(g.key),
        keyBytes: g.key,
        sortBy: total,
        text: `\n${histText(buckets, hdiv)}`,
        json: histJson(buckets, hdiv),
      });
    }
    rows.sort((a, b) => compareBytes(a.keyBytes, b.keyBytes));
    return rows;
  }
  for (const e of entries) {
    let text: string;
    let json: unknown;
    let sortBy = 0n;
    if (vt.k === 'agg') {
      const m = merge(vt.fn, e.values);
      if ((vt.fn === 'min' || vt.fn === 'max') && !m.set) continue;
      sortBy = m.value;
      if (vt.fn === 'stats') {
        text = `count ${m.count}, average ${m.value / div}, total ${m.total / div}`;
        json = { count: m.count, average: m.value / div, total: m.total / div };
      } else {
        text = (m.value / div).toString();
        json = m.value / div;
      }
    } else {
      const v = e.values[0]!;
      text = textValue(vt, v, r);
      json = jsonValue(vt, v, r);
      if (vt.k === 'int' || vt.k === 'ptr') {
        sortBy = readInt(v, vt);
        text = (sortBy / div).toString();
        json = sortBy / div;
      }
    }
    rows.push({ ...keyOf(e.key), keyBytes: e.key, sortBy, text, json });
  }
  const byValue = vt.k === 'int' || vt.k === 'agg';
  rows.sort((a, b) =>
    byValue && a.sortBy !== b.sortBy ? (a.sortBy < b.sortBy ? -1 : 1) : compareBytes(a.keyBytes, b.keyBytes),
  );
  return rows;
}

/** formatMapText prints one map as bpftrace does at exit or for print(@m, top, div). */
export function formatMapText(layout: MapLayout, entries: RawEntry[], r: Resolver, top = 0, div = 0): string {
  const info = layout.info!;
  const vt = info.value!;
  let rows = mapRows(layout, entries, r, BigInt(div > 0 ? div : 1));
  if (rows.length === 0) return emptyMapText(info.name, vt, (info.keys ?? []).length === 0);
  if (top > 0) rows = rows.slice(-top);
  let out = '';
  for (const row of rows) {
    out += `${info.name}${row.keyText}: ${row.text}\n`;
  }
  if (rows.length > 0 && vt.k === 'agg' && (vt.fn === 'avg' || vt.fn === 'stats')) out += '\n';
  return out;
}

/**
 * emptyMapText is what bpftrace prints for a map with no entries: a keyless count() as 0 (bpftrace
 * keeps it in an array, so it always has a value), otherwise the blank line that follows a map, two
 * after avg and stats.
 */
function emptyMapText(name: string, vt: Ty, keyless: boolean): string {
  if (vt.k !== 'agg') return '\n';
  if (vt.fn === 'count' && keyless) return `${name}: 0\n`;
  return vt.fn === 'avg' || vt.fn === 'stats' ? '\n\n' : '\n';
}

/** formatMapJson prints one map as a bpftrace JSON line (`map`, `hist` or `stats`). */
export function formatMapJson(layout: MapLayout, entries: RawEntry[], r: Resolver, top = 0, div = 0): string {
  const info = layout.info!;
  const vt = info.value!;
  let rows = mapRows(layout, entries, r, BigInt(div > 0 ? div : 1));
  if (top > 0) rows = rows.slice(-top);
  const type =
    vt.k === 'agg' && (vt.fn === 'hist' || vt.fn === 'lhist')
      ? 'hist'
      : vt.k === 'agg' && (vt.fn === 'stats' || vt.fn === 'avg')
        ? 'stats'
        : 'map';
  const keyless = (info.keys ?? []).length === 0;
  // bpftrace prints nothing for an empty map in JSON, except a keyless count() (see emptyMapText).
  if (rows.length === 0 && !(keyless && vt.k === 'agg' && vt.fn === 'count')) return '';
  let data: unknown;
  if (keyless) data = rows[0]?.json ?? (type === 'hist' ? [] : 0);
  else data = Object.fromEntries(rows.map((row) => [row.keyJson, row.json]));
  return `${toJson({ type, data: { [info.name]: data } })}\n`;
}
