// Bounded fuzzing of every text and byte reader in asm: random input may be rejected, but only with a
// typed BpfkitError, and whatever the disassembler prints must read back to the same slots.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpfkitError } from '../errors/index.js';
import { assemble, assembleStatement } from './assembler.js';
import { disassembleListing } from './disassembler.js';
import { parseHex } from './hex.js';
import { decode, encode } from './instruction.js';

/** rng is mulberry32: a tiny seeded generator, so a failure reproduces from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const typedOnly = (f: () => unknown, input: unknown): void => {
  try {
    f();
  } catch (err) {
    if (!(err instanceof BpfkitError)) {
      throw new Error(`untyped ${String(err)} for input ${JSON.stringify(input)}`, { cause: err });
    }
  }
};

let clean = 0;

/** readsBack checks the listing of `bytes` line by line against the slots it came from. */
function readsBack(bytes: Uint8Array): void {
  let insns: ReturnType<typeof decode>;
  try {
    insns = decode(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(BpfkitError);
    return;
  }
  for (const style of ['kernel', 'llvm'] as const) {
    const listing = disassembleListing(insns, { style });
    for (const line of listing.lines) {
      const again = encode(assembleStatement(line.text));
      expect(Buffer.from(again).toString('hex'), line.text).toBe(
        Buffer.from(encode(line.slots)).toString('hex'),
      );
    }
    // A listing without problems is a program the assembler accepts whole, labels and all.
    if (listing.problems.length === 0 && insns.length > 0) {
      const labelled = disassembleListing(insns, { style, labels: true }).text;
      expect(encode(assemble(labelled).insns), labelled).toEqual(encode(insns));
      clean++;
    }
  }
}

const ITERATIONS = 1500;
const testdata = join(import.meta.dirname, 'testdata');
const corpus = ['counter.s', 'v4.s'].map((f) => readFileSync(join(testdata, f), 'utf8'));

describe('fuzz', () => {
  it('decodes and disassembles random bytes without untyped errors, and every line reads back', () => {
    const r = rng(1);
    clean = 0;
    for (let n = 0; n < ITERATIONS; n++) {
      const len = Math.floor(r() * 12) * 8 + (r() < 0.1 ? Math.floor(r() * 8) : 0);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) {
        // Bias toward real opcodes and small fields so more slots are valid instructions.
        bytes[i] = i % 8 === 0 || r() < 0.5 ? Math.floor(r() * 256) : r() < 0.7 ? 0 : Math.floor(r() * 16);
      }
      readsBack(bytes);
    }
    // Whole random programs are rarely valid; the seed makes this count fixed (12).
    expect(clean).toBeGreaterThan(5);
  });

  it('mutates valid bytecode and still only fails with typed errors', () => {
    const r = rng(2);
    clean = 0;
    const programs = corpus.map((src) => encode(assemble(src).insns));
    for (let n = 0; n < ITERATIONS; n++) {
      const base = programs[n % programs.length]!;
      const bytes = base.slice();
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips; k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      readsBack(r() < 0.1 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : bytes);
    }
    // Enough mutants must stay valid for the whole-listing check to mean something (seeded: 274).
    expect(clean).toBeGreaterThan(100);
  });

  it('rejects random token soup with ParseErrors only', () => {
    const r = rng(3);
    const tokens = [
      'r0',
      'r1',
      'w2',
      'r10',
      'r11',
      'w',
      '=',
      '+=',
      's>>=',
      's/=',
      '-',
      '+',
      '*',
      '(',
      ')',
      '[',
      ']',
      ',',
      ':',
      '#',
      'u8',
      'u64',
      's32',
      'if',
      'goto',
      'gotol',
      'call',
      'exit',
      'lock',
      'map',
      'skb',
      'll',
      'pc',
      '0',
      '1',
      '0x10',
      '4294967296',
      '99999999999999999999999',
      'label',
      'label:',
      'bpf_map_lookup_elem',
      '.insn',
      'be16',
      'bswap64',
      'atomic64_fetch_add',
      'xchg_64',
      'cmpxchg32_32',
      'func',
      'fd',
      'idx',
      ';',
      '//',
      '\t',
      '\n',
      '<',
      '>',
      '&',
      '==',
      's<=',
      '@',
      '"',
      'kfunc',
      'callx',
      'may_goto',
    ];
    for (let n = 0; n < ITERATIONS; n++) {
      const count = 1 + Math.floor(r() * 12);
      const parts: string[] = [];
      for (let k = 0; k < count; k++) parts.push(tokens[Math.floor(r() * tokens.length)]!);
      const src = parts.join(r() < 0.5 ? ' ' : '');
      typedOnly(() => assemble(src), src);
    }
  });

  it('mutates valid assembly; what still assembles round-trips through the disassembler', () => {
    const r = rng(4);
    const alphabet = 'rw0123456789 +-*()[]=<>&|^s/%#;:,.xlu_abcdefgpkmn\n';
    let assembled = 0;
    for (let n = 0; n < ITERATIONS; n++) {
      let src = corpus[n % corpus.length]!;
      const edits = 1 + Math.floor(r() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(r() * src.length);
        const c = alphabet[Math.floor(r() * alphabet.length)]!;
        const kind = r();
        src =
          kind < 0.33
            ? src.slice(0, at) + c + src.slice(at)
            : kind < 0.66
              ? src.slice(0, at) + src.slice(at + 1)
              : src.slice(0, at) + c + src.slice(at + 1);
      }
      let program: ReturnType<typeof assemble> | undefined;
      typedOnly(() => {
        program = assemble(src);
      }, src);
      if (!program) continue;
      assembled++;
      const listing = disassembleListing(program.insns, { relocations: program.relocations, labels: true });
      expect(listing.problems, src).toEqual([]);
      expect(assemble(listing.text).insns, listing.text).toEqual(program.insns);
    }
    // The mutations must leave some programs valid, or the round-trip half tests nothing.
    expect(assembled).toBeGreaterThan(ITERATIONS / 10);
  });

  it('reads random hex text with ParseErrors only', () => {
    const r = rng(5);
    const alphabet = '0123456789abcdefABCDEFxg \n\t#;,';
    for (let n = 0; n < ITERATIONS; n++) {
      let text = '';
      const len = Math.floor(r() * 40);
      for (let k = 0; k < len; k++) text += alphabet[Math.floor(r() * alphabet.length)]!;
      typedOnly(() => parseHex(text), text);
    }
  });
});
