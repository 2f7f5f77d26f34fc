import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { hasGcc, useSemaphoreWorkload } from '../testing/usdt-semaphore.js';
import { ElfFile } from './elf.js';
import { countCalls } from './link-test-programs.js';
import { attachUsdt } from './link-uprobe.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

// The workload's probe bktest:guarded is behind a semaphore (hand-written SDT note, no <sys/sdt.h>
// needed); it reports how often the guarded code ran.
const sema = useSemaphoreWorkload();

const runWorkload = (n: number) => execFileSync(sema(), [String(n)], { encoding: 'utf8' });

describe.skipIf(!hasGcc)('usdt semaphores (gcc builds the workload)', () => {
  kernelIt('the guarded code runs only while a probe is attached, and the probe fires each time', () => {
    expect(runWorkload(4)).toBe('guarded code ran 0 of 4 times\n');
    const elf = new ElfFile(readFileSync(sema()));
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
      const link = attachUsdt(prog, { binary: sema(), pc: note.pc });
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
