// parseConformanceCase reads one bpf_conformance `.data` file: `-- asm`, `-- raw`, `-- mem`,
// `-- result` and `-- error` sections, `#` comments.

import { encode } from '../asm/instruction.js';
import { assembleUbpf } from '../asm/ubpf.js';
import { ParseError } from '../errors/index.js';

/** ConformanceCase is one case's sections; absent sections are undefined. */
export interface ConformanceCase {
  asm?: string;
  /** raw is the program bytecode from a `-- raw` section. */
  raw?: Uint8Array;
  mem: Uint8Array;
  result?: bigint;
  error?: string;
  /** other lists unknown section names, which the suite ignores. */
  other: string[];
}

/** parseHexBytes reads whitespace-separated hex bytes (`aa bb 11`), as in `-- mem`. */
export function parseHexBytes(text: string, file?: string): Uint8Array {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const code = line.replace(/#.*/, '');
    for (const m of code.matchAll(/\S+/g)) {
      const t = m[0].replace(/^0x/i, '');
      if (!/^([0-9a-fA-F]{2})+$/.test(t)) {
        throw new ParseError(`invalid hex byte '${m[0]}'`, {
          line: n + 1,
          column: m.index + 1,
          sourceLine: line,
          ...(file === undefined ? {} : { file }),
        });
      }
      for (let i = 0; i < t.length; i += 2) out.push(Number.parseInt(t.slice(i, i + 2), 16));
    }
  });
  return Uint8Array.from(out);
}

function parseRaw(text: string, file?: string): Uint8Array {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length && words.every((w) => /^0x[0-9a-fA-F]{9,16}$/.test(w))) {
    const out = new Uint8Array(words.length * 8);
    const view = new DataView(out.buffer);
    words.forEach((w, i) => {
      view.setBigUint64(i * 8, BigInt(w), true);
    });
    return out;
  }
  return parseHexBytes(text, file);
}

/** parseConformanceCase splits a case file into its sections. */
export function parseConformanceCase(text: string, file?: string): ConformanceCase {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^--\s*(.*?)\s*$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1]!, current);
      continue;
    }
    if (/^\s*#/.test(line)) continue;
    current?.push(line);
  }
  const body = (name: string): string | undefined => sections.get(name)?.join('\n');
  const c: ConformanceCase = { mem: new Uint8Array(0), other: [] };
  const asm = body('asm');
  if (asm !== undefined) c.asm = asm;
  const raw = body('raw');
  if (raw !== undefined) c.raw = parseRaw(raw, file);
  const mem = body('mem');
  if (mem !== undefined) c.mem = parseHexBytes(mem, file);
  const result = body('result')?.trim();
  if (result) {
    const m = /^(-?)(0x[0-9a-fA-F]+|\d+)$/.exec(result);
    if (!m) {
      const line = text.split(/\r?\n/).findIndex((l) => /^--\s*result/.test(l)) + 2;
      throw new ParseError(`invalid -- result '${result}': expected a number`, {
        line,
        column: 1,
        ...(file === undefined ? {} : { file }),
      });
    }
    c.result = BigInt.asUintN(64, (m[1] ? -1n : 1n) * BigInt(m[2]!));
  }
  const error = body('error');
  if (error !== undefined) c.error = error.trim();
  c.other = [...sections.keys()].filter((k) => !['asm', 'raw', 'mem', 'result', 'error'].includes(k));
  return c;
}

/** caseProgram returns the case's bytecode: assembled from `-- asm`, else `-- raw`. */
export function caseProgram(c: ConformanceCase, file?: string): Uint8Array {
  if (c.asm !== undefined) return encode(assembleUbpf(c.asm, file === undefined ? {} : { file }));
  if (c.raw !== undefined) return c.raw;
  throw new ParseError(
    'the case has no program (no -- asm or -- raw section)',
    file === undefined ? undefined : { file, line: 1, column: 1 },
  );
}
