// The kernel is the authority on its own log syntax: load a program that uses every form the verifier
// accepts, then check our disassembly against the kernel's log line by line, and read the log back.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { Program } from '../kernel/program.js';
import { kernelIt } from '../testing/kernel.js';
import { assemble } from './assembler.js';
import { disassembleListing } from './disassembler.js';
import { encode } from './instruction.js';

const source = readFileSync(join(import.meta.dirname, 'testdata', 'kernel-forms.s'), 'utf8');

/** kernelLines maps pc to the instruction text of the verifier's walk (`12: (bf) r1 = r2 ; R1=...`). */
function kernelLines(log: string): Map<number, { opcode: string; text: string; line: string }> {
  const out = new Map<number, { opcode: string; text: string; line: string }>();
  for (const line of log.split('\n')) {
    const m = /^(\d+): \(([0-9a-f]{2})\) (.*?)\s*(;.*)?$/.exec(line);
    if (m && !out.has(Number(m[1]))) out.set(Number(m[1]), { opcode: m[2]!, text: m[3]!, line });
  }
  return out;
}

describe('disassembly against the kernel verifier log', () => {
  kernelIt('prints every instruction exactly as the kernel does, and reads the log back', () => {
    const program = assemble(source, { file: 'kernel-forms.s' });
    const prog = Program.load({ type: 'xdp', insns: program, logLevel: 2 });
    let log: string;
    try {
      log = prog.verifierLog;
    } finally {
      prog.close();
    }
    const theirs = kernelLines(log);
    const ours = disassembleListing(program.insns).lines;
    // Every instruction is reachable, so the kernel printed all of them.
    expect([...theirs.keys()].sort((a, b) => a - b)).toEqual(ours.map((l) => l.pc));
    for (const l of ours) {
      const k = theirs.get(l.pc)!;
      // The kernel omits LLVM's `ll` on 64-bit loads; its (18) opcode column says the same thing.
      expect(l.text.replace(/ ll$/, ''), k.line).toBe(k.text);
      expect(l.slots[0]!.code.toString(16).padStart(2, '0')).toBe(k.opcode);
    }
    // The log walks a subprogram when it is called, so put its lines back in pc order first.
    const pasted = [...theirs.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, k]) => k.line)
      .join('\n');
    expect(Buffer.from(encode(assemble(pasted).insns)).toString('hex')).toBe(
      Buffer.from(encode(program.insns)).toString('hex'),
    );
  });
});
