// The verifier corpus: hand-written cases in assembly text, several per file, each with a header
// naming its program type, its maps and the expected verdict.
//
//   === null check missing before a map value load
//   ; type: xdp
//   ; map: counts hash 4 8 16
//   ; expect: reject null-deref
//   r1 = map[counts] ll
//   ...

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../../asm/assembler.js';
import type { Insn } from '../../asm/instruction.js';
import type { Btf } from '../../btf/btf.js';
import { ParseError } from '../../errors/index.js';
import { type MapInfo, MapKind, type MapKindName } from '../maps.js';
import { isProgTypeName, type ProgTypeName } from '../program-types.js';

/** CorpusCase is one program with the verdict both verifiers must reach. */
export interface CorpusCase {
  name: string;
  file: string;
  type: ProgTypeName;
  maps: Omit<MapInfo, 'fd'>[];
  expect: 'accept' | 'reject';
  /** code is bpfkit's issue code for an expected rejection. */
  code?: string;
  license?: string;
  /** btf says the case needs the kernel's BTF: `offsetof(T.member)` and `sizeof(T)` in it are resolved. */
  btf?: boolean;
  source: string;
}

export const corpusDir = dirname(fileURLToPath(import.meta.url));

function parseCase(file: string, name: string, lines: string[], line: number): CorpusCase {
  let type: ProgTypeName | undefined;
  let expect: 'accept' | 'reject' | undefined;
  let code: string | undefined;
  let license: string | undefined;
  let btf = false;
  const maps: Omit<MapInfo, 'fd'>[] = [];
  const body: string[] = [];
  for (const [k, text] of lines.entries()) {
    const m = /^;\s*(type|map|expect|license|btf):\s*(.*)$/.exec(text.trim());
    if (!m) {
      body.push(text);
      continue;
    }
    const value = m[2]!.trim();
    const where = { file, line: line + k + 1, column: 1 };
    if (m[1] === 'type') {
      if (!isProgTypeName(value)) throw new ParseError(`unknown program type '${value}'`, where);
      type = value;
    } else if (m[1] === 'map') {
      const [mname, mtype, ks, vs, max] = value.split(/\s+/);
      if (
        !mname ||
        !mtype ||
        !(mtype in MapKind) ||
        ks === undefined ||
        vs === undefined ||
        max === undefined
      ) {
        throw new ParseError(`bad map line '${value}': want NAME TYPE KEY VALUE MAX`, where);
      }
      maps.push({
        name: mname,
        type: mtype as MapKindName,
        keySize: Number(ks),
        valueSize: Number(vs),
        maxEntries: Number(max),
      });
    } else if (m[1] === 'expect') {
      const [verdict, c] = value.split(/\s+/);
      if (verdict !== 'accept' && verdict !== 'reject') throw new ParseError(`bad expect '${value}'`, where);
      expect = verdict;
      code = c;
    } else if (m[1] === 'btf') {
      if (value !== 'vmlinux') throw new ParseError(`bad btf '${value}': only 'vmlinux' is known`, where);
      btf = true;
    } else {
      license = value;
    }
  }
  if (!type || !expect)
    throw new ParseError(`case '${name}' needs '; type:' and '; expect:' lines`, { file, line, column: 1 });
  const c: CorpusCase = { name, file, type, maps, expect, source: body.join('\n') };
  if (code !== undefined) c.code = code;
  if (license !== undefined) c.license = license;
  if (btf) c.btf = true;
  return c;
}

/** parseCorpus splits one corpus file into cases. */
export function parseCorpus(text: string, file: string): CorpusCase[] {
  const out: CorpusCase[] = [];
  const lines = text.split('\n');
  let start = -1;
  for (let n = 0; n <= lines.length; n++) {
    const l = lines[n];
    if (l === undefined || l.startsWith('=== ')) {
      if (start >= 0) {
        out.push(parseCase(file, lines[start]!.slice(4).trim(), lines.slice(start + 1, n), start + 1));
      }
      start = n;
    }
  }
  return out;
}

/** loadCorpus reads every `*.s` file of the corpus directory. */
export function loadCorpus(dir = corpusDir): CorpusCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.s'))
    .sort()
    .flatMap((f) => parseCorpus(readFileSync(join(dir, f), 'utf8'), f));
}

/** buildCase assembles a case with map names resolved to the given fds. */
export function buildCase(
  c: CorpusCase,
  fds: Record<string, number>,
  btf?: Btf,
): { insns: Insn[]; maps: MapInfo[] } {
  let source = c.source;
  if (c.btf) {
    if (!btf) throw new ParseError(`case '${c.name}' needs the kernel's BTF`);
    // Offsets come from the running kernel's BTF, so the cases hold on any kernel build.
    source = source
      .replace(/offsetof\(([^)]*)\)/g, (_, path: string) => String(btf.offsetOf(path).offset))
      .replace(/sizeof\(([^)]*)\)/g, (_, name: string) => String(btf.sizeof(btf.typeByName(name).id)));
  }
  const built = assemble(source, { file: c.file });
  const insns = built.insns.map((i) => ({ ...i }));
  for (const rel of built.relocations) {
    const name = typeof rel.map === 'string' ? rel.map : rel.map.name;
    const fd = name === undefined ? undefined : fds[name];
    if (fd === undefined)
      throw new ParseError(`case '${c.name}' uses map '${String(name)}' it does not declare`);
    insns[rel.pc]!.imm = fd;
  }
  return { insns, maps: c.maps.map((m) => ({ ...m, fd: fds[m.name]! })) };
}
