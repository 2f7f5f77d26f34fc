import { existsSync, openSync, readlinkSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { ProgramBuilder, r0 } from '../asm/index.js';
import { BpfkitError } from '../errors/index.js';
import { kernelIt } from '../testing/kernel.js';
import { detachAll, Link } from './link.js';
import { usePerfLinks } from './link-perf-event.js';
import { countCalls } from './link-test-programs.js';
import { attachTracepoint } from './link-tracepoint.js';
import { BpfMap } from './map.js';
import { ensureBpffs, unpin } from './pin.js';
import { Program } from './program.js';
import { TracepointNotFoundError } from './tracefs-mount.js';

function setup() {
  const counter = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'counter' });
  const prog = Program.load({ type: 'tracepoint', insns: countCalls(process.pid), maps: { counter } });
  const read = () => counter.get(Buffer.alloc(4))!.readBigUInt64LE(0);
  return {
    prog,
    read,
    close: () => {
      prog.close();
      counter.close();
    },
  };
}

const fdTarget = (fd: number): string => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
};

const openMissing = (i: number) => {
  try {
    openSync(`/tmp/bpfkit-tp-${process.pid}-${i}`, 'r');
  } catch {}
};

describe('tracepoint links', () => {
  kernelIt('count openat calls of this process while attached, and none after close', () => {
    const s = setup();
    try {
      const link = attachTracepoint(s.prog, 'syscalls:sys_enter_openat');
      expect(link.kind).toBe('tracepoint');
      for (let i = 0; i < 30; i++) openMissing(i);
      expect(s.read()).toBeGreaterThanOrEqual(30n);
      link.close();
      link.close();
      const after = s.read();
      for (let i = 0; i < 10; i++) openMissing(i);
      expect(s.read()).toBe(after);
    } finally {
      s.close();
    }
  });

  kernelIt('detachAll closes many links side by side: every fd released, no call counted after', async () => {
    const s = setup();
    try {
      const names = [
        'openat',
        'open',
        'statx',
        'newfstatat',
        'access',
        'faccessat',
        'faccessat2',
        'readlink',
      ];
      const links = names.map((n) => attachTracepoint(s.prog, `syscalls:sys_enter_${n}`));
      const fds = links.flatMap((l) => l.fds);
      for (let i = 0; i < 10; i++) openMissing(i);
      expect(s.read()).toBeGreaterThanOrEqual(10n);
      await detachAll(links);
      expect(links.every((l) => l.closed)).toBe(true);
      // A number may be reused by an unrelated open meanwhile, but never by a perf event or bpf link.
      const held = fds.filter((fd) => /perf_event|bpf_link/.test(fdTarget(fd)));
      expect(held).toEqual([]);
      const after = s.read();
      for (let i = 0; i < 10; i++) openMissing(i);
      expect(s.read()).toBe(after);
      await detachAll(links); // idempotent, as close() is
    } finally {
      s.close();
    }
  });

  kernelIt('attach through PERF_EVENT_IOC_SET_BPF where perf links are missing', () => {
    const s = setup();
    usePerfLinks(false);
    try {
      const link = attachTracepoint(s.prog, 'syscalls:sys_enter_openat');
      // Only the perf event holds the attachment: no bpf_link fd in front of it.
      expect(link.fds).toHaveLength(1);
      for (let i = 0; i < 10; i++) openMissing(i);
      expect(s.read()).toBeGreaterThanOrEqual(10n);
      link.close();
      const after = s.read();
      for (let i = 0; i < 10; i++) openMissing(i);
      expect(s.read()).toBe(after);
    } finally {
      usePerfLinks(undefined);
      s.close();
    }
  });

  kernelIt('a missing tracepoint names the closest ones and attaches nothing', () => {
    const s = setup();
    try {
      let err: unknown;
      try {
        attachTracepoint(s.prog, 'syscalls:sys_enter_opennat');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TracepointNotFoundError);
      expect((err as TracepointNotFoundError).hint).toContain('syscalls:sys_enter_openat');
    } finally {
      s.close();
    }
  });

  kernelIt('a pinned link keeps counting after its fd is closed, until unpinned', async () => {
    const s = setup();
    const path = `${ensureBpffs()}/bpfkit-test-link-${process.pid}`;
    try {
      const link = attachTracepoint(s.prog, 'syscalls', 'sys_enter_openat');
      link.pin(path);
      link.close();
      expect(existsSync(path)).toBe(true);
      const reopened = Link.fromPin(path);
      expect(reopened.fd).toBeGreaterThan(0);
      reopened.close();
      const before = s.read();
      for (let i = 0; i < 5; i++) openMissing(i);
      expect(s.read()).toBeGreaterThanOrEqual(before + 5n);
      unpin(path);
      // The kernel releases an unpinned object after an RCU grace period, so detaching is not instant.
      let detached = false;
      for (let tries = 0; tries < 500 && !detached; tries++) {
        const after = s.read();
        for (let i = 0; i < 5; i++) openMissing(i);
        detached = s.read() === after;
        if (!detached) await new Promise((r) => setTimeout(r, 10));
      }
      expect(detached).toBe(true);
    } finally {
      unpin(path);
      s.close();
    }
  });
});

describe('attach errors', () => {
  kernelIt('a program of the wrong type is refused with a sentence naming the right one', () => {
    const prog = Program.load({ type: 'perf_event', insns: new ProgramBuilder().mov(r0, 0).exit().build() });
    try {
      let err: unknown;
      try {
        attachTracepoint(prog, 'syscalls:sys_enter_openat');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BpfkitError);
      expect((err as BpfkitError).message).toMatch(
        /cannot attach program .* to tracepoint syscalls:sys_enter_openat/,
      );
      expect((err as BpfkitError).hint).toContain('tracepoints take tracepoint programs');
    } finally {
      prog.close();
    }
  });
});
