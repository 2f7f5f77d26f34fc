import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { hasAttachCookies } from '../../kernel/features.js';
import { usePerfLinks } from '../../kernel/link-perf-event.js';
import { libc } from '../../sys/libc.js';
import { featureIt } from '../../testing/kernel.js';
import { compileScript, run } from './run.js';

const cookies = (() => {
  try {
    return hasAttachCookies('tracepoint') && hasAttachCookies('kprobe');
  } catch {
    return false;
  }
})();
const REASON = 'this kernel cannot set attach cookies on perf links (Linux 5.15)';

const getppid = libc.func('int getppid()');
const getpid = libc.func('int getpid()');

/** progFds counts this process's open BPF programs. */
function progFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-prog') n++;
    } catch {}
  }
  return n;
}

/** openAndRead opens a temp file and reads it `times` times (openat, read, close each time). */
function openAndRead(path: string, times: number): void {
  const buf = Buffer.alloc(16);
  for (let i = 0; i < times; i++) {
    const fd = openSync(path, 'r');
    readSync(fd, buf, 0, 16, 0);
    closeSync(fd);
  }
}

interface Traced {
  out: string;
  programs: number;
}

/** trace runs `text` in this process, calls `workload` once attached, then stops it as Ctrl-C does. */
async function trace(text: string, workload: () => void): Promise<Traced> {
  let out = '';
  let programs = -1;
  const stop = new AbortController();
  const code = await run({
    text,
    file: '-e',
    write: (s) => (out += s),
    writeErr: (s) => (out += s),
    signal: stop.signal,
    onAttached: () => {
      programs = progFds();
      workload();
      stop.abort();
    },
  });
  expect(code, out).toBe(0);
  return { out, programs };
}

/** counts reads `@[name]: N` lines into a map. */
function counts(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, k, v] of out.matchAll(/^@\[(.+)\]: (\d+)$/gm)) m.set(k!, Number(v));
  return m;
}

