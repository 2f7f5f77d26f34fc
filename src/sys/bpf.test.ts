import { closeSync, mkdirSync, openSync, rmdirSync, statSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { encode, ProgramBuilder, r0, r1, r2, r10 } from '../asm/index.js';
import { kernelIt } from '../testing/kernel.js';
import {
  btfLoad,
  getFdById,
  getNextId,
  linkCreate,
  linkDetach,
  mapCreate,
  mapLookupElem,
  mapUpdateElem,
  objGetInfoByFd,
  progLoad,
  rawTracepointOpen,
} from './bpf.js';
import { AttachType, MapType, ProgType } from './bpf-cmd.js';
import { SysError } from './errno.js';
import type { FD } from './fd.js';

function load(progType: number, insns: Uint8Array, expectedAttachType?: number): FD {
  const r = progLoad({
    progType,
    insns,
    license: 'GPL',
    ...(expectedAttachType !== undefined ? { expectedAttachType } : {}),
  });
  if (!('fd' in r)) throw new Error(`load failed: errno ${r.errno}`);
  return r.fd;
}

/** counterInsns adds 1 to slot 0 of the array map with fd `mapFd` and returns `ret`. */
function counterInsns(mapFd: number, ret: number): Uint8Array {
  return encode(
    new ProgramBuilder()
      .st('u32', r10, -4, 0)
      .ldMap(r1, { fd: mapFd })
      .mov(r2, r10)
      .add(r2, -4)
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, 'out')
      .mov(r1, 1)
      .atomic('add', 'u64', r0, 0, r1)
      .label('out')
      .mov(r0, ret)
      .exit()
      .build().insns,
  );
}

const readCount = (mapFd: number): bigint => {
  const v = Buffer.alloc(8);
  mapLookupElem(mapFd, Buffer.alloc(4), v);
  return v.readBigUInt64LE(0);
};

describe('bpf(2) commands', () => {
  kernelIt('RAW_TRACEPOINT_OPEN runs the program on sys_enter until the link is closed', () => {
    const map = mapCreate({
      mapType: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      name: 'rtp_count',
    });
    const prog = load(ProgType.RAW_TRACEPOINT, counterInsns(map.value, 0));
    const link = rawTracepointOpen(prog.value, 'sys_enter');
    try {
      for (let i = 0; i < 10; i++) statSync('/');
      const seen = readCount(map.value);
      expect(seen).toBeGreaterThanOrEqual(10n);

      // The link is a bpf_link: LINK_GET_NEXT_ID finds it and its info names our program.
      const info = Buffer.alloc(24);
      objGetInfoByFd(link.value, info);
      const progInfo = Buffer.alloc(16);
      objGetInfoByFd(prog.value, progInfo);
      expect(info.readUInt32LE(0)).toBe(1); // BPF_LINK_TYPE_RAW_TRACEPOINT
      expect(info.readUInt32LE(8)).toBe(progInfo.readUInt32LE(4));
      const linkId = info.readUInt32LE(4);
      expect(getNextId('link', linkId - 1)).toBe(linkId);

      link.close();
      const after = readCount(map.value);
      for (let i = 0; i < 10; i++) statSync('/');
      expect(readCount(map.value)).toBe(after);
    } finally {
      link.close();
      prog.close();
      map.close();
    }
  });

  kernelIt(
    'LINK_CREATE attaches a cgroup_skb program to a cgroup v2 directory; LINK_DETACH releases it',
    () => {
      const root = '/sys/fs/cgroup/unified';
      const dir = `${statSafe(root) ? root : '/sys/fs/cgroup'}/bpfkit-test-${process.pid}`;
      mkdirSync(dir);
      const cg = openSync(dir, 'r');
      const prog = load(
        ProgType.CGROUP_SKB,
        encode(new ProgramBuilder().mov(r0, 1).exit().build().insns),
        AttachType.CGROUP_INET_EGRESS,
      );
      try {
        const link = linkCreate({
          progFd: prog.value,
          targetFd: cg,
          attachType: AttachType.CGROUP_INET_EGRESS,
        });
        try {
          const info = Buffer.alloc(32);
          objGetInfoByFd(link.value, info);
          expect(info.readUInt32LE(0)).toBe(3); // BPF_LINK_TYPE_CGROUP
          expect(info.readBigUInt64LE(16)).toBe(BigInt(statSync(dir).ino)); // cgroup id
          expect(info.readUInt32LE(24)).toBe(AttachType.CGROUP_INET_EGRESS);
          // LINK_DETACH empties the link while its fd stays open.
          linkDetach(link.value);
          objGetInfoByFd(link.value, info.fill(0));
          expect(info.readBigUInt64LE(16)).toBe(0n);
          // Attaching the same program twice through links is allowed; a bogus attach type is not.
          let err: unknown;
          try {
            linkCreate({ progFd: prog.value, targetFd: cg, attachType: 9999 }).close();
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(SysError);
          expect((err as SysError).userMessage()).toMatch(
            /create link: .*EINVAL.*attach type, target or flags/,
          );
        } finally {
          link.close();
        }
      } finally {
        prog.close();
        closeSync(cg);
        rmdirSync(dir);
      }
    },
  );

  kernelIt('BTF_LOAD accepts a valid blob and returns the log for a broken one', () => {
    const strs = Buffer.from('\0int\0', 'latin1');
    const types = Buffer.alloc(16);
    types.writeUInt32LE(1, 0); // name "int"
    types.writeUInt32LE(1 << 24, 4); // BTF_KIND_INT
    types.writeUInt32LE(4, 8);
    types.writeUInt32LE((1 << 24) | 32, 12);
    const blob = (typeLen: number) => {
      const h = Buffer.alloc(24);
      h.writeUInt16LE(0xeb9f, 0);
      h.writeUInt8(1, 2);
      h.writeUInt32LE(24, 4);
      h.writeUInt32LE(0, 8);
      h.writeUInt32LE(typeLen, 12);
      h.writeUInt32LE(16, 16);
      h.writeUInt32LE(strs.length, 20);
      return Buffer.concat([h, types, strs]);
    };
    const fd = btfLoad(blob(16));
    const info = Buffer.alloc(32);
    objGetInfoByFd(fd.value, info);
    fd.close();
    let err: unknown;
    try {
      btfLoad(blob(12), 4096).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SysError);
    expect((err as SysError).code).toBe('EINVAL');
    expect(String((err as SysError).cause)).toMatch(/./);
  });

  kernelIt('GET_FD_BY_ID of a missing id is undefined, MAP_UPDATE with bad flags is EINVAL', () => {
    expect(getFdById('map', 0x7ffffff0)).toBeUndefined();
    const map = mapCreate({ mapType: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1 });
    try {
      expect(() => mapUpdateElem(map.value, Buffer.alloc(4), Buffer.alloc(4), 0xff)).toThrow(/EINVAL/);
    } finally {
      map.close();
    }
  });
});

function statSafe(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
