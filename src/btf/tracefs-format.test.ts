import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BpfkitError, ParseError } from '../errors/index.js';
import { BtfError } from './errors.js';
import { eventField, parseEventFormat } from './tracefs-format.js';
import { printSymbols, symbolize } from './tracefs-print.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const formats = readdirSync(testdata).filter((f) => f.endsWith('.format'));

describe('tracefs format golden files', () => {
  for (const file of formats) {
    it(`parses ${file} as recorded in ${file.replace(/\.format$/, '.json')}`, () => {
      const parsed = parseEventFormat(readFileSync(join(testdata, file), 'utf8'), file);
      const golden = join(testdata, file.replace(/\.format$/, '.json'));
      const text = `${JSON.stringify(parsed, null, 2)}\n`;
      if (process.env.BPFKIT_UPDATE_GOLDEN === '1') writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }

  it('reads the layout facts tools depend on', () => {
    const read = (f: string) => parseEventFormat(readFileSync(join(testdata, f), 'utf8'), f);
    const openat = read('sys_enter_openat.format');
    expect(openat.name).toBe('sys_enter_openat');
    expect(openat.commonFields.map((f) => f.name)).toEqual([
      'common_type',
      'common_flags',
      'common_preempt_count',
      'common_pid',
    ]);
    expect(eventField(openat, 'filename')).toMatchObject({ type: 'const char *', offset: 24, size: 8 });
    expect(eventField(openat, 'common_pid')).toMatchObject({
      offset: 4,
      size: 4,
      signed: true,
      common: true,
    });
    const exec = read('sched_process_exec.format');
    expect(eventField(exec, 'filename')).toMatchObject({
      type: 'char',
      dataLoc: 'data_loc',
      offset: 8,
      size: 4,
    });
    const sw = read('sched_switch.format');
    expect(eventField(sw, 'prev_comm')).toMatchObject({ type: 'char', arrayLength: 16, size: 16 });
    const inet = read('inet_sock_set_state.format');
    expect(eventField(inet, 'saddr_v6')).toMatchObject({ type: '__u8', arrayLength: 16, offset: 40 });
    const fn = read('ftrace_function.format');
    expect(eventField(fn, 'args')).toMatchObject({ arrayLength: 0, size: 0 });
    const rel = read('rel_loc.format');
    expect(eventField(rel, 'msg').dataLoc).toBe('rel_loc');
    expect(eventField(rel, 'vals')).toMatchObject({ type: 'u32', dataLoc: 'data_loc' });
    expect(eventField(rel, 'comm')).toMatchObject({ type: 'char[TASK_COMM_LEN]', size: 16 });
    expect(eventField(rel, 'comm').arrayLength).toBeUndefined();
    const err = (() => {
      try {
        eventField(openat, 'filenme');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BtfError);
    expect((err as BtfError).userMessage()).toBe(
      "tracepoint sys_enter_openat has no field 'filenme' (did you mean 'filename'?)",
    );
  });
});

describe('tracefs format errors', () => {
  const cases: [string, string, RegExp, number][] = [
    ['name: x\nformat:\n', 'f', /no 'ID:' line/, 1],
    ['ID: 3\n', 'f', /no 'name:' line/, 1],
    ['name: x\nID: three\n', 'f', /not a number/, 2],
    [
      'name: x\nID: 3\nformat:\n\tfield:int a;\toffset:x;\tsize:4;\n',
      'f',
      /bad field attribute 'offset:x'/,
      4,
    ],
    ['name: x\nID: 3\n\tfield:int a;\tsize:4;\n', 'f', /needs offset/, 3],
    ['name: x\nID: 3\n\tfield:a;\toffset:0;\tsize:4;\n', 'f', /cannot read a type/, 3],
    [
      'name: x\nID: 3\n\tfield:int a;\toffset:0;\tsize:4;\n\tfield:int a;\toffset:4;\tsize:4;\n',
      'f',
      /twice/,
      4,
    ],
    ['name: x\nID: 3\nbogus\n', 'f', /unexpected line/, 3],
  ];
  for (const [text, file, re, line] of cases) {
    it(`rejects ${re.source} at line ${line}`, () => {
      let err: unknown;
      try {
        parseEventFormat(text, file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ParseError);
      const p = err as ParseError;
      expect(p.message).toMatch(re);
      expect(p.position).toMatchObject({ file, line });
      expect(p.userMessage()).toContain(`f:${line}:`);
    });
  }
});

describe('tracefs format fuzz', () => {
  it('gives 5000 mutated format texts a result or a ParseError, never a crash', () => {
    const corpus = formats.map((f) => readFileSync(join(testdata, f), 'utf8'));
    const alphabet = [
      '\n',
      '\t',
      ';',
      ':',
      '[',
      ']',
      ' ',
      'field:',
      'offset:',
      '__data_loc ',
      '-',
      '9',
      'x',
      '',
    ];
    let a = 0x1234;
    const rand = () => {
      // xorshift32: deterministic so a failure replays.
      a ^= a << 13;
      a ^= a >>> 17;
      a ^= a << 5;
      return (a >>> 0) / 4294967296;
    };
    let ok = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      let text = corpus[Math.floor(rand() * corpus.length)]!;
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * text.length);
        const len = Math.floor(rand() * 8);
        text = text.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)]! + text.slice(at + len);
      }
      try {
        const f = parseEventFormat(text, 'fuzz');
        for (const sym of printSymbols(f)) symbolize(sym, 3);
        for (const field of [...f.fields, ...f.commonFields]) {
          expect(Number.isInteger(field.offset) && field.offset >= 0).toBe(true);
          expect(field.name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        }
        ok++;
      } catch (err) {
        if (!(err instanceof BpfkitError)) throw new Error(`case ${i}: untyped ${String(err)}\n${text}`);
        expect(err).toBeInstanceOf(ParseError);
        rejected++;
      }
    }
    expect(ok).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });
});