describe('one program for many attach points, told apart by attach cookie', () => {
  featureIt(
    'a sys_enter_* wildcard loads one program and counts per syscall tracepoint',
    cookies,
    REASON,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bpfkit-cookie-'));
      try {
        const file = join(dir, 'f');
        writeFileSync(file, 'hello');
        const before = progFds();
        const r = await trace(
          `tracepoint:syscalls:sys_enter_* /pid == ${process.pid}/ { @[probe] = count(); }`,
          () => openAndRead(file, 20),
        );
        expect(r.programs - before).toBe(1);
        const c = counts(r.out);
        expect(c.get('tracepoint:syscalls:sys_enter_openat')).toBeGreaterThanOrEqual(20);
        expect(c.get('tracepoint:syscalls:sys_enter_read')).toBeGreaterThanOrEqual(20);
        expect(c.get('tracepoint:syscalls:sys_enter_close')).toBeGreaterThanOrEqual(20);
        // Every key is a syscall tracepoint's own name: no cookie lands on a wrong or unknown name.
        for (const k of c.keys()) expect(k).toMatch(/^tracepoint:syscalls:sys_enter_\w+$/);
        expect(progFds()).toBe(before);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  featureIt(
    'without perf links the same script falls back to one program per tracepoint, same keys',
    cookies,
    REASON,
    async () => {
      const script = `tracepoint:syscalls:sys_enter_getppid, tracepoint:syscalls:sys_enter_getpid
        /pid == ${process.pid}/ { @[probe] = count(); printf("%s\\n", probe); }`;
      const work = () => {
        for (let i = 0; i < 3; i++) getppid();
        for (let i = 0; i < 2; i++) getpid();
      };
      const shared = await trace(script, work);
      usePerfLinks(false);
      let apart: Traced;
      try {
        apart = await trace(script, work);
      } finally {
        usePerfLinks(undefined);
      }
      // getpid may also come from node itself, so only getppid's count is exact.
      for (const r of [shared, apart]) {
        const c = counts(r.out);
        expect(c.get('tracepoint:syscalls:sys_enter_getppid')).toBe(3);
        expect(c.get('tracepoint:syscalls:sys_enter_getpid')).toBeGreaterThanOrEqual(2);
        expect(r.out.split('\n').filter((l) => l === 'tracepoint:syscalls:sys_enter_getppid')).toHaveLength(
          3,
        );
      }
      expect(shared.programs).toBeLessThan(apart.programs);
    },
    60_000,
  );

  featureIt(
    'uprobe and uretprobe wildcards share a program and print each function by name',
    cookies,
    REASON,
    async () => {
      const r = await trace(
        `uprobe:libc:getp*id /pid == ${process.pid}/ { @[probe] = count(); }
         uretprobe:libc:getppid, uretprobe:libc:getpid /pid == ${process.pid}/ { @[probe] = count(); }`,
        () => {
          for (let i = 0; i < 4; i++) getppid();
          for (let i = 0; i < 6; i++) getpid();
        },
      );
      const c = counts(r.out);
      // getpid may also come from node itself, so only getppid's count is exact.
      expect(c.get('uprobe:libc:getppid'), r.out).toBe(4);
      expect(c.get('uprobe:libc:getpid')).toBeGreaterThanOrEqual(6);
      expect(c.get('uretprobe:libc:getppid')).toBe(4);
      expect(c.get('uretprobe:libc:getpid')).toBeGreaterThanOrEqual(6);
      expect(r.programs).toBe(2);
    },
    60_000,
  );

  featureIt(
    'an attach point that fails is named, and everything attached before it is released',
    cookies,
    REASON,
    async () => {
      const before = progFds();
      const err = await run({
        text: 'uprobe:libc:getppid, uprobe:libc:getpid, uprobe:libc:bpfkit_no_such_fn { @[probe] = count(); }',
        file: '-e',
        write: () => {},
        writeErr: () => {},
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('bpfkit_no_such_fn');
      expect(progFds()).toBe(before);
    },
  );

  featureIt('-d and --dry-run say how many attach points share the program', cookies, REASON, async () => {
    let out = '';
    const code = await run({
      text: 'tracepoint:syscalls:sys_enter_getp*id { @[probe] = count(); }',
      file: '-e',
      dryRun: true,
      disasm: true,
      write: (s) => (out += s),
      writeErr: (s) => (out += s),
    });
    expect(code, out).toBe(0);
    const c = compileScript('tracepoint:syscalls:sys_enter_getp*id { @[probe] = count(); }', '-e');
    const n = c.programs[0]!.specs.length;
    expect(c.programs).toHaveLength(1);
    expect(n).toBeGreaterThan(1);
    expect(out).toContain(
      `(one program for ${n} attach points, \`probe\` read from each link's attach cookie)`,
    );
    expect(out).toContain('call bpf_get_attach_cookie');
    expect(out).toContain(`1 program verified for ${n} attach points, nothing attached\n`);
  });

  featureIt(
    'sys_exit_*at reading args.ret is one program: every exit tracepoint lays out ret alike',
    cookies,
    REASON,
    async () => {
      const missing = join(tmpdir(), `bpfkit-cookie-missing-${process.pid}`);
      const before = progFds();
      const r = await trace(
        // ~20 tracepoints rather than all 360: detaching waits out RCU grace periods per link.
        `tracepoint:syscalls:sys_exit_*at /pid == ${process.pid} && args.ret < 0/ { @[probe] = count(); }`,
        () => {
          for (let i = 0; i < 9; i++) {
            try {
              openSync(missing, 'r');
            } catch {}
          }
        },
      );
      expect(r.programs - before).toBe(1);
      expect(counts(r.out).get('tracepoint:syscalls:sys_exit_openat')).toBeGreaterThanOrEqual(9);
    },
    60_000,
  );

  featureIt(
    'attach points whose args fields differ in layout get a program per layout',
    cookies,
    REASON,
    () => {
      // len is at offset 24 in munmap and mlock (addr, len), at 32 in sendto (fd, buff, len, ...).
      const c = compileScript(
        `tracepoint:syscalls:sys_enter_munmap, tracepoint:syscalls:sys_enter_sendto,
       tracepoint:syscalls:sys_enter_mlock { @[probe] = sum(args.len); }`,
        '-e',
      );
      expect(c.programs.map((p) => p.specs.map((s) => s.func))).toEqual([
        ['sys_enter_munmap', 'sys_enter_mlock'],
        ['sys_enter_sendto'],
      ]);
      expect(c.byCookie.size).toBe(2);
      // Without `probe`, identical programs are shared with no cookie at all.
      const plain = compileScript(
        'tracepoint:syscalls:sys_enter_munmap, tracepoint:syscalls:sys_enter_mlock { @ = sum(args.len); }',
        '-e',
      );
      expect(plain.programs).toHaveLength(1);
      expect(plain.byCookie.size).toBe(0);
    },
  );
});
