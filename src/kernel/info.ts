// Object info (OBJ_GET_INFO_BY_FD) for programs, maps and links, and iteration over kernel object ids.

import { cString, getNextId, type IdKind, objGetInfoByFd } from '../sys/bpf.js';
import { addressOf } from '../sys/bpf-attr.js';

/** MapInfo is the part of struct bpf_map_info bpfkit uses. */
export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  btfId: number;
}

/** mapInfo decodes struct bpf_map_info for a map fd. */
export function mapInfo(fd: number): MapInfo {
  const b = Buffer.alloc(88);
  objGetInfoByFd(fd, b);
  return {
    type: b.readUInt32LE(0),
    id: b.readUInt32LE(4),
    keySize: b.readUInt32LE(8),
    valueSize: b.readUInt32LE(12),
    maxEntries: b.readUInt32LE(16),
    flags: b.readUInt32LE(20),
    name: cString(b.subarray(24, 40)),
    btfId: b.readUInt32LE(64),
  };
}

/** ProgInfo is the part of struct bpf_prog_info bpfkit uses. */
export interface ProgInfo {
  type: number;
  id: number;
  /** tag is the kernel's hash of the instructions, as hex (what bpftool shows). */
  tag: string;
  name: string;
  mapIds: number[];
  xlatedLen: number;
  jitedLen: number;
  loadTimeNs: bigint;
  uid: number;
  btfId: number;
  runTimeNs: bigint;
  runCount: bigint;
  verifiedInsns: number;
  attachBtfObjId: number;
  attachBtfId: number;
}

const PROG_INFO_SIZE = 232;

/** progInfo decodes struct bpf_prog_info for a program fd, including its map ids. */
export function progInfo(fd: number): ProgInfo {
  const first = Buffer.alloc(PROG_INFO_SIZE);
  objGetInfoByFd(fd, first);
  const nrMaps = first.readUInt32LE(52);
  let mapIds: number[] = [];
  if (nrMaps > 0) {
    // A second call with a buffer for the ids; every other array stays NULL so nothing else is copied.
    const ids = Buffer.alloc(nrMaps * 4);
    const again = Buffer.alloc(PROG_INFO_SIZE);
    again.writeUInt32LE(nrMaps, 52);
    again.writeBigUInt64LE(addressOf(ids), 56);
    objGetInfoByFd(fd, again);
    mapIds = Array.from({ length: Math.min(nrMaps, again.readUInt32LE(52)) }, (_, i) =>
      ids.readUInt32LE(i * 4),
    );
  }
  return {
    type: first.readUInt32LE(0),
    id: first.readUInt32LE(4),
    tag: first.subarray(8, 16).toString('hex'),
    xlatedLen: first.readUInt32LE(20),
    jitedLen: first.readUInt32LE(16),
    loadTimeNs: first.readBigUInt64LE(40),
    uid: first.readUInt32LE(48),
    mapIds,
    name: cString(first.subarray(64, 80)),
    btfId: first.readUInt32LE(128),
    runTimeNs: first.readBigUInt64LE(192),
    runCount: first.readBigUInt64LE(200),
    verifiedInsns: first.readUInt32LE(216),
    attachBtfObjId: first.readUInt32LE(220),
    attachBtfId: first.readUInt32LE(224),
  };
}

/** LinkInfo is the common head of struct bpf_link_info. */
export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
}

/** linkInfo decodes the type, id and program id of a link fd. */
export function linkInfo(fd: number): LinkInfo {
  const b = Buffer.alloc(64);
  objGetInfoByFd(fd, b);
  return { type: b.readUInt32LE(0), id: b.readUInt32LE(4), progId: b.readUInt32LE(8) };
}

/** objectIds lists the ids of every loaded program, map, link or BTF object, ascending. */
export function* objectIds(kind: IdKind): Generator<number> {
  let id = 0;
  for (;;) {
    const next = getNextId(kind, id);
    if (next === undefined) return;
    yield next;
    id = next;
  }
}
