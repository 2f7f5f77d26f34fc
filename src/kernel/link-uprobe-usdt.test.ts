import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { ElfFile } from './elf.js';
import { countCalls } from './link-test-programs.js';
import { attachUsdt } from './link-uprobe.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

// The workload's probe bktest:guarded is behind a semaphore (hand-written SDT note, no <sys/sdt.h>
// needed); it reports how often the guarded code ran.
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '../lang/testdata/usdt/semaphore.c');
const hasGcc = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
let dir = '';
let bin = '';

beforeAll(() => {
  if (!hasGcc) return;
  dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-sema-'));
  bin = join(dir, 'bksema');
  execFileSync('gcc', ['-O1', '-o', bin, SOURCE]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const runWorkload = (n: number) => execFileSync(bin, [String(n)], { encoding: 'utf8' });

describe.skipIf(!hasGcc)('usdt semaphores (gcc builds the workload)', () => {
  kernelIt('the guarded code runs only while a probe is attached, and the probe fires each time', () => {
    expect(runWorkload(4)).toBe('guarded code ran 0 of 4 times\n');
    const elf = new ElfFile(readFileSync(bin));
    const note = elf.usdtNotes().find((n) => n.name === 'guarded')!;
    expect(note.semaphore).not.toBe(0n);
    const counter = BpfMap.create({
      type: 'array',
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      name: 'counter',
    });
    const prog = Program.load({ type: 'kprobe', insns: countCalls(), maps: { counter } });
    try {
      const link = attachUsdt(prog, { binary: bin, pc: note.pc });
      try {
        expect(runWorkload(4)).toBe('guarded code ran 4 of 4 times\n');
        expect(counter.get(Buffer.alloc(4))!.readBigUInt64LE(0)).toBe(4n);
      } finally {
        link.close();
      }
      // Detaching lowers the semaphore again in processes started afterwards.
      expect(runWorkload(2)).toBe('guarded code ran 0 of 2 times\n');
    } finally {
      prog.close();
      counter.close();
    }
  });
});
