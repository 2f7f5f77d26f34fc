// RecordView: one record of a ring or perf buffer, read in place; a reader hands the same object out
// for every record so the hot path allocates nothing.

/**
 * RecordView points at one record: `length` bytes at `offset` in `bytes` (also readable through
 * `view`, a DataView of the same memory). A reader reuses one RecordView for all its records, so it is
 * valid only during the callback: keep `slice()`, never the view or its fields.
 */
export class RecordView {
  bytes: Uint8Array;
  view: DataView;
  offset = 0;
  length = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** u8 reads the byte at `at` within the record. */
  u8(at: number): number {
    return this.bytes[this.offset + at]!;
  }

  /** u16 reads a little-endian u16 at `at` within the record. */
  u16(at: number): number {
    return this.view.getUint16(this.offset + at, true);
  }

  /** u32 reads a little-endian u32 at `at` within the record. */
  u32(at: number): number {
    return this.view.getUint32(this.offset + at, true);
  }

  /** i32 reads a little-endian s32 at `at` within the record. */
  i32(at: number): number {
    return this.view.getInt32(this.offset + at, true);
  }

  /** u64 reads a little-endian u64 at `at` within the record. */
  u64(at: number): bigint {
    return this.view.getBigUint64(this.offset + at, true);
  }

  /** i64 reads a little-endian s64 at `at` within the record. */
  i64(at: number): bigint {
    return this.view.getBigInt64(this.offset + at, true);
  }

  /** slice copies the record into memory of its own, which the caller may keep. */
  slice(): Uint8Array {
    return this.bytes.slice(this.offset, this.offset + this.length);
  }

  /** subarray is a Uint8Array over the record in place: like the RecordView, valid only during the call. */
  subarray(): Uint8Array {
    return this.bytes.subarray(this.offset, this.offset + this.length);
  }
}

/** RecordViewCallback receives each record as the reader's one RecordView (valid only during the call). */
export type RecordViewCallback = (rec: RecordView) => void;

/**
 * RecordCallback receives one record. `data` views the mapped ring: it is valid only during the call;
 * copy it (`data.slice()`) to keep it.
 */
export type RecordCallback = (data: Uint8Array) => void;

/** RecordSource is a decoder that hands out records three ways: views, copies, or one RecordView. */
export interface RecordSource {
  drain(cb: RecordCallback, max?: number): number;
  drainCopy(cb: RecordCallback, max?: number): number;
  drainView(cb: RecordViewCallback, max?: number): number;
}
