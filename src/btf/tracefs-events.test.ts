import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BpfkitError } from '../errors/index.js';
import { kernelIt } from '../testing/kernel.js';
import { BtfError } from './errors.js';
import { globToRegExp } from './glob.js';
import { syscallName, syscallNumber } from './syscalls.js';
import {
  allEvents,
  closestEvents,
  listCategories,
  listEvents,
  readEventFormat,
  TRACEFS_ROOT,
} from './tracefs-events.js';
import { eventField } from './tracefs-format.js';

const FORMAT = (name: string, id: number) =>
  `name: ${name}\nID: ${id}\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: "x=%d", REC->x\n`;

/** fakeTracefs builds a tracefs-shaped directory; available_events is optional, as in some setups. */
function fakeTracefs(withAvailable: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'bpfkit-tracefs-'));
  const events: [string, string][] = [
    ['sched', 'sched_switch'],
    ['sched', 'sched_wakeup'],
    ['sched', 'sched_process_exec'],
    ['syscalls', 'sys_enter_openat'],
    ['syscalls', 'sys_exit_openat'],
    ['syscalls', 'sys_enter_read'],
    ['sock', 'inet_sock_set_state'],
  ];
  events.forEach(([cat, name], i) => {
    mkdirSync(join(root, 'events', cat, name), { recursive: true });
    writeFileSync(join(root, 'events', cat, name, 'format'), FORMAT(name, 100 + i));
    writeFileSync(join(root, 'events', cat, 'enable'), '0\n');
  });
  writeFileSync(join(root, 'events', 'enable'), '0\n');
  if (withAvailable)
    writeFileSync(join(root, 'available_events'), events.map(([c, n]) => `${c}:${n}\n`).join(''));
  return root;
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('globs', () => {
  it('matches *, ? and brackets, and escapes the rest', () => {
    expect(globToRegExp('sys_enter_*').test('sys_enter_openat')).toBe(true);
    expect(globToRegExp('sys_enter_*').test('sys_exit_openat')).toBe(false);
    expect(globToRegExp('sched_?akeup').test('sched_wakeup')).toBe(true);
    expect(globToRegExp('sys_[ef]*').test('sys_exit')).toBe(true);
    expect(globToRegExp('sys_[!e]*').test('sys_exit')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('a[').test('a[')).toBe(true);
  });

  it('turns 3000 random patterns into a RegExp without throwing', () => {
    const chars = ['*', '?', '[', ']', '!', '\\', '.', '(', ')', '+', '^', '$', '{', '}', '|', 'a', ':', '-'];
    let x = 99;
    for (let i = 0; i < 3000; i++) {
      let p = '';
      for (let j = 0; j < 1 + (i % 9); j++) {
        x = (x * 1103515245 + 12345) >>> 0;
        p += chars[x % chars.length]!;
      }
      const re = globToRegExp(p);
      expect(typeof re.test('sys_enter_openat')).toBe('boolean');
    }
  });
});

for (const withAvailable of [true, false]) {
  describe(`event listing ${withAvailable ? 'from available_events' : 'by walking events/'}`, () => {
    const root = fakeTracefs(withAvailable);
    roots.push(root);

    it('lists categories and events by glob', () => {
      expect(listCategories(root)).toEqual(['sched', 'sock', 'syscalls']);
      expect(allEvents(root)).toHaveLength(7);
      const names = (p: string) => listEvents(p, root).map((e) => `${e.category}:${e.name}`);
      expect(names('syscalls:sys_enter_*')).toEqual(['syscalls:sys_enter_openat', 'syscalls:sys_enter_read']);
      expect(names('*:sched_*')).toEqual([
        'sched:sched_process_exec',
        'sched:sched_switch',
        'sched:sched_wakeup',
      ]);
      expect(names('*openat')).toEqual(['syscalls:sys_enter_openat', 'syscalls:sys_exit_openat']);
      expect(names('sock/*')).toEqual(['sock:inet_sock_set_state']);
      expect(names('tracepoint:sched:sched_sw*')).toEqual(['sched:sched_switch']);
      expect(names('t:sock:*')).toEqual(['sock:inet_sock_set_state']);
      expect(names('nope:*')).toEqual([]);
    });

    it('reads formats and suggests names', () => {
      const f = readEventFormat('sched:sched_switch', root);
      expect(f).toMatchObject({ category: 'sched', name: 'sched_switch', id: 100 });
      expect(eventField(f, 'x').offset).toBe(8);
      expect(closestEvents('syscalls:sys_enter_opnat', root)[0]).toBe('syscalls:sys_enter_openat');
      expect(closestEvents('sched_swich', root)).toEqual(['sched:sched_switch']);
      let err: unknown;
      try {
        readEventFormat('sched:sched_swich', root);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BtfError);
      expect((err as BtfError).userMessage()).toBe(
        "no tracepoint sched:sched_swich (did you mean 'sched:sched_switch'?)",
      );
      expect(() => readEventFormat('sched_switch', root)).toThrow(/not a tracepoint name/);
      expect(() => readEventFormat('../etc:passwd', root)).toThrow(BtfError);
    });
  });
}

