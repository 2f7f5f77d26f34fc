import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-asm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = `; count
  r1 = 0
  *(u32 *)(r10 -4) = r1
  if r1 > 0x10 goto out
  call bpf_ktime_get_ns
out:
  r0 = 0
  exit
`;

/** oneLineError checks the CLI's user-error shape: exit 1, a `bpfkit:` line, no stack trace. */
function oneLineError(r: { code: number | null; stderr: string }): string {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^bpfkit: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r.stderr;
}

describe('bpfkit asm / disasm', () => {
  it('assembles to a .bin that disasm lists and that reads back to the same bytes', async () => {
    const src = join(dir, 'prog.s');
    const bin = join(dir, 'prog.bin');
    writeFileSync(src, source);
    const asm = await runCli(['asm', src, '-o', bin]);
    expect(asm.stderr).toBe('');
    expect(asm.code).toBe(0);
    expect(readFileSync(bin).toString('hex')).toBe(
      'b701000000000000631afcff0000000025010100100000008500000005000000b70000000000000095000000' + '00000000',
    );
    const dis = await runCli(['disasm', bin]);
    expect(dis.code).toBe(0);
    expect(dis.stdout).toBe(
      [
        '0: (b7) r1 = 0',
        '1: (63) *(u32 *)(r10 -4) = r1',
        '2: (25) if r1 > 0x10 goto pc+1',
        '3: (85) call bpf_ktime_get_ns#5',
        '4: (b7) r0 = 0',
        '5: (95) exit',
        '',
      ].join('\n'),
    );
    const listing = join(dir, 'listing.s');
    writeFileSync(listing, dis.stdout);
    const again = await runCli(['asm', listing, '--hex']);
    expect(again.stdout.replace(/\s/g, '')).toBe(readFileSync(bin).toString('hex'));
  });

  it('reads hex from stdin', async () => {
    const r = await runCli(['disasm', '--hex', '--style', 'llvm', '--labels', '-'], {
      input: '15 01 01 00 00 00 00 00\nb7 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0: (15) if r1 == 0 goto L2\n1: (b7) r0 = 1\nL2:\n2: (95) exit\n');
  });

  it('reports a bad line with its position and a caret', async () => {
    const src = join(dir, 'bad.s');
    writeFileSync(src, 'r0 = 1\n  r0 = *(u99 *)(r1 +0)\nexit\n');
    const err = oneLineError(await runCli(['asm', src, '-o', join(dir, 'bad.bin')]));
    expect(err).toBe(
      `bpfkit: ${src}:2:10: error: expected a width (u8, u16, u32, u64, s8, s16, s32)\n  r0 = *(u99 *)(r1 +0)\n         ^\n`,
    );
  });

  it.each([
    ['unknown opcodes', 'ff00000000000000 9500000000000000', /byte 0 \(instruction 0\): unknown opcode 0xff/],
    ['truncated LD_IMM64', '1801000000000000', /truncated LD_IMM64/],
    ['jumps past the end', '0500050000000000 9500000000000000', /jump target 6 is outside the program/],
    ['a partial slot', 'b7000000', /not a multiple of 8 bytes/],
    ['bad hex', 'b7 zz', /<stdin>:1:4: error: 'z' is not a hex digit/],
    ['an empty file', '', /no instructions \(the input is empty\)/],
    ['an ELF object', '7f454c4602010100 0000000000000000', /is an ELF object, not raw bytecode \(extract/],
  ])('fails with exit 1 on %s', async (_name, input, message) => {
    const err = oneLineError(await runCli(['disasm', '--hex', '-'], { input }));
    expect(err).toMatch(message);
  });

  it('fails on a missing file without a stack', async () => {
    expect(oneLineError(await runCli(['disasm', join(dir, 'missing.bin')]))).toMatch(/cannot read .*ENOENT/);
  });
});
