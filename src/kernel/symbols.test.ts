import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../testing/kernel.js';
import {
  forgetMaps,
  formatSymbol,
  kernelSymbols,
  parseKallsyms,
  parseMaps,
  rememberMaps,
  SymbolTable,
  UserSymbolizer,
} from './symbols.js';
import { resolveUprobe } from './uprobe-resolve.js';

describe('SymbolTable', () => {
  it('finds the symbol at or below an address', () => {
    const t = new SymbolTable([
      { addr: 0x2000n, name: 'b' },
      { addr: 0x1000n, name: 'a' },
    ]);
    expect(t.lookup(0xfffn)).toBeUndefined();
    expect(t.lookup(0x1000n)).toEqual({ name: 'a', offset: 0n });
    expect(formatSymbol(t.lookup(0x1fffn), 0x1fffn)).toBe('a+0xfff');
    expect(formatSymbol(t.lookup(0x2001n), 0x2001n)).toBe('b+0x1');
  });

  it('does not stretch a sized symbol over the stripped code after it', () => {
    const t = new SymbolTable([{ addr: 0x1000n, name: 'small', size: 0x10n }]);
    expect(t.lookup(0x100fn)?.name).toBe('small');
    expect(t.lookup(0x1010n)).toBeUndefined();
  });

  it('parses kallsyms text, keeping text symbols and modules', () => {
    const t = parseKallsyms(
      'ffffffff81000000 T _stext\nffffffff81000100 D data\nffffffffc0000000 t foo\t[ext4]\n',
    );
    expect(t.size).toBe(2);
    expect(t.lookup(0xffffffffc0000010n)).toEqual({ name: 'foo', offset: 0x10n, module: '[ext4]' });
  });

  it.skipIf(!isRoot)('resolves a real kernel function from /proc/kallsyms', () => {
    const k = kernelSymbols();
    expect(k.size).toBeGreaterThan(1000);
  });

  it('parses /proc/PID/maps lines', () => {
    const m = parseMaps('7f0000000000-7f0000001000 r-xp 00028000 08:01 123   /usr/lib/libc.so.6\n');
    expect(m).toEqual([
      { start: 0x7f0000000000n, end: 0x7f0000001000n, offset: 0x28000n, path: '/usr/lib/libc.so.6' },
    ]);
  });

  it('symbolises an address inside this process through maps and ELF', () => {
    const t = resolveUprobe('c', 'malloc');
    const maps = parseMaps(readFileSync('/proc/self/maps', 'utf8'));
    const libc = maps.find(
      (m) => m.path === t.path && t.offset >= m.offset && t.offset < m.offset + (m.end - m.start),
    );
    expect(libc).toBeDefined();
    const addr = libc!.start + (t.offset - libc!.offset) + 3n;
    const s = new UserSymbolizer(process.pid).lookup(addr);
    expect(['malloc', '__libc_malloc']).toContain(s?.name);
    expect(s?.offset).toBe(3n);
  });
});

describe('UserSymbolizer after the process exits', () => {
  it('resolves through the maps rememberMaps kept, and not at all without them', async () => {
    // sleep maps libc; the address of clock_nanosleep in it is where it sleeps.
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    const t = resolveUprobe('c', 'clock_nanosleep');
    let maps = parseMaps('');
    // The exec (and ld.so mapping libc) may still be under way: read until libc is there.
    for (let i = 0; i < 1000 && !maps.some((m) => m.path === t.path); i++) {
      maps = parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8'));
      await new Promise((r) => setTimeout(r, 5));
    }
    const libc = maps.find(
      (m) => m.path === t.path && t.offset >= m.offset && t.offset < m.offset + (m.end - m.start),
    )!;
    const addr = libc.start + (t.offset - libc.offset);
    expect(rememberMaps(pid)).toBe(true);
    expect(new UserSymbolizer(pid).lookup(addr)?.name).toBe('clock_nanosleep');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(rememberMaps(pid)).toBe(false);
    expect(new UserSymbolizer(pid).lookup(addr)?.name).toBe('clock_nanosleep');
    forgetMaps(pid);
    expect(new UserSymbolizer(pid).lookup(addr)).toBeUndefined();
  });
});

describe('text parsers', () => {
  it('fuzz: kallsyms and maps parsers accept any text without throwing', () => {
    const sample =
      'ffffffff81000000 T _stext\nffffffffc0000000 t foo\t[ext4]\n' +
      '7f0000000000-7f0000001000 r-xp 00028000 08:01 123   /usr/lib/libc.so.6\n';
    let state = 5;
    const rand = () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
    for (let iter = 0; iter < 2000; iter++) {
      const chars = [...sample];
      for (let f = 0; f < 1 + (rand() % 10); f++)
        chars[rand() % chars.length] = String.fromCharCode(rand() % 128);
      const text = chars.join('');
      parseKallsyms(text).lookup(0xffffffff81000010n);
      parseMaps(text);
    }
  });
});