describe('tracefs missing', () => {
  it('says how to mount it', () => {
    let err: unknown;
    try {
      listEvents('*', '/nonexistent-tracefs');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfkitError);
    expect((err as BpfkitError).userMessage()).toMatch(
      /not mounted.*mount -t tracefs nodev \/nonexistent-tracefs/,
    );
  });
});

describe('x86_64 syscalls', () => {
  it('maps numbers and names both ways', () => {
    expect(syscallName(0)).toBe('read');
    expect(syscallName(59)).toBe('execve');
    expect(syscallName(257)).toBe('openat');
    expect(syscallName(435)).toBe('clone3');
    expect(syscallName(400)).toBeUndefined();
    expect(syscallName(100_000)).toBeUndefined();
    expect(syscallNumber('openat')).toBe(257);
    expect(syscallNumber('connect')).toBe(42);
    let err: unknown;
    try {
      syscallNumber('opnat');
    } catch (e) {
      err = e;
    }
    expect((err as BtfError).userMessage()).toBe(
      "unknown x86_64 system call 'opnat' (did you mean 'openat'?)",
    );
  });
});

function ensureTracefs(): void {
  if (existsSync(join(TRACEFS_ROOT, 'events'))) return;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_ROOT]);
}

describe('live tracefs', () => {
  kernelIt('reads syscalls/sys_enter_openat and sock/inet_sock_set_state', () => {
    ensureTracefs();
    const openat = readEventFormat('syscalls:sys_enter_openat');
    expect(openat.id).toBeGreaterThan(0);
    expect(eventField(openat, '__syscall_nr')).toMatchObject({ offset: 8, size: 4, signed: true });
    expect(eventField(openat, 'filename')).toMatchObject({ type: 'const char *', size: 8 });
    expect(eventField(openat, 'common_pid')).toMatchObject({ common: true, size: 4 });
    const inet = readEventFormat('sock:inet_sock_set_state');
    expect(eventField(inet, 'saddr')).toMatchObject({ type: '__u8', arrayLength: 4, size: 4 });
    expect(eventField(inet, 'newstate').signed).toBe(true);
    expect(inet.printFmt).toContain('TCP_ESTABLISHED');
  });

  kernelIt('lists live events by glob and suggests close names', () => {
    ensureTracefs();
    const enters = listEvents('syscalls:sys_enter_*');
    expect(enters.length).toBeGreaterThan(100);
    expect(enters.every((e) => e.category === 'syscalls' && e.name.startsWith('sys_enter_'))).toBe(true);
    expect(listEvents('*:sched_switch')).toEqual([{ category: 'sched', name: 'sched_switch' }]);
    expect(listCategories()).toContain('sched');
    expect(closestEvents('syscalls:sys_enter_opnat')).toContain('syscalls:sys_enter_openat');
  });

  kernelIt('has a number for every syscall the kernel has a sys_enter tracepoint for', () => {
    ensureTracefs();
    // The kernel names a few entry points differently from their unistd.h names.
    const alias: Record<string, string> = {
      newfstat: 'fstat',
      newlstat: 'lstat',
      newstat: 'stat',
      newuname: 'uname',
      sendfile64: 'sendfile',
      umount: 'umount2',
    };
    const names = listEvents('syscalls:sys_enter_*').map((e) => e.name.slice('sys_enter_'.length));
    expect(names.length).toBeGreaterThan(300);
    const missing = names.filter((n) => {
      try {
        syscallNumber(alias[n] ?? n);
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });
});
