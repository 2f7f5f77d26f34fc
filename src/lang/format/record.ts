// compileRecordFormat: turn a printf format and its argument slots into one function that renders an
// event record, with fast paths for the common `%d` and `%s`, so a busy probe costs little CPU here.

import type { ArgSlot } from '../codegen/layout.js';
import { align8, byteSize } from '../types.js';
import type { OutBuffer } from './out-buffer.js';
import { type Arg, formatOne, type Segment, type Spec } from './printf.js';
import { type Resolver, readInt, textValue } from './values.js';

type Piece = (b: Buffer) => string;

const TWO32 = 4294967296;

/** compileRecordFormat returns a renderer for records laid out as `slots` describe. */
export function compileRecordFormat(fmt: Segment[], slots: ArgSlot[], r: Resolver): (b: Buffer) => string {
  const pieces: Piece[] = [];
  let n = 0;
  for (const seg of fmt) {
    if (typeof seg === 'string') {
      pieces.push(() => seg);
      continue;
    }
    const slot = slots[n++];
    if (!slot) {
      pieces.push(() => formatOne(seg, 0n));
      continue;
    }
    pieces.push(piece(seg, slot, r));
  }
  if (pieces.length === 1) return pieces[0]!;
  return (b) => {
    let s = '';
    for (const p of pieces) s += p(b);
    return s;
  };
}

/** RecordWriter appends the text of the record at `b[base...]` to `out`. */
export type RecordWriter = (b: Buffer, base: number, out: OutBuffer) => void;

type WriterPiece = (b: Buffer, base: number, out: OutBuffer) => void;

/**
 * compileRecordWriter is compileRecordFormat writing bytes: literals are pre-encoded, plain `%s`
 * copies the record's bytes and plain `%d`/`%u` writes digits, so these make no string per event.
 * Records may be read in place from the ring (`base` is where the record starts).
 */
export function compileRecordWriter(fmt: Segment[], slots: ArgSlot[], r: Resolver): RecordWriter {
  const pieces: WriterPiece[] = [];
  let n = 0;
  for (const seg of fmt) {
    if (typeof seg === 'string') {
      const lit = Buffer.from(seg);
      pieces.push((_b, _base, out) => out.bytes(lit, 0, lit.length));
      continue;
    }
    const slot = slots[n++];
    if (!slot) {
      const text = formatOne(seg, 0n);
      pieces.push((_b, _base, out) => out.str(text));
      continue;
    }
    pieces.push(writerPiece(seg, slot, r));
  }
  return (b, base, out) => {
    for (const p of pieces) p(b, base, out);
  };
}

function writerPiece(spec: Spec, slot: ArgSlot, r: Resolver): WriterPiece {
  const t = slot.ty;
  const off = slot.offset;
  if (
    (t.k === 'int' || t.k === 'ptr') &&
    plain(spec) &&
    (spec.conv === 'd' || spec.conv === 'i' || spec.conv === 'u') &&
    (spec.length === '' || spec.length.startsWith('l'))
  ) {
    const asSigned = spec.conv !== 'u';
    const slow = piece(spec, slot, r);
    return (b, base, out) => {
      const lo = b.readUInt32LE(base + off);
      const hi = asSigned ? b.readInt32LE(base + off + 4) : b.readUInt32LE(base + off + 4);
      // Exact as a double below 2^53; otherwise the BigInt path.
      if (hi >= -0x200000 && hi < 0x200000) out.int(hi * TWO32 + lo);
      else out.str(slow(b.subarray(base)));
    };
  }
  if (t.k === 'str' && plain(spec) && spec.conv === 's') {
    return (b, base, out) => out.cstr(b, base + off, base + off + t.size);
  }
  const slow = piece(spec, slot, r);
  return (b, base, out) => out.str(slow(b.subarray(base)));
}

function plain(spec: Spec): boolean {
  return spec.flags === '' && spec.width === undefined && spec.precision === undefined;
}

function piece(spec: Spec, slot: ArgSlot, r: Resolver): Piece {
  const t = slot.ty;
  const off = slot.offset;
  const size = align8(Math.max(byteSize(t), 8));
  if ((t.k === 'int' || t.k === 'ptr') && spec.conv !== 's') {
    if (
      plain(spec) &&
      (spec.conv === 'd' || spec.conv === 'i' || spec.conv === 'u') &&
      (spec.length === '' || spec.length.startsWith('l'))
    ) {
      const asSigned = spec.conv !== 'u';
      return (b) => {
        const lo = b.readUInt32LE(off);
        const hi = asSigned ? b.readInt32LE(off + 4) : b.readUInt32LE(off + 4);
        // Exact as a double below 2^53; otherwise take the BigInt path.
        if (hi >= -0x200000 && hi < 0x200000) return String(hi * TWO32 + lo);
        return formatOne(spec, readInt(b.subarray(off, off + 8), t));
      };
    }
    return (b) => formatOne(spec, readInt(b.subarray(off, off + 8), t));
  }
  if (t.k === 'str') {
    const end = off + t.size;
    if (plain(spec)) {
      return (b) => {
        let z = b.indexOf(0, off);
        if (z === -1 || z > end) z = end;
        return b.toString('utf8', off, z);
      };
    }
    return (b) => {
      let z = b.indexOf(0, off);
      if (z === -1 || z > end) z = end;
      return formatOne(spec, b.toString('utf8', off, z));
    };
  }
  return (b) => {
    const v: Arg = textValue(t, b.subarray(off, off + size), r);
    return formatOne(spec, v);
  };
}
