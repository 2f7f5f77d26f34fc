// `bpfkit vm` end to end: file kinds, --mem/--ctx, --trace, the conformance plugin contract, and
// one-line errors (exit 1, no stack) for bad input.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../../testing/cli.js';
import { caseProgram, parseConformanceCase } from '../../vm/conformance-case.js';

const conformanceDir = join(repoRoot, '..', 'shared', 'conformance', 'bpf_conformance', 'tests');

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-vm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function expectUserError(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^bpfkit: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bpfkit vm', () => {
  it('runs kernel-syntax assembly reading memory and prints r0 in hex', async () => {
    const s = file('sum.s', 'r0 = *(u16 *)(r1 + 0)\nr0 += r2\nexit\n');
    const r = await runCli(['vm', s, '--mem', '10 20 30']);
    expect(r.stderr).toBe('');
    expect([r.code, r.stdout]).toEqual([0, '0x2013\n']);
  });

  it('runs the uBPF dialect, raw .bin bytecode with --ctx, and --hex text', async () => {
    const u = await runCli(['vm', '--dialect', 'ubpf', file('a.s', 'mov %r0, -1\nrsh %r0, 60\nexit\n')]);
    expect(u.stdout).toBe('0xf\n');
    const ctx = file('ctx.bin', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const bin = file('p.bin', bytes('79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00'));
    expect((await runCli(['vm', bin, '--ctx', ctx])).stdout).toBe('0x807060504030201\n');
    const hx = file('p.hex', 'b7 00 00 00 2a 00 00 00\n95 00 00 00 00 00 00 00\n');
    expect((await runCli(['vm', '--hex', hx, '--tier', 'interpreter'])).stdout).toBe('0x2a\n');
  });

  it('--trace prints each instruction with the registers it changed', async () => {
    const r = await runCli(['vm', '--trace', file('t.s', 'r0 = 5\nr0 <<= 4\nexit\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
      '0: r0 = 5 ; r0 0x0 -> 0x5',
      '1: r0 <<= 4 ; r0 0x5 -> 0x50',
      '2: exit',
      '0x50',
      '',
    ]);
  });

  it('--plugin follows the bpf_conformance contract', async () => {
    // The suite's runner passes memory as argv[1], plugin options as argv[2], the program on stdin,
    // all as space-separated hex; it reads r0 (hex) or an error message from stdout.
    const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('  ');
    for (const name of ['ldxh-all2.data', 'mem-len.data', 'lock_fetch_add.data']) {
      const c = parseConformanceCase(readFileSync(join(conformanceDir, name), 'utf8'), name);
      const r = await runCli(['vm', '--plugin', toHex(c.mem), ''], { input: `${toHex(caseProgram(c))}\n` });
      expect([name, r.code, r.stdout]).toEqual([name, 0, `${c.result!.toString(16)}\n`]);
    }
    const fault = await runCli(['vm', '--plugin', ''], {
      input: '69 10 00 00 00 00 00 00  95 00 00 00 00 00 00 00',
    });
    expect(fault.code).toBe(1);
    expect(fault.stdout).toMatch(/^instruction 0: out-of-bounds read of 2 bytes/);
  });

  it('gives the program the maps --map describes and prints their contents after r0', async () => {
    const src = [
      '*(u32 *)(r10 - 4) = 7',
      '*(u64 *)(r10 - 16) = 3',
      'r1 = map[counts]',
      'r2 = r10',
      'r2 += -4',
      'r3 = r10',
      'r3 += -16',
      'r4 = 0',
      'call bpf_map_update_elem',
      'r1 = map[events]',
      'r2 = r10',
      'r2 += -16',
      'r3 = 8',
      'r4 = 0',
      'call bpf_ringbuf_output',
      'exit',
    ].join('\n');
    const s = file('maps.s', src);
    const r = await runCli(['vm', s, '--map', 'counts:hash:4:8:16', '--map', 'events:ringbuf:4096']);
    expect(r.stdout).toBe(
      '0x0\nmap counts (hash): 07000000 = 0300000000000000\nmap events (ringbuf): record 0300000000000000\n',
    );
    expectUserError(
      await runCli(['vm', s, '--map', 'counts:hash:4:8:16']),
      /uses map 'events', which no --map gives/,
    );
  });

  it('stops an endless loop with a budget error', async () => {
    expectUserError(
      await runCli(['vm', '--budget', '1000', file('loop.s', 'l: r0 += 1\ngoto l\n')]),
      /loop.s: instruction \d: instruction budget exhausted/,
    );
  });

  it.each([
    ['an empty file', 'empty.bin', new Uint8Array(0), [], /the file is empty/],
    ['bad hex', 'bad.hex', 'b7 00 zz', ['--hex'], /bad.hex:1:7: error: 'z' is not a hex digit/],
    [
      'a truncated lddw',
      'lddw.bin',
      bytes('18 00 00 00 01 00 00 00'),
      [],
      /lddw.bin: truncated LD_IMM64 at instruction 0/,
    ],
    [
      'an unknown opcode',
      'op.bin',
      bytes('ff 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00'),
      [],
      /op.bin: instruction 0: unknown opcode \(opcode 0xff\)/,
    ],
    [
      'a jump past the end',
      'jmp.bin',
      bytes('05 00 07 00 00 00 00 00 95 00 00 00 00 00 00 00'),
      [],
      /jmp.bin: instruction 0: jump to 8 is outside the program/,
    ],
    [
      'a ragged file',
      'rag.bin',
      bytes('95 00 00'),
      [],
      /rag.bin: bytecode length 3 is not a multiple of 8 bytes/,
    ],
    ['an assembly mistake', 'bad.s', 'r0 = 1\nr0 += r11\nexit\n', [], /bad.s:2:/],
  ] as const)('rejects %s with one line and exit 1', async (_what, name, data, extra, message) => {
    expectUserError(await runCli(['vm', ...extra, file(name, data)]), message);
  });

  it('keeps the files it was given', () => {
    expect(readFileSync(join(dir, 'p.bin')).length).toBe(16);
  });
});
