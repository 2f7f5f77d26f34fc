// bpf(2): one raw entry point and a thin typed function per command. Failures become SysError with a
// hint that fits the command; policy (log retries, codecs, cleanup) lives in bpfkit/kernel.

import { Attr, Layout, type Pointee } from './bpf-attr.js';
import { BpfCmd } from './bpf-cmd.js';
import { errnoName, SysError } from './errno.js';
import { FD } from './fd.js';
import { errno, rawSyscallPtr, SYS } from './libc.js';

/** BpfResult is a raw bpf(2) outcome: ret ≥ 0 on success, else errno is set. */
export interface BpfResult {
  ret: number;
  errno: number;
}

/** bpfRaw issues bpf(cmd, attr, size) and never throws for a kernel failure. */
export function bpfRaw(cmd: number, attr: Attr, size = attr.buf.length): BpfResult {
  if (SYS === undefined) return { ret: -1, errno: 38 /* ENOSYS */ };
  // EINTR and EAGAIN are transient: a signal or (for PROG_LOAD) a verifier restart.
  for (let attempt = 0; ; attempt++) {
    const ret = Number(rawSyscallPtr(SYS.bpf, cmd, attr.buf, size));
    if (ret >= 0) return { ret, errno: 0 };
    const e = errno();
    if ((e === 4 || e === 11) && attempt < 5) continue;
    return { ret, errno: e };
  }
}

/** OP_HINTS are sentences for errnos whose meaning depends on the command. */
const OP_HINTS: Record<string, Record<string, string>> = {
  'create map': {
    EINVAL: 'key size, value size or max entries not accepted for this map type',
    E2BIG: 'key or value size, or max entries, is larger than the kernel allows for this map type',
    EPERM: 'creating maps needs root or CAP_BPF',
    ENOMEM: 'not enough memory for the map; lower max entries or raise RLIMIT_MEMLOCK',
  },
  'load program': {
    EPERM: 'loading needs root or CAP_BPF (and CAP_PERFMON for tracing, CAP_NET_ADMIN for networking)',
    E2BIG: 'the program has too many instructions',
    EINVAL: 'the kernel rejected the program attributes (type, attach type, flags or name)',
  },
  'update map element': {
    E2BIG: 'the map is full (max entries reached)',
    EEXIST: 'the key already exists and NOEXIST was requested',
    ENOENT: 'the key does not exist and EXIST was requested',
    EINVAL: 'the key or value does not fit this map, or the flags are invalid for its type',
    EPERM: 'the map is frozen or read-only from user space, or root / CAP_BPF is missing',
  },
  'pin object': {
    EEXIST: 'the pin path already exists',
    ENOENT: 'the directory does not exist',
    EPERM: 'the path must be inside a bpffs mount (mount -t bpf bpf /sys/fs/bpf)',
    EINVAL: 'the path must be inside a bpffs mount (mount -t bpf bpf /sys/fs/bpf)',
  },
  'get pinned object': {
    ENOENT: 'nothing is pinned at that path',
    EPERM: 'the path must be inside a bpffs mount',
    EINVAL: 'the path is not a pinned bpf object in a bpffs mount',
  },
  'load BTF': {
    EINVAL: 'the kernel rejected the BTF blob; its log says why',
    EPERM: 'loading BTF needs root or CAP_BPF',
  },
  'create link': {
    EINVAL: 'the attach type, target or flags do not fit this program',
    EBUSY: 'the hook already has a program attached',
    EPERM: 'attaching needs root (CAP_BPF plus CAP_PERFMON or CAP_NET_ADMIN)',
  },
  'test-run program': {
    ENOTSUPP: 'this program type cannot be test-run with BPF_PROG_TEST_RUN',
    EINVAL: 'data or context size is wrong for this program type',
  },
  'detach link': {
    ENOTSUP: 'this kind of link cannot be detached; close it instead',
    EOPNOTSUPP: 'this kind of link cannot be detached; close it instead',
  },
  'freeze map': { EBUSY: 'the map is writable-mmapped', EINVAL: 'this map type cannot be frozen' },
};

/** bpfError builds the SysError for op, with the op-specific hint when there is one. */
export function bpfError(op: string, e: number, cause?: unknown, hintOverride?: string): SysError {
  const hint = hintOverride ?? OP_HINTS[op]?.[errnoName(e)];
  const opts: { hint?: string; cause?: unknown } = {};
  if (hint !== undefined) opts.hint = hint;
  if (cause !== undefined) opts.cause = cause;
  return new SysError(op, e, opts);
}

