// The ring-buffer record of one completed syscall, shared by the kernel program and the decoder.

import { DecodeError } from '../../errors/index.js';

/**
 * RECORD is the byte layout of a record: enter time and duration (ns), tgid, tid, syscall number,
 * captured byte count, return value, the six raw arguments, then the captured bytes.
 */
export const RECORD = {
  ts: 0,
  dur: 8,
  tgid: 16,
  tid: 20,
  nr: 24,
  dataLen: 28,
  ret: 32,
  args: 40,
  data: 88,
} as const;

/**
 * ENTRY_MARK in the duration field marks an entry record: sent at a syscall's entry while more than
 * one thread is traced, so a call other threads' lines interrupt prints as strace splits it.
 */
export const ENTRY_MARK = 0xffffffffffffffffn;

/** ExecArgs is what execve was given: its argv (each cut one byte past -s), whether more arguments
 * followed, and how many environment variables. */
export interface ExecArgs {
  argv: readonly (string | Uint8Array)[];
  envCount: number;
  /** argvCut says arguments after these were not read: strace prints `...` for them. */
  argvCut?: boolean;
}

/** execArgsOf reads an EXEC_ARGS_MARK record's data: u32 envCount, u32 argvCut, NUL-ended strings. */
export function execArgsOf(data: Uint8Array): ExecArgs | undefined {
  if (data.length < 8) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, 8);
  const argv: Uint8Array[] = [];
  for (let at = 8; at < data.length; ) {
    const nul = data.indexOf(0, at);
    const end = nul < 0 ? data.length : nul;
    argv.push(data.slice(at, end));
    at = end + 1;
  }
  return { argv, envCount: v.getUint32(0, true), argvCut: v.getUint32(4, true) !== 0 };
}

/** RECORD_HEADER is the size of a record without captured bytes. */
export const RECORD_HEADER = RECORD.data;

/** SyscallRecord reads one record in place; arguments are decoded on demand. */
export class SyscallRecord {
  view: DataView;
  base = 0;
  /** end is where the record stops within the view. */
  end = 0;

  constructor(view: DataView, base = 0, end = view.byteLength) {
    this.view = view;
    this.reset(view, base, end);
  }

  /** reset points this reader at another record, so a stream of records needs no new objects. */
  reset(view: DataView, base: number, end: number): this {
    if (end - base < RECORD_HEADER || end > view.byteLength) {
      throw new DecodeError(
        `syscall record is ${end - base} bytes, shorter than its ${RECORD_HEADER}-byte header`,
        base,
      );
    }
    this.view = view;
    this.base = base;
    this.end = end;
    return this;
  }

  get ts(): bigint {
    return this.view.getBigUint64(this.base + RECORD.ts, true);
  }
  /** isMarked says the duration's high word is all ones: an entry, exec-args or signal record. */
  get isMarked(): boolean {
    return this.view.getInt32(this.base + RECORD.dur + 4, true) === -1;
  }
  /** isEntry says this is an entry record (ENTRY_MARK), not a completed call. */
  get isEntry(): boolean {
    return (
      this.view.getInt32(this.base + RECORD.dur, true) === -1 &&
      this.view.getInt32(this.base + RECORD.dur + 4, true) === -1
    );
  }
  /**
   * isExecArgs says this record carries execve's argv and environment size (EXEC_ARGS_MARK), sent
   * at its entry: see execArgsOf.
   */
  get isExecArgs(): boolean {
    return (
      this.view.getInt32(this.base + RECORD.dur, true) === -2 &&
      this.view.getInt32(this.base + RECORD.dur + 4, true) === -1
    );
  }
  /** isSignal says this record is a signal delivered to the thread (SIGNAL_MARK); nr is the signal. */
  get isSignal(): boolean {
    return (
      this.view.getInt32(this.base + RECORD.dur, true) === -3 &&
      this.view.getInt32(this.base + RECORD.dur + 4, true) === -1
    );
  }
  /**
   * isSignalSent says this record is a signal queued to a traced process (SIGNAL_SENT_MARK); nr is
   * the signal, tgid the target's.
   */
  get isSignalSent(): boolean {
    return (
      this.view.getInt32(this.base + RECORD.dur, true) === -4 &&
      this.view.getInt32(this.base + RECORD.dur + 4, true) === -1
    );
  }
  /** durNs is the time from entry to exit, in nanoseconds. */
  get durNs(): number {
    return Number(this.view.getBigUint64(this.base + RECORD.dur, true));
  }
  get tgid(): number {
    return this.view.getUint32(this.base + RECORD.tgid, true);
  }
  get tid(): number {
    return this.view.getUint32(this.base + RECORD.tid, true);
  }
  get nr(): number {
    return this.view.getInt32(this.base + RECORD.nr, true);
  }
  get ret(): bigint {
    return this.view.getBigInt64(this.base + RECORD.ret, true);
  }
  arg(i: number): bigint {
    return this.view.getBigUint64(this.base + RECORD.args + 8 * i, true);
  }
  /** argLo and argHi are the 32-bit halves of argument i, for printing without BigInt. */
  argLo(i: number): number {
    return this.view.getUint32(this.base + RECORD.args + 8 * i, true);
  }
  argHi(i: number): number {
    return this.view.getUint32(this.base + RECORD.args + 8 * i + 4, true);
  }
  /** retNumber is the return value when it fits in 32 signed bits (almost always), else undefined. */
  get retNumber(): number | undefined {
    const lo = this.view.getInt32(this.base + RECORD.ret, true);
    const hi = this.view.getInt32(this.base + RECORD.ret + 4, true);
    return hi === lo >> 31 ? lo : undefined;
  }
  /** data is the captured user memory (a path with its NUL, or the first bytes of a buffer). */
  get data(): Uint8Array {
    const avail = this.end - this.base - RECORD_HEADER;
    const len = Math.min(this.view.getUint32(this.base + RECORD.dataLen, true), avail);
    return new Uint8Array(this.view.buffer, this.view.byteOffset + this.base + RECORD.data, len);
  }
}

/** SyscallFields is a record as plain values, for tests and JSON output. */
export interface SyscallFields {
  ts?: bigint;
  durNs?: number;
  tgid: number;
  tid?: number;
  nr: number;
  ret: bigint;
  args?: readonly bigint[];
  data?: Uint8Array | string;
}

/** encodeRecord lays out a record as the kernel program does (used by tests and fuzzing). */
export function encodeRecord(f: SyscallFields): DataView {
  const data = typeof f.data === 'string' ? new TextEncoder().encode(f.data) : (f.data ?? new Uint8Array());
  const buf = new ArrayBuffer(RECORD_HEADER + data.length);
  const v = new DataView(buf);
  v.setBigUint64(RECORD.ts, f.ts ?? 0n, true);
  v.setBigUint64(RECORD.dur, BigInt(f.durNs ?? 0), true);
  v.setUint32(RECORD.tgid, f.tgid, true);
  v.setUint32(RECORD.tid, f.tid ?? f.tgid, true);
  v.setInt32(RECORD.nr, f.nr, true);
  v.setUint32(RECORD.dataLen, data.length, true);
  v.setBigInt64(RECORD.ret, f.ret, true);
  for (const [i, a] of (f.args ?? []).entries())
    v.setBigUint64(RECORD.args + 8 * i, BigInt.asUintN(64, a), true);
  new Uint8Array(buf, RECORD.data).set(data);
  return v;
}
