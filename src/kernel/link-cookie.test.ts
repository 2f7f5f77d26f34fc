import { openSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r4, r6, r10 } from '../asm/index.js';
import { NotSupportedError } from '../errors/index.js';
import { libc } from '../sys/libc.js';
import { featureIt, kernelIt } from '../testing/kernel.js';
import { hasAttachCookies } from './features.js';
import { usePerfLinks } from './link-perf-event.js';
import { attachPerfSampling } from './link-perf-sampling.js';
import { attachTracepoint } from './link-tracepoint.js';
import { attachUprobe } from './link-uprobe.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

const getppid = libc.func('int getppid()');
const getpid = libc.func('int getpid()');

/**
 * cookieCounter: `hits[bpf_get_attach_cookie(ctx)] += 1` for this process only (a hash map named
 * `hits`, u64 key and value), so each attachment's cookie shows up as its own key.
 */
function cookieCounter(pid: number): BuiltProgram {
  return new ProgramBuilder()
    .mov(r6, r1)
    .call('get_current_pid_tgid')
    .rsh(r0, 32)
    .jmp('JNE', r0, pid, 'out')
    .mov(r1, r6)
    .call('get_attach_cookie')
    .st('u64', r10, -8, r0)
    .st('u64', r10, -16, 1)
    .ldMap(r1, 'hits')
    .mov(r2, r10)
    .add(r2, -8)
    .mov(r3, r10)
    .add(r3, -16)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'insert')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .ja('out')
    .label('insert')
    .ldMap(r1, 'hits')
    .mov(r2, r10)
    .add(r2, -8)
    .mov(r3, r10)
    .add(r3, -16)
    .mov(r4, 0)
    .call('map_update_elem')
    .label('out')
    .mov(r0, 0)
    .exit()
    .build();
}

function setup(type: 'tracepoint' | 'kprobe' | 'perf_event') {
  const hits = BpfMap.create({ type: 'hash', keySize: 8, valueSize: 8, maxEntries: 16, name: 'hits' });
  const prog = Program.load({ type, insns: cookieCounter(process.pid), maps: { hits } });
  const read = (): Map<bigint, bigint> => {
    const out = new Map<bigint, bigint>();
    for (const [k, v] of hits.entries()) out.set(k.readBigUInt64LE(0), v.readBigUInt64LE(0));
    return out;
  };
  return {
    prog,
    read,
    close: () => {
      prog.close();
      hits.close();
    },
  };
}

const openMissing = (i: number) => {
  try {
    openSync(`/tmp/bpfkit-cookie-${process.pid}-${i}`, 'r');
  } catch {}
};

const cookies = (() => {
  try {
    return hasAttachCookies('tracepoint');
  } catch {
    return false;
  }
})();
const REASON = 'this kernel cannot set attach cookies on perf links (Linux 5.15)';

describe('attach cookies', () => {
  kernelIt('the feature probe finds cookies on tracepoint, uprobe and perf_event programs', () => {
    expect(hasAttachCookies('tracepoint')).toBe(true);
    expect(hasAttachCookies('kprobe')).toBe(true);
    expect(hasAttachCookies('perf_event')).toBe(true);
    usePerfLinks(false);
    try {
      expect(hasAttachCookies('tracepoint')).toBe(false);
    } finally {
      usePerfLinks(undefined);
    }
  });

  featureIt('one tracepoint program tells two attach points apart by cookie', cookies, REASON, () => {
    const s = setup('tracepoint');
    const big = 0xfedc_ba98_7654_3210n;
    try {
      const a = attachTracepoint(s.prog, 'syscalls', 'sys_enter_openat', { cookie: big });
      const b = attachTracepoint(s.prog, 'syscalls', 'sys_enter_getppid', { cookie: 3n });
      try {
        for (let i = 0; i < 7; i++) openMissing(i);
        for (let i = 0; i < 5; i++) getppid();
      } finally {
        a.close();
        b.close();
      }
      const hits = s.read();
      expect(new Set(hits.keys())).toEqual(new Set([3n, big]));
      expect(hits.get(3n)).toBe(5n);
      expect(hits.get(big)).toBeGreaterThanOrEqual(7n);
    } finally {
      s.close();
    }
  });

  featureIt('uprobe and uretprobe links carry their cookies to one program', cookies, REASON, () => {
    const s = setup('kprobe');
    try {
      const links = [
        attachUprobe(s.prog, { binary: 'c', symbol: 'getppid', pid: process.pid, cookie: 11n }),
        attachUprobe(s.prog, { binary: 'c', symbol: 'getpid', pid: process.pid, cookie: 12n }),
        attachUprobe(s.prog, {
          binary: 'c',
          symbol: 'getppid',
          retprobe: true,
          pid: process.pid,
          cookie: 13n,
        }),
      ];
      try {
        for (let i = 0; i < 4; i++) getppid();
        for (let i = 0; i < 6; i++) getpid();
      } finally {
        for (const l of links) l.close();
      }
      expect(s.read()).toEqual(
        new Map([
          [11n, 4n],
          [12n, 6n],
          [13n, 4n],
        ]),
      );
    } finally {
      s.close();
    }
  });

  featureIt('every CPU of a sampling link gets the same cookie', cookies, REASON, async () => {
    const s = setup('perf_event');
    try {
      const link = attachPerfSampling(s.prog, { frequency: 999, pid: process.pid, cookie: 42n });
      try {
        // Burn CPU in this process until a sample lands (samples need the process on a CPU).
        for (let tries = 0; tries < 200 && s.read().size === 0; tries++) {
          const end = Date.now() + 10;
          while (Date.now() < end);
          await new Promise((r) => setTimeout(r, 1));
        }
      } finally {
        link.close();
      }
      expect([...s.read().keys()]).toEqual([42n]);
    } finally {
      s.close();
    }
  });

  kernelIt('without perf links a cookie is refused, not silently dropped', () => {
    const s = setup('tracepoint');
    usePerfLinks(false);
    try {
      expect(() => attachTracepoint(s.prog, 'syscalls', 'sys_enter_openat', { cookie: 1n })).toThrow(
        NotSupportedError,
      );
    } finally {
      usePerfLinks(undefined);
      s.close();
    }
  });
});