function call(op: string, cmd: number, attr: Attr): number {
  const r = bpfRaw(cmd, attr);
  if (r.ret < 0) throw bpfError(op, r.errno);
  return r.ret;
}

const ENOENT = 2;

// ---- maps -------------------------------------------------------------------------------------------

/** MapCreateAttr is what MAP_CREATE takes. */
export interface MapCreateAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  innerMapFd?: number;
  numaNode?: number;
  name?: string;
  ifindex?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint;
}

/** mapCreateRaw is MAP_CREATE without throwing, for feature probes. */
export function mapCreateRaw(a: MapCreateAttr): BpfResult {
  const L = Layout.mapCreate;
  const attr = new Attr(L.size)
    .u32(L.mapType, a.mapType)
    .u32(L.keySize, a.keySize)
    .u32(L.valueSize, a.valueSize)
    .u32(L.maxEntries, a.maxEntries)
    .u32(L.mapFlags, a.flags ?? 0)
    .u32(L.innerMapFd, a.innerMapFd ?? 0)
    .u32(L.numaNode, a.numaNode ?? 0)
    .name(L.mapName, a.name ?? '')
    .u32(L.mapIfindex, a.ifindex ?? 0)
    .u32(L.btfFd, a.btfFd ?? 0)
    .u32(L.btfKeyTypeId, a.btfKeyTypeId ?? 0)
    .u32(L.btfValueTypeId, a.btfValueTypeId ?? 0)
    .u32(L.btfVmlinuxValueTypeId, a.btfVmlinuxValueTypeId ?? 0)
    .u64(L.mapExtra, a.mapExtra ?? 0n);
  return bpfRaw(BpfCmd.MAP_CREATE, attr);
}

/** mapCreate creates a map and returns its owned fd. */
export function mapCreate(a: MapCreateAttr): FD {
  const r = mapCreateRaw(a);
  if (r.ret < 0) throw bpfError('create map', r.errno);
  return new FD(r.ret, `bpf map ${a.name ?? ''}`.trim());
}

function elemAttr(mapFd: number, key: Pointee | undefined, value: Pointee | undefined, flags: number): Attr {
  const L = Layout.mapElem;
  return new Attr(L.size).u32(L.mapFd, mapFd).ptr(L.key, key).ptr(L.value, value).u64(L.flags, flags);
}

/** mapLookupElem copies the value of key into `value`; it returns false when the key is absent. */
export function mapLookupElem(mapFd: number, key: Pointee | undefined, value: Pointee, flags = 0): boolean {
  const r = bpfRaw(BpfCmd.MAP_LOOKUP_ELEM, elemAttr(mapFd, key, value, flags));
  if (r.ret >= 0) return true;
  if (r.errno === ENOENT) return false;
  throw bpfError('look up map element', r.errno);
}

/** mapLookupAndDeleteElem pops a value (queue/stack maps, or hash maps since 5.14). */
export function mapLookupAndDeleteElem(mapFd: number, key: Pointee | undefined, value: Pointee): boolean {
  const r = bpfRaw(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, elemAttr(mapFd, key, value, 0));
  if (r.ret >= 0) return true;
  if (r.errno === ENOENT) return false;
  throw bpfError('look up and delete map element', r.errno);
}

/** mapUpdateElem writes key → value with UpdateFlag semantics. */
export function mapUpdateElem(mapFd: number, key: Pointee | undefined, value: Pointee, flags = 0): void {
  call('update map element', BpfCmd.MAP_UPDATE_ELEM, elemAttr(mapFd, key, value, flags));
}

/** mapDeleteElem removes key; it returns false when the key was absent. */
export function mapDeleteElem(mapFd: number, key: Pointee | undefined): boolean {
  const r = bpfRaw(BpfCmd.MAP_DELETE_ELEM, elemAttr(mapFd, key, undefined, 0));
  if (r.ret >= 0) return true;
  if (r.errno === ENOENT) return false;
  throw bpfError('delete map element', r.errno);
}

/** mapGetNextKey writes the key after `key` (the first key when undefined); false at the end. */
export function mapGetNextKey(mapFd: number, key: Pointee | undefined, next: Pointee): boolean {
  const r = bpfRaw(BpfCmd.MAP_GET_NEXT_KEY, elemAttr(mapFd, key, next, 0));
  if (r.ret >= 0) return true;
  if (r.errno === ENOENT) return false;
  throw bpfError('get next map key', r.errno);
}

/** BatchResult says how many elements a batch call returned and whether the map is exhausted. */
export interface BatchResult {
  count: number;
  done: boolean;
}

