// `bpfkit verify` end to end: assembly, .bin and --hex input, maps, tracepoint layouts, the
// explanation of a rejection, and one-line errors (exit 1, no stack) for bad input.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.js';
import { kernelIt } from '../../testing/kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-verify-'));
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

const LOOKUP = `*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[counts] ll
call bpf_map_lookup_elem
`;

describe('bpfkit verify', () => {
  it('accepts a safe program and prints the instruction and state counts', async () => {
    const s = file('ok.s', `${LOOKUP}if r0 == 0 goto out\nr0 = *(u64 *)(r0 +0)\nout:\nr0 = 0\nexit\n`);
    const r = await runCli(['verify', s, '--type', 'xdp', '--map', 'counts:hash:4:8:1024']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK \(10 insns, \d+ states\)\n$/);
  });

  it('explains a rejection: instruction, disassembly, register state and one sentence', async () => {
    const s = file('null.s', `${LOOKUP}r0 = *(u64 *)(r0 +0)\nexit\n`);
    const r = await runCli(['verify', s, '--type', 'xdp', '--map', 'counts:hash:4:8:1024']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `bpfkit: ${s}: rejected\n6: r0 = *(u64 *)(r0 +0)\n  R0=map_value_or_null(ks=4,vs=8)\n` +
        'R0 might be NULL here: check the result of bpf_map_lookup_elem (insn 5) before dereferencing it\n',
    );
  });

  it('reads .bin bytecode and --hex text from a file or stdin', async () => {
    const prog = 'b7 00 00 00 02 00 00 00 95 00 00 00 00 00 00 00';
    const bin = await runCli(['verify', file('p.bin', bytes(prog)), '--type', 'socket_filter']);
    expect([bin.code, bin.stdout]).toEqual([0, 'OK (2 insns, 0 states)\n']);
    const hex = await runCli(['verify', '-', '--hex', '--type', 'cgroup_skb'], { input: prog });
    expect(hex.code).toBe(1);
    expect(hex.stderr).toMatch(/R0 at exit may be outside 0\.\.1/);
  });

  it('gives maps to bytecode map loads in order', async () => {
    // r1 = map[fd 77]; r2 = r10; r2 += -4; *(u32 *)(r10 -4) = 0; call lookup; r0 = 0; exit
    const prog =
      '18 11 00 00 4d 00 00 00 00 00 00 00 00 00 00 00 bf a2 00 00 00 00 00 00 07 02 00 00 fc ff ff ff ' +
      '62 0a fc ff 00 00 00 00 85 00 00 00 01 00 00 00 b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00';
    const ok = await runCli(['verify', '-', '--hex', '--type', 'xdp', '--map', 'm:array:4:8:1'], {
      input: prog,
    });
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const none = await runCli(['verify', '-', '--hex', '--type', 'xdp'], { input: prog });
    expectUserError(none, /map fd 77, which is not one of the maps given/);
  });

  it('turns bad input into one-line errors with a position', async () => {
    expectUserError(await runCli(['verify', file('e.bin', ''), '--type', 'xdp']), /the file is empty/);
    expectUserError(
      await runCli(['verify', file('short.bin', bytes('b7 00 00 00 00 00 00 00 95 00 00')), '--type', 'xdp']),
      /bytecode length 11 is not a multiple of 8 bytes/,
    );
    expectUserError(
      await runCli(['verify', '-', '--hex', '--type', 'xdp'], {
        input: 'ff 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00',
      }),
      /0: \(ff\) unknown\nunknown opcode 0xff/,
    );
    expectUserError(
      await runCli(['verify', '-', '--hex', '--type', 'xdp'], {
        input: '05 00 07 00 00 00 00 00 95 00 00 00 00 00 00 00',
      }),
      /jump out of range: from insn 0 to 8/,
    );
    expectUserError(
      await runCli(['verify', file('x.s', 'r0 = 0\nexit\n'), '--type', 'nope']),
      /unknown program type 'nope'/,
    );
    expectUserError(
      await runCli(['verify', file('y.s', 'r0 = 0\nexit\n'), '--type', 'xdp', '--map', 'm:hash:4']),
      /--map 'm:hash:4' must be NAME:TYPE:KEY:VALUE:MAX/,
    );
    expectUserError(
      await runCli(['verify', file('z.s', 'r0 = = 1\nexit\n'), '--type', 'xdp']),
      /z\.s:1:\d+: error/,
    );
    expectUserError(
      await runCli(['verify', join(dir, 'missing.s'), '--type', 'xdp']),
      /cannot read .*ENOENT/,
    );
  });

  kernelIt('bounds tracepoint reads by the --tracepoint format', async () => {
    const inside = file('tp-ok.s', 'r0 = *(u64 *)(r1 +16)\nexit\n');
    const ok = await runCli([
      'verify',
      inside,
      '--type',
      'tracepoint',
      '--tracepoint',
      'syscalls:sys_enter_openat',
    ]);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const past = file('tp-bad.s', 'r0 = *(u64 *)(r1 +64)\nexit\n');
    const bad = await runCli([
      'verify',
      past,
      '--type',
      'tracepoint',
      '--tracepoint',
      'syscalls:sys_enter_openat',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid syscalls:sys_enter_openat record access at offset 64 size 8/);
    // Without the format only the kernel's load-time limit applies.
    const loose = await runCli(['verify', past, '--type', 'tracepoint']);
    expect(loose.code).toBe(0);
  });

  const TASK = 'call bpf_get_current_task_btf\n';
  it.skipIf(!existsSync('/sys/kernel/btf/vmlinux'))(
    "checks loads through bpf_get_current_task_btf() against the kernel's BTF",
    async () => {
      const pid = file('pid.s', `${TASK}r0 = *(u32 *)(r0 +0)\nr0 = 0\nexit\n`);
      const ok = await runCli(['verify', pid, '--type', 'tracepoint']);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const bad = file('bad.s', `${TASK}r1 = 0\n*(u32 *)(r0 +0) = r1\nr0 = 0\nexit\n`);
      const r = await runCli(['verify', bad, '--type', 'tracepoint']);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/can be read, not written/);
    },
  );

  it('refuses a --btf file that does not exist in one line', async () => {
    const s = file('task.s', `${TASK}r0 = 0\nexit\n`);
    const r = await runCli(['verify', s, '--type', 'tracepoint', '--btf', join(dir, 'missing')]);
    expectUserError(r, /--btf .*missing: no such file/);
  });
});
