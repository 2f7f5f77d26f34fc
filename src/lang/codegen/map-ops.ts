// map-ops: map keys, lookups, updates, aggregations (count, sum, hist...) and reads of map values.

import { r0, r1, r2, r3, r4, r10 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { align8, byteSize, type Ty } from '../types.js';
import { aggRead } from './agg-read.js';
import { expr, scalar } from './expressions.js';
import { BPF_NOEXIST, type Gen, R0, type Val } from './gen.js';
import { Globals, type MapLayout } from './layout.js';

/** mapKey builds the key of a map access on the stack and returns its offset. */
export function mapKey(g: Gen, m: A.MapRef, layout: MapLayout, extraKeys: A.Expr[] = []): number {
  const keys = m.keys.length ? m.keys : extraKeys;
  const key = g.alloc(layout.keySize, m.pos);
  g.zero(key, layout.keySize);
  const infoKeys = layout.info!.keys ?? [];
  keys.forEach((k, i) => {
    const size = align8(byteSize(infoKeys[i]!));
    const save = g.sp;
    const val = expr(g, k);
    g.store(val, key + layout.keyOffsets![i]!, size);
    g.sp = save;
  });
  return key;
}

export function update(g: Gen, layout: MapLayout, key: number, value: number, flags: number): void {
  const b = g.b;
  b.ldMap(r1, layout.ref);
  g.stackPtr(r2, key);
  g.stackPtr(r3, value);
  b.mov(r4, flags);
  g.callCounted('map_update_elem', 'JSGE', Globals.MAP_DROPS, 'updated');
}

/** lookupScalar leaves the map's u64 value (or 0 when absent) in r0. */
export function lookupScalar(g: Gen, layout: MapLayout, key: number): void {
  const b = g.b;
  b.ldMap(r1, layout.ref);
  g.stackPtr(r2, key);
  b.call('map_lookup_elem');
  const miss = g.label('miss');
  b.jmp('JEQ', r0, 0, miss);
  b.ldx('u64', r0, r0, 0);
  b.label(miss);
}

export function aggregate(g: Gen, target: A.MapRef, call: A.Call, layout: MapLayout): void {
  const b = g.b;
  const agg = layout.info!.value as Extract<Ty, { k: 'agg' }>;
  const fn = agg.fn;
  // The new sample, evaluated before the key so the key survives on the stack.
  const sample = g.alloc(8, call.pos);
  if (fn === 'count') b.mov(r0, 1);
  else scalar(g, call.args[0]!);
  b.st('u64', r10, sample, r0);
  const key = mapKey(g, target, layout);
  if (layout.bucket) {
    b.ldx('u64', r0, r10, sample);
    if (fn === 'hist') log2Bucket(g);
    else linearBucket(g, agg.lhist!);
    b.st('u64', r10, key + layout.keySize - 8, r0);
  }
  const miss = g.label('aggmiss');
  const done = g.label('aggdone');
  const dropped = g.label('aggdrop');
  lookupAndApply(g, layout, key, fn, sample, miss, done);
  b.label(miss);
  const init = g.alloc(16, call.pos);
  b.ldx('u64', r1, r10, sample);
  switch (fn) {
    case 'count':
    case 'hist':
    case 'lhist':
      b.st('u64', r10, init, 1);
      break;
    case 'sum':
      b.st('u64', r10, init, r1);
      break;
    case 'avg':
    case 'stats':
      b.st('u64', r10, init, 1);
      b.st('u64', r10, init + 8, r1);
      break;
    case 'min':
    case 'max':
      b.st('u64', r10, init, r1);
      b.st('u64', r10, init + 8, 1);
      break;
  }
  if (layout.valueSize === 8) b.st('u64', r10, init + 8, 0);
  b.ldMap(r1, layout.ref);
  g.stackPtr(r2, key);
  g.stackPtr(r3, init);
  b.mov(r4, BPF_NOEXIST);
  b.call('map_update_elem');
  b.jmp('JEQ', r0, 0, done);
  // EEXIST: another CPU inserted the key between our lookup and update; add to its element instead
  // of counting the sample as dropped.
  b.jmp('JNE', r0, -EEXIST, dropped);
  lookupAndApply(g, layout, key, fn, sample, dropped, done);
  b.label(dropped);
  g.globalAdd(Globals.MAP_DROPS, 1);
  b.label(done);
}

const EEXIST = 17;

/** lookupAndApply folds the sample into the key's value and goes to `done`, or to `absent`. */
function lookupAndApply(
  g: Gen,
  layout: MapLayout,
  key: number,
  fn: string,
  sample: number,
  absent: string,
  done: string,
): void {
  const b = g.b;
  b.ldMap(r1, layout.ref);
  g.stackPtr(r2, key);
  b.call('map_lookup_elem');
  b.jmp('JEQ', r0, 0, absent);
  applySample(g, fn, sample, done);
  b.ja(done);
}

/** applySample folds the sample at `sample` into the value r0 points at (this CPU's slot). */
function applySample(g: Gen, fn: string, sample: number, done: string): void {
  const b = g.b;
  b.ldx('u64', r1, r10, sample);
  // Per-CPU values: no other CPU writes this slot, so plain read-modify-write is exact.
  switch (fn) {
    case 'count':
    case 'hist':
    case 'lhist':
      b.ldx('u64', r2, r0, 0);
      b.add(r2, 1);
      b.st('u64', r0, 0, r2);
      break;
    case 'sum':
      b.ldx('u64', r2, r0, 0);
      b.add(r2, r1);
      b.st('u64', r0, 0, r2);
      break;
    case 'avg':
    case 'stats':
      b.ldx('u64', r2, r0, 0);
      b.add(r2, 1);
      b.st('u64', r0, 0, r2);
      b.ldx('u64', r2, r0, 8);
      b.add(r2, r1);
      b.st('u64', r0, 8, r2);
      break;
    case 'min':
    case 'max': {
      const set = g.label('mset');
      b.ldx('u64', r2, r0, 8);
      b.jmp('JEQ', r2, 0, set);
      b.ldx('u64', r2, r0, 0);
      b.jmp(fn === 'min' ? 'JSLE' : 'JSGE', r2, r1, done);
      b.label(set);
      b.st('u64', r0, 0, r1);
      b.st('u64', r0, 8, 1);
      break;
    }
  }
}

/** log2Bucket maps r0 to bpftrace's hist() bucket: 0 for negatives, 1 for 0, 2+floor(log2) above. */
export function log2Bucket(g: Gen): void {
  const b = g.b;
  const done = g.label('h');
  const pos = g.label('hpos');
  b.jmp('JSGT', r0, 0, pos);
  b.mov(r1, 0);
  b.jmp('JSLT', r0, 0, done);
  b.mov(r1, 1);
  b.ja(done);
  b.label(pos);
  b.mov(r1, 2);
  for (const shift of [32, 16, 8, 4, 2, 1]) {
    const skip = g.label('hs');
    b.mov(r2, r0);
    b.rsh(r2, shift);
    b.jmp('JEQ', r2, 0, skip);
    b.mov(r0, r2);
    b.add(r1, shift);
    b.label(skip);
  }
  b.label(done);
  b.mov(r0, r1);
}

/** linearBucket maps r0 to lhist's bucket: 0 below min, 1.. inside, last at or above max. */
export function linearBucket(g: Gen, l: { min: bigint; max: bigint; step: bigint }): void {
  const b = g.b;
  const done = g.label('l');
  const inside = g.label('lin');
  const last = (l.max - l.min) / l.step + 1n;
  g.ldImm(r2, l.min);
  g.ldImm(r3, l.max);
  b.mov(r1, 0);
  b.jmp('JSLT', r0, r2, done);
  g.ldImm(r1, last);
  b.jmp('JSGE', r0, r3, done);
  b.label(inside);
  b.sub(r0, r2);
  g.ldImm(r2, l.step);
  b.alu64('DIV', r0, r2);
  b.add(r0, 1);
  b.mov(r1, r0);
  b.label(done);
  b.mov(r0, r1);
}

export function mapRead(g: Gen, e: A.MapRef): Val {
  const b = g.b;
  const layout = g.mapsByName.get(e.name)!;
  const vt = layout.info!.value!;
  const key = mapKey(g, e, layout);
  if (vt.k === 'agg') {
    aggRead(g, layout, key, vt.fn, e.pos);
    return R0;
  }
  if (
    vt.k === 'int' ||
    vt.k === 'ptr' ||
    vt.k === 'ksym' ||
    vt.k === 'probe' ||
    vt.k === 'username' ||
    vt.k === 'timestamp'
  ) {
    lookupScalar(g, layout, key);
    return R0;
  }
  const size = layout.valueSize;
  const buf = g.alloc(size, e.pos);
  g.zero(buf, size);
  b.ldMap(r1, layout.ref);
  g.stackPtr(r2, key);
  b.call('map_lookup_elem');
  const miss = g.label('miss');
  b.jmp('JEQ', r0, 0, miss);
  for (let i = 0; i < size; i += 8) {
    b.ldx('u64', r1, r0, i);
    b.st('u64', r10, buf + i, r1);
  }
  b.label(miss);
  return { at: 'stack', off: buf, size };
}