/**
 * mapLookupBatch is MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH): up to `count` elements after the
 * opaque cursor `inBatch` (undefined to start), writing the next cursor into `outBatch`. The kernel
 * reports the end with ENOENT, possibly together with a final partial batch.
 */
export function mapLookupBatch(
  mapFd: number,
  inBatch: Pointee | undefined,
  outBatch: Pointee,
  keys: Pointee,
  values: Pointee,
  count: number,
  options: { andDelete?: boolean; elemFlags?: number } = {},
): BatchResult {
  const L = Layout.mapBatch;
  const attr = new Attr(L.size)
    .ptr(L.inBatch, inBatch)
    .ptr(L.outBatch, outBatch)
    .ptr(L.keys, keys)
    .ptr(L.values, values)
    .u32(L.count, count)
    .u32(L.mapFd, mapFd)
    .u64(L.elemFlags, options.elemFlags ?? 0);
  const cmd = options.andDelete ? BpfCmd.MAP_LOOKUP_AND_DELETE_BATCH : BpfCmd.MAP_LOOKUP_BATCH;
  const r = bpfRaw(cmd, attr);
  const got = attr.readU32(L.count);
  if (r.ret >= 0) return { count: got, done: false };
  if (r.errno === ENOENT) return { count: got, done: true };
  throw bpfError(options.andDelete ? 'look up and delete map batch' : 'look up map batch', r.errno);
}

/**
 * mapUpdateBatch writes `count` keys and values in one call (MAP_UPDATE_BATCH, 5.6); without
 * `values` it deletes the keys (MAP_DELETE_BATCH). It returns how many elements were processed.
 */
export function mapUpdateBatch(
  mapFd: number,
  keys: Pointee,
  values: Pointee | undefined,
  count: number,
  options: { elemFlags?: number } = {},
): number {
  const L = Layout.mapBatch;
  const attr = new Attr(L.size)
    .ptr(L.keys, keys)
    .ptr(L.values, values)
    .u32(L.count, count)
    .u32(L.mapFd, mapFd)
    .u64(L.elemFlags, options.elemFlags ?? 0);
  const del = values === undefined;
  const r = bpfRaw(del ? BpfCmd.MAP_DELETE_BATCH : BpfCmd.MAP_UPDATE_BATCH, attr);
  if (r.ret < 0) {
    const done = attr.readU32(L.count);
    throw bpfError(
      del ? 'delete map batch' : 'update map batch',
      r.errno,
      new Error(`${done} of ${count} elements done`),
    );
  }
  return attr.readU32(L.count);
}

/** mapFreeze makes the map read-only for user space (5.2). */
export function mapFreeze(mapFd: number): void {
  call('freeze map', BpfCmd.MAP_FREEZE, new Attr(Layout.mapFreeze.size).u32(Layout.mapFreeze.mapFd, mapFd));
}

// ---- programs -----------------------------------------------------------------------------------------

/** ProgLoadAttr is what PROG_LOAD takes; insns is the encoded bytecode. */
export interface ProgLoadAttr {
  progType: number;
  insns: Uint8Array;
  license: string;
  name?: string;
  kernVersion?: number;
  flags?: number;
  ifindex?: number;
  expectedAttachType?: number;
  progBtfFd?: number;
  attachBtfId?: number;
  attachBtfObjFd?: number;
  attachProgFd?: number;
  fdArray?: Uint8Array;
}

/** ProgLoadResult is a PROG_LOAD outcome: an fd, or the errno and whatever log the kernel wrote. */
export type ProgLoadResult = { fd: FD; log: string } | { errno: number; log: string; logTrueSize: number };

/** progLoad loads once with the given log settings; retry policy belongs to the caller. */
export function progLoad(
  a: ProgLoadAttr,
  log: { level: number; size: number } = { level: 0, size: 0 },
): ProgLoadResult {
  const L = Layout.progLoad;
  const logBuf = log.size > 0 ? Buffer.alloc(log.size) : undefined;
  const attr = new Attr(L.size)
    .u32(L.progType, a.progType)
    .u32(L.insnCnt, a.insns.byteLength / 8)
    .ptr(L.insns, a.insns)
    .str(L.license, a.license)
    .u32(L.logLevel, logBuf ? log.level : 0)
    .u32(L.logSize, logBuf ? log.size : 0)
    .ptr(L.logBuf, logBuf)
    .u32(L.kernVersion, a.kernVersion ?? 0)
    .u32(L.progFlags, a.flags ?? 0)
    .name(L.progName, a.name ?? '')
    .u32(L.progIfindex, a.ifindex ?? 0)
    .u32(L.expectedAttachType, a.expectedAttachType ?? 0)
    .u32(L.progBtfFd, a.progBtfFd ?? 0)
    .u32(L.attachBtfId, a.attachBtfId ?? 0)
    .u32(L.attachProgFd, a.attachProgFd ?? a.attachBtfObjFd ?? 0)
    .ptr(L.fdArray, a.fdArray);
  const r = bpfRaw(BpfCmd.PROG_LOAD, attr);
  const text = logBuf ? cString(logBuf) : '';
  if (r.ret >= 0) return { fd: new FD(r.ret, `bpf program ${a.name ?? ''}`.trim()), log: text };
  return { errno: r.errno, log: text, logTrueSize: attr.readU32(L.logTrueSize) };
}

