import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/assembler.js';
import { ProgramBuilder, r0, r1, r2, r10 } from '../asm/builder.js';
import { insn } from '../asm/instruction.js';
import { type Btf, loadVmlinux, VMLINUX_BTF_PATH } from '../btf/btf.js';
import { VerifierError } from '../errors/index.js';
import { buildCase, loadCorpus } from './corpus/load.js';
import { safeVerify, verify } from './index.js';

let vmlinuxBtf: Btf | undefined;
/** vmlinux is the running kernel's BTF, read once. */
function vmlinux(): Btf {
  vmlinuxBtf ??= loadVmlinux();
  return vmlinuxBtf;
}

const maps = [{ name: 'm', type: 'hash' as const, keySize: 4, valueSize: 8, maxEntries: 16, fd: 7 }];

function lookupProgram(nullCheck: boolean) {
  const b = new ProgramBuilder()
    .st('u32', r10, -4, 0)
    .mov(r2, r10)
    .add(r2, -4)
    .ldMap(r1, { fd: 7 })
    .call('map_lookup_elem');
  if (nullCheck) b.jmp('JEQ', r0, 0, 'out');
  b.ldx('u64', r0, r0, 0).label('out').mov(r0, 0).exit();
  return b.build().insns;
}

describe('verify', () => {
  it('accepts a safe program and counts its instructions and states', () => {
    const r = verify(lookupProgram(true), { type: 'xdp', maps });
    expect(r.insns).toBe(10);
    expect(r.states).toBeGreaterThan(0);
    expect(r.processed).toBeGreaterThanOrEqual(r.insns - 1);
  });

  it('throws a VerifierError naming the instruction, its disassembly, the register and the cause', () => {
    let err: unknown;
    try {
      verify(lookupProgram(false), { type: 'xdp', maps });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.pc).toBe(6);
    expect(v.issues[0]?.code).toBe('null-deref');
    expect(v.log).toEqual([
      '6: r0 = *(u64 *)(r0 +0)',
      '  R0=map_value_or_null(ks=4,vs=8)',
      'R0 might be NULL here: check the result of bpf_map_lookup_elem (insn 5) before dereferencing it',
    ]);
  });

  it('safeVerify returns the failure instead of throwing', () => {
    const r = safeVerify(lookupProgram(false), { type: 'xdp', maps });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^insn 6: R0 might be NULL/);
  });

  it('rejects an empty program, an unknown opcode and a jump past the end with their position', () => {
    const empty = safeVerify([], { type: 'xdp' });
    expect(!empty.ok && empty.error.issues[0]).toMatchObject({ code: 'empty', pc: 0 });
    const unknown = safeVerify([insn(0xb7), insn(0xff), insn(0x95)], { type: 'xdp' });
    expect(!unknown.ok && unknown.error.issues[0]).toMatchObject({ code: 'unknown-opcode', pc: 1 });
    const far = safeVerify([insn(0xb7), insn(0x05, 0, 0, 7), insn(0x95)], { type: 'xdp' });
    expect(!far.ok && far.error.issues[0]).toMatchObject({ code: 'jump-out-of-range', pc: 1 });
  });

  it('follows root by default and can reject uninitialised stack reads as unprivileged loads do', () => {
    const insns = assemble('r0 = *(u64 *)(r10 -8)\nexit').insns;
    expect(safeVerify(insns, { type: 'socket_filter' }).ok).toBe(true);
    const r = safeVerify(insns, { type: 'socket_filter', privileged: false });
    expect(!r.ok && r.error.issues[0]?.code).toBe('uninit-stack');
  });

  it('bounds tracepoint reads by the format record size when it is known', () => {
    const insns = assemble('r0 = *(u64 *)(r1 +24)\nexit').insns;
    expect(safeVerify(insns, { type: 'tracepoint' }).ok).toBe(true);
    expect(safeVerify(insns, { type: 'tracepoint', tracepointSize: 24 }).ok).toBe(false);
    expect(safeVerify(insns, { type: 'tracepoint', tracepointSize: 32 }).ok).toBe(true);
  });

  it('stops at the complexity limit', () => {
    const insns = assemble('r1 = 0\nl:\nr1 += 1\nif r1 < 1000 goto l\nr0 = 0\nexit').insns;
    expect(safeVerify(insns, { type: 'socket_filter' }).ok).toBe(true);
    const r = safeVerify(insns, { type: 'socket_filter', maxInsns: 500 });
    expect(!r.ok && r.error.issues[0]?.code).toBe('too-complex');
  });
});

