// union bpf_attr encoding: a zeroed buffer per command with fields at the uapi offsets, and the
// user-memory buffers its pointers refer to kept alive alongside it.

import { koffi } from './libc.js';

/** Pointee is memory a bpf_attr field points at. */
export type Pointee = Uint8Array;

/** addressOf returns the user-space address of a buffer, as the u64 the kernel expects. */
export function addressOf(buf: Pointee): bigint {
  if (buf.byteLength === 0) return 0n;
  return BigInt(koffi.address(buf) as bigint | number);
}

/** Attr is one bpf_attr being built; `keep` holds every buffer whose address was written into it. */
export class Attr {
  readonly buf: Buffer;
  readonly keep: Pointee[] = [];

  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }

  u32(offset: number, value: number): this {
    this.buf.writeUInt32LE(value >>> 0, offset);
    return this;
  }

  s32(offset: number, value: number): this {
    this.buf.writeInt32LE(value | 0, offset);
    return this;
  }

  u64(offset: number, value: bigint | number): this {
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), offset);
    return this;
  }

  /** ptr writes the address of `target` (or NULL when undefined or empty). */
  ptr(offset: number, target: Pointee | undefined): this {
    if (target === undefined || target.byteLength === 0) return this.u64(offset, 0n);
    this.keep.push(target);
    return this.u64(offset, addressOf(target));
  }

  /** str writes a NUL-terminated copy of s and points at it. */
  str(offset: number, s: string): this {
    return this.ptr(offset, Buffer.from(`${s}\0`, 'utf8'));
  }

  /** name writes a fixed char[16] field (BPF_OBJ_NAME_LEN), truncated to 15 bytes and NUL-padded. */
  name(offset: number, s: string): this {
    Buffer.from(s, 'utf8').subarray(0, 15).copy(this.buf, offset);
    return this;
  }

  readU32(offset: number): number {
    return this.buf.readUInt32LE(offset);
  }

  readU64(offset: number): bigint {
    return this.buf.readBigUInt64LE(offset);
  }
}

/** Layout names the byte offsets of each command's part of union bpf_attr (include/uapi/linux/bpf.h). */
export const Layout = {
  mapCreate: {
    size: 80,
    mapType: 0,
    keySize: 4,
    valueSize: 8,
    maxEntries: 12,
    mapFlags: 16,
    innerMapFd: 20,
    numaNode: 24,
    mapName: 28,
    mapIfindex: 44,
    btfFd: 48,
    btfKeyTypeId: 52,
    btfValueTypeId: 56,
    btfVmlinuxValueTypeId: 60,
    mapExtra: 64,
    valueTypeBtfObjFd: 72,
    mapTokenFd: 76,
  },
  mapElem: { size: 32, mapFd: 0, key: 8, value: 16, flags: 24 },
  mapBatch: {
    size: 56,
    inBatch: 0,
    outBatch: 8,
    keys: 16,
    values: 24,
    count: 32,
    mapFd: 36,
    elemFlags: 40,
    flags: 48,
  },
  progLoad: {
    size: 148,
    progType: 0,
    insnCnt: 4,
    insns: 8,
    license: 16,
    logLevel: 24,
    logSize: 28,
    logBuf: 32,
    kernVersion: 40,
    progFlags: 44,
    progName: 48,
    progIfindex: 64,
    expectedAttachType: 68,
    progBtfFd: 72,
    funcInfoRecSize: 76,
    funcInfo: 80,
    funcInfoCnt: 88,
    lineInfoRecSize: 92,
    lineInfo: 96,
    lineInfoCnt: 104,
    attachBtfId: 108,
    attachProgFd: 112,
    coreReloCnt: 116,
    fdArray: 120,
    coreRelos: 128,
    coreReloRecSize: 136,
    logTrueSize: 140,
    progTokenFd: 144,
  },
  objPin: { size: 20, pathname: 0, bpfFd: 8, fileFlags: 12, pathFd: 16 },
  testRun: {
    size: 76,
    progFd: 0,
    retval: 4,
    dataSizeIn: 8,
    dataSizeOut: 12,
    dataIn: 16,
    dataOut: 24,
    repeat: 32,
    duration: 36,
    ctxSizeIn: 40,
    ctxSizeOut: 44,
    ctxIn: 48,
    ctxOut: 56,
    flags: 64,
    cpu: 68,
    batchSize: 72,
  },
  getId: { size: 12, id: 0, nextId: 4, openFlags: 8 },
  info: { size: 16, bpfFd: 0, infoLen: 4, info: 8 },
  rawTracepoint: { size: 24, name: 0, progFd: 8, cookie: 16 },
  btfLoad: {
    size: 40,
    btf: 0,
    logBuf: 8,
    btfSize: 16,
    logSize: 20,
    logLevel: 24,
    logTrueSize: 28,
    flags: 32,
    tokenFd: 36,
  },
  linkCreate: {
    size: 64,
    progFd: 0,
    targetFd: 4,
    attachType: 8,
    flags: 12,
    /** The per-attach-type union starts here (target_btf_id, perf_event.bpf_cookie, tcx, ...). */
    extra: 16,
  },
  linkDetach: { size: 4, linkFd: 0 },
  mapFreeze: { size: 4, mapFd: 0 },
} as const;