/** cString reads a NUL-terminated string from the start of buf. */
export function cString(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return Buffer.from(buf.buffer, buf.byteOffset, end < 0 ? buf.byteLength : end).toString('utf8');
}

/** TestRunAttr is what PROG_TEST_RUN takes; sizes of the output buffers bound what the kernel writes. */
export interface TestRunAttr {
  progFd: number;
  dataIn?: Uint8Array;
  dataOut?: Uint8Array;
  ctxIn?: Uint8Array;
  ctxOut?: Uint8Array;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batchSize?: number;
}

/** TestRunOutput is what PROG_TEST_RUN reports back. */
export interface TestRunOutput {
  retval: number;
  /** durationNs is the average run time per repetition, in nanoseconds. */
  durationNs: number;
  dataSizeOut: number;
  ctxSizeOut: number;
}

/** progTestRun runs a loaded program once or `repeat` times on the given packet / context. */
export function progTestRun(a: TestRunAttr): TestRunOutput {
  const L = Layout.testRun;
  const attr = new Attr(L.size)
    .u32(L.progFd, a.progFd)
    .u32(L.dataSizeIn, a.dataIn?.byteLength ?? 0)
    .u32(L.dataSizeOut, a.dataOut?.byteLength ?? 0)
    .ptr(L.dataIn, a.dataIn)
    .ptr(L.dataOut, a.dataOut)
    .u32(L.repeat, a.repeat ?? 0)
    .u32(L.ctxSizeIn, a.ctxIn?.byteLength ?? 0)
    .u32(L.ctxSizeOut, a.ctxOut?.byteLength ?? 0)
    .ptr(L.ctxIn, a.ctxIn)
    .ptr(L.ctxOut, a.ctxOut)
    .u32(L.flags, a.flags ?? 0)
    .u32(L.cpu, a.cpu ?? 0)
    .u32(L.batchSize, a.batchSize ?? 0);
  call('test-run program', BpfCmd.PROG_TEST_RUN, attr);
  return {
    retval: attr.readU32(L.retval),
    durationNs: attr.readU32(L.duration),
    dataSizeOut: attr.readU32(L.dataSizeOut),
    ctxSizeOut: attr.readU32(L.ctxSizeOut),
  };
}

// ---- objects, pins, ids ---------------------------------------------------------------------------------

/** objPin pins an object fd at a path inside bpffs. */
export function objPin(fd: number, path: string): void {
  const L = Layout.objPin;
  call('pin object', BpfCmd.OBJ_PIN, new Attr(L.size).str(L.pathname, path).u32(L.bpfFd, fd));
}

/** objGet opens the object pinned at path; `what` names the FD for leak reports. */
export function objGet(path: string, what: string, fileFlags = 0): FD {
  const L = Layout.objPin;
  const fd = call(
    'get pinned object',
    BpfCmd.OBJ_GET,
    new Attr(L.size).str(L.pathname, path).u32(L.fileFlags, fileFlags),
  );
  return new FD(fd, what);
}

/** objGetInfoByFd fills `info` (bpf_prog_info, bpf_map_info, ...) and returns the length written. */
export function objGetInfoByFd(fd: number, info: Uint8Array): number {
  const L = Layout.info;
  const attr = new Attr(L.size).u32(L.bpfFd, fd).u32(L.infoLen, info.byteLength).ptr(L.info, info);
  call('get object info', BpfCmd.OBJ_GET_INFO_BY_FD, attr);
  return attr.readU32(L.infoLen);
}

