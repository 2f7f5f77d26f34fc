// tracefs-record: decode a raw tracepoint record (PERF_SAMPLE_RAW data) by its tracefs format.

import { DecodeError } from '../errors/index.js';
import type { EventFormat, TraceField } from './tracefs-format.js';

/** TraceValue is one decoded field: numbers up to 32 bits, bigint for 64, strings for char data. */
export type TraceValue = number | bigint | string | number[] | bigint[] | Uint8Array;

function scalar(view: DataView, offset: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1:
      return signed ? view.getInt8(offset) : view.getUint8(offset);
    case 2:
      return signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
    case 4:
      return signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
    case 8:
      return signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
    default:
      throw new DecodeError(`field of ${size} bytes is not a scalar`, offset);
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function isChar(type: string): boolean {
  return /^(?:const\s+)?(?:unsigned\s+|signed\s+)?char$/.test(type);
}

/** decodeField reads one field of a record. */
export function decodeField(field: TraceField, record: Uint8Array): TraceValue {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const end = field.offset + field.size;
  if (end > record.length) {
    throw new DecodeError(
      `field ${field.name} ends at byte ${end}, past the ${record.length}-byte record`,
      field.offset,
    );
  }
  if (field.dataLoc) {
    const loc = view.getUint32(field.offset, true);
    // __rel_loc counts from the end of the field itself; __data_loc from the record start.
    const start = (loc & 0xffff) + (field.dataLoc === 'rel_loc' ? end : 0);
    const len = loc >>> 16;
    if (start + len > record.length) {
      throw new DecodeError(
        `field ${field.name} points at bytes ${start}..${start + len}, past the record`,
        field.offset,
      );
    }
    const data = record.subarray(start, start + len);
    return isChar(field.type) ? cString(data) : data.slice();
  }
  if (field.arrayLength !== undefined) {
    const data = record.subarray(field.offset, end);
    if (isChar(field.type)) return cString(data);
    const n = field.arrayLength;
    const elem = n > 0 ? field.size / n : 0;
    if (n === 0 || !Number.isInteger(elem) || ![1, 2, 4, 8].includes(elem)) return data.slice();
    const out: (number | bigint)[] = [];
    for (let i = 0; i < n; i++) out.push(scalar(view, field.offset + i * elem, elem, field.signed));
    return out as number[] | bigint[];
  }
  if (/[*]\s*$/.test(field.type)) return view.getBigUint64(field.offset, true);
  if ([1, 2, 4, 8].includes(field.size)) return scalar(view, field.offset, field.size, field.signed);
  return record.slice(field.offset, end);
}

/** decodeRecord reads every field (the common_* ones too when `common` is set) into an object. */
export function decodeRecord(
  format: EventFormat,
  record: Uint8Array,
  options: { common?: boolean } = {},
): Record<string, TraceValue> {
  const out: Record<string, TraceValue> = {};
  if (options.common) for (const f of format.commonFields) out[f.name] = decodeField(f, record);
  for (const f of format.fields) out[f.name] = decodeField(f, record);
  return out;
}