describe('corpus verdicts (no kernel needed)', () => {
  const cases = loadCorpus();
  it('has at least 60 hand-written cases, accepting and rejecting', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(cases.some((c) => c.expect === 'accept')).toBe(true);
    expect(cases.some((c) => c.expect === 'reject')).toBe(true);
  });
  for (const c of cases) {
    // Cases that read kernel structs need the running kernel's BTF for their offsets.
    it.skipIf(c.btf && !existsSync(VMLINUX_BTF_PATH))(`${c.file}: ${c.name}`, () => {
      const fds = Object.fromEntries(c.maps.map((m, i) => [m.name, 100 + i]));
      const btf = c.btf ? vmlinux() : undefined;
      const { insns, maps: infos } = buildCase(c, fds, btf);
      const r = safeVerify(insns, {
        type: c.type,
        maps: infos,
        possibleCpus: 2,
        ...(c.license ? { license: c.license } : {}),
        ...(btf ? { btf } : {}),
      });
      expect(r.ok ? 'accept' : 'reject').toBe(c.expect);
      if (!r.ok && c.code) expect(r.error.issues[0]?.code).toBe(c.code);
    });
  }
});

describe('verify with a built program', () => {
  it('resolves map loads by name against the maps given', () => {
    const built = assemble(
      '*(u32 *)(r10 -4) = 0\nr2 = r10\nr2 += -4\nr1 = map[counts] ll\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\nr0 = *(u64 *)(r0 +0)\nout:\nr0 = 0\nexit',
    );
    const counts = { name: 'counts', type: 'hash' as const, keySize: 4, valueSize: 8, maxEntries: 16 };
    expect(verify(built, { type: 'xdp', maps: [counts] }).insns).toBe(10);
    const small = safeVerify(built, { type: 'xdp', maps: [{ ...counts, valueSize: 4 }] });
    expect(!small.ok && small.error.issues[0]?.code).toBe('out-of-bounds');
    const missing = safeVerify(built, { type: 'xdp', maps: [] });
    expect(!missing.ok && missing.error.issues[0]).toMatchObject({ code: 'unknown-map', pc: 3 });
  });
});

describe('BTF-typed pointers', () => {
  const program = assemble('call bpf_get_current_task_btf\nr0 = *(u32 *)(r0 +8)\nr0 = 0\nexit').insns;

  it('without the btf option, a load through bpf_get_current_task_btf() is refused with a reason', () => {
    const r = safeVerify(program, { type: 'tracepoint' });
    expect(!r.ok && r.error.issues[0]?.code).toBe('btf-access');
    expect(!r.ok && r.error.message).toContain('btf option');
  });

  it.skipIf(!existsSync(VMLINUX_BTF_PATH))('with it, a load that is not inside one member is refused', () => {
    const btf = vmlinux();
    const pid = btf.offsetOf('task_struct.pid').offset;
    const at = (off: number, size: string) =>
      assemble(`call bpf_get_current_task_btf\nr0 = *(${size} *)(r0 +${off})\nr0 = 0\nexit`).insns;
    expect(safeVerify(at(pid, 'u32'), { type: 'tracepoint', btf }).ok).toBe(true);
    const wide = safeVerify(at(pid, 'u64'), { type: 'tracepoint', btf });
    expect(!wide.ok && wide.error.message).toContain("member 'pid'");
  });
});