/** IdKind selects the object family for id iteration and fd-by-id. */
export type IdKind = 'prog' | 'map' | 'link' | 'btf';
const NEXT_ID = {
  prog: BpfCmd.PROG_GET_NEXT_ID,
  map: BpfCmd.MAP_GET_NEXT_ID,
  link: BpfCmd.LINK_GET_NEXT_ID,
  btf: BpfCmd.BTF_GET_NEXT_ID,
};
const FD_BY_ID = {
  prog: BpfCmd.PROG_GET_FD_BY_ID,
  map: BpfCmd.MAP_GET_FD_BY_ID,
  link: BpfCmd.LINK_GET_FD_BY_ID,
  btf: BpfCmd.BTF_GET_FD_BY_ID,
};

/** getNextId returns the first id greater than `start`, or undefined past the last one. */
export function getNextId(kind: IdKind, start: number): number | undefined {
  const L = Layout.getId;
  const attr = new Attr(L.size).u32(L.id, start);
  const r = bpfRaw(NEXT_ID[kind], attr);
  if (r.ret >= 0) return attr.readU32(L.nextId);
  if (r.errno === ENOENT) return undefined;
  throw bpfError(`get next ${kind} id`, r.errno);
}

/** getFdById opens an object by id; undefined when it vanished meanwhile. */
export function getFdById(kind: IdKind, id: number): FD | undefined {
  const L = Layout.getId;
  const r = bpfRaw(FD_BY_ID[kind], new Attr(L.size).u32(L.id, id));
  if (r.ret >= 0) return new FD(r.ret, `bpf ${kind} #${id}`);
  if (r.errno === ENOENT) return undefined;
  throw bpfError(`open ${kind} by id`, r.errno);
}

// ---- BTF, links, raw tracepoints ----------------------------------------------------------------------

/** btfLoad loads a BTF blob; on failure the SysError's cause carries the kernel's log. */
export function btfLoad(blob: Uint8Array, logSize = 0): FD {
  const L = Layout.btfLoad;
  const logBuf = logSize > 0 ? Buffer.alloc(logSize) : undefined;
  const attr = new Attr(L.size)
    .ptr(L.btf, blob)
    .u32(L.btfSize, blob.byteLength)
    .ptr(L.logBuf, logBuf)
    .u32(L.logSize, logBuf ? logSize : 0)
    .u32(L.logLevel, logBuf ? 1 : 0);
  const r = bpfRaw(BpfCmd.BTF_LOAD, attr);
  if (r.ret >= 0) return new FD(r.ret, 'bpf btf');
  const log = logBuf ? cString(logBuf) : '';
  throw bpfError('load BTF', r.errno, log ? new Error(log) : undefined);
}

/** LinkCreateAttr is what LINK_CREATE takes; `extra` fills the per-attach-type union at offset 16. */
export interface LinkCreateAttr {
  progFd: number;
  targetFd: number;
  attachType: number;
  flags?: number;
  /** extra is written verbatim at offset 16 (at most 48 bytes): target_btf_id, bpf_cookie, tcx... */
  extra?: Uint8Array;
  /** pointees are buffers whose addresses `extra` contains; they are kept alive for the call. */
  pointees?: Uint8Array[];
}

/** linkCreate creates a bpf_link; closing its fd detaches the program. */
export function linkCreate(a: LinkCreateAttr, what = 'bpf link'): FD {
  const L = Layout.linkCreate;
  const attr = new Attr(L.size)
    .u32(L.progFd, a.progFd)
    .u32(L.targetFd, a.targetFd)
    .u32(L.attachType, a.attachType)
    .u32(L.flags, a.flags ?? 0);
  if (a.extra) {
    if (a.extra.byteLength > L.size - L.extra) throw new RangeError('link_create extra attributes too long');
    attr.buf.set(a.extra, L.extra);
  }
  attr.keep.push(...(a.pointees ?? []));
  return new FD(call('create link', BpfCmd.LINK_CREATE, attr), what);
}

/** linkDetach detaches a link's program while the link fd stays open (5.9). */
export function linkDetach(linkFd: number): void {
  call(
    'detach link',
    BpfCmd.LINK_DETACH,
    new Attr(Layout.linkDetach.size).u32(Layout.linkDetach.linkFd, linkFd),
  );
}

/** rawTracepointOpen attaches a raw_tracepoint (by name) or tracing/LSM program (name undefined). */
export function rawTracepointOpen(progFd: number, name: string | undefined, cookie = 0n): FD {
  const L = Layout.rawTracepoint;
  const attr = new Attr(cookie ? L.size : 16).u32(L.progFd, progFd);
  if (name !== undefined) attr.str(L.name, name);
  if (cookie) attr.u64(L.cookie, cookie);
  return new FD(
    call('open raw tracepoint', BpfCmd.RAW_TRACEPOINT_OPEN, attr),
    `bpf raw tracepoint ${name ?? ''}`.trim(),
  );
}
