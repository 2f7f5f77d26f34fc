// fentry/fexit code generation checked against the real vmlinux BTF without loading anything: the
// parameters' context slots, fexit's retval slot, the load attributes, and our verifier's verdict.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BuiltProgram } from '../../asm/builder.js';
import { disassemble } from '../../asm/disassembler.js';
import { Class, Mode, Size } from '../../asm/opcodes.js';
import { loadVmlinux, VMLINUX_BTF_PATH } from '../../btf/btf.js';
import { ParseError } from '../../errors/index.js';
import { safeVerify } from '../../verifier/verify.js';
import { check } from '../check.js';
import { Source } from '../diagnostics.js';
import { fakeTypeSource } from '../fake-type-source.js';
import { parseSource } from '../parser.js';
import { KernelTypeSource } from '../runtime/type-source.js';
import type { TypeSource } from '../types.js';
import { type Compiled, compile } from './compile.js';

const hasBtf = existsSync(VMLINUX_BTF_PATH);
const types = new KernelTypeSource();

const build = (text: string): Compiled => {
  const src = new Source(text, 'test.bt');
  return compile(check(parseSource(src), src, { types }), { possibleCpus: 2 });
};

const errorOf = (text: string): string => {
  try {
    build(text);
  } catch (e) {
    if (e instanceof ParseError) return e.userMessage();
    throw e;
  }
  throw new Error(`no error for ${text}`);
};

const LDX_DW = Class.LDX | Mode.MEM | Size.DW;
const R6 = 6;

/** ctxLoads lists the offsets of 8-byte loads from the context register (r6). */
const ctxLoads = (p: BuiltProgram): number[] =>
  p.insns.filter((i) => i.code === LDX_DW && i.src === R6).map((i) => i.off);

/**
 * verifyAsRawTp runs our verifier, which has no tracing program type: a raw tracepoint's context is
 * the same read-only array of u64 arguments, so it checks the same context loads (pointers loaded
 * from it are scalars to it, which is stricter than the kernel's PTR_TO_BTF_ID).
 */
const verifyAsRawTp = (c: Compiled, i = 0) =>
  safeVerify(c.programs[i]!.built, {
    type: 'raw_tracepoint',
    maps: c.maps.map((m) => ({
      name: m.ref,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    })),
  });

describe('fentry/fexit on a module function', () => {
  it('looks the function up in the module BTF and records the module for the load', () => {
    const asked: Array<[string, string | undefined]> = [];
    const withModule: TypeSource = {
      ...fakeTypeSource,
      kernelFunction: (name, module) => {
        asked.push([name, module]);
        const f = fakeTypeSource.kernelFunction!(name);
        return f && module === 'mymod' ? { ...f, module, btfId: 90001 } : undefined;
      },
    };
    const src = new Source('fexit:mymod:tcp_sendmsg { @[args.size] = sum(retval); }', 'mod.bt');
    const c = compile(check(parseSource(src), src, { types: withModule }));
    expect(asked).toContainEqual(['tcp_sendmsg', 'mymod']);
    expect(c.programs[0]!.tracing).toEqual({
      btfId: 90001,
      expectedAttachType: 25,
      module: 'mymod',
      func: 'tcp_sendmsg',
    });
    // size is the third parameter (ctx + 16); the int retval follows the three (ctx + 24).
    expect(ctxLoads(c.programs[0]!.built).sort()).toEqual([16, 24]);
    const bad = new Source('fentry:othermod:tcp_sendmsg { }', 'mod.bt');
    expect(() => check(parseSource(bad), bad, { types: withModule })).toThrow(
      "kernel function 'tcp_sendmsg' is not in the BTF of module othermod",
    );
  });
});

describe.skipIf(!hasBtf)('fentry/fexit codegen against vmlinux BTF', () => {
  const vfsRead = hasBtf ? loadVmlinux().funcByName('vfs_read') : undefined;

  it('reads vfs_read(file, buf, count, pos) parameters from their u64 context slots', () => {
    expect(vfsRead!.params.map((p) => p.name)).toEqual(['file', 'buf', 'count', 'pos']);
    const c = build('fentry:vfs_read { @[comm] = count(); printf("%d\\n", args.count); }');
    expect(c.programs).toHaveLength(1);
    const p = c.programs[0]!;
    expect(p.type).toBe('tracing');
    expect(p.tracing).toEqual({ btfId: vfsRead!.id, expectedAttachType: 24, module: '', func: 'vfs_read' });
    // count is the third parameter: ctx + 16, and nothing else is read from the context.
    expect(ctxLoads(p.built)).toEqual([16]);
    const v = verifyAsRawTp(c);
    expect(v.ok, v.ok ? '' : `${v.error.message}\n${disassemble(p.built.insns)}`).toBe(true);
  });

  it('reads fexit retval after the parameters, at ctx + 32 for vfs_read', () => {
    const c = build('fexit:vfs_read { @ = hist(retval); }');
    const p = c.programs[0]!;
    expect(p.tracing?.expectedAttachType).toBe(25);
    expect(p.tracing?.btfId).toBe(vfsRead!.id);
    expect(ctxLoads(p.built)).toEqual([32]);
    const v = verifyAsRawTp(c);
    expect(v.ok, v.ok ? '' : v.error.message).toBe(true);
  });

  it('accepts args->NAME and kfunc/kretfunc aliases, typed from BTF', () => {
    const c = build(
      'kfunc:vfs_read { @p[args->file->f_pos] = count(); } kretfunc:vfs_write /retval < 0/ { @e = count(); }',
    );
    expect(c.programs.map((p) => [p.type, p.tracing?.func, p.tracing?.expectedAttachType])).toEqual([
      ['tracing', 'vfs_read', 24],
      ['tracing', 'vfs_write', 25],
    ]);
    // file is a struct file *: f_pos is read from kernel memory, the pointer from ctx + 0.
    expect(ctxLoads(c.programs[0]!.built)).toEqual([0]);
    const calls = c.programs[0]!.built.insns.filter((i) => i.code === 0x85).map((i) => i.imm);
    expect(calls).toContain(113); // bpf_probe_read_kernel
    // vfs_write returns ssize_t, so `retval < 0` is a signed comparison on ctx + 32.
    expect(ctxLoads(c.programs[1]!.built)).toEqual([32]);
    for (const i of [0, 1]) {
      const v = verifyAsRawTp(c, i);
      expect(v.ok, v.ok ? '' : v.error.message).toBe(true);
    }
  });

  it('sign-extends a 32-bit int parameter and a 32-bit int return value', () => {
    // do_sys_openat2(int dfd, const char __user *filename, struct open_how *how);
    // security_file_open(struct file *) returns int.
    const c = build(
      'fentry:do_sys_openat2 { @[args.dfd] = count(); } fexit:security_file_open { @r[retval] = count(); }',
    );
    const dfd = c.programs[0]!.built.insns;
    const load = dfd.findIndex((i) => i.src === R6 && (i.code & 0x07) === Class.LDX);
    expect(dfd[load]!.code).toBe(Class.LDX | Mode.MEM | Size.W);
    expect(dfd[load]!.off).toBe(0);
    const ret = c.programs[1]!.built.insns;
    expect(ctxLoads(c.programs[1]!.built)).toEqual([8]);
    // The load is followed by the shifts that sign-extend the low 32 bits.
    const at = ret.findIndex((i) => i.code === LDX_DW && i.src === R6);
    expect(ret[at + 1]!.imm).toBe(32);
    expect(ret[at + 2]!.imm).toBe(32);
  });

  it('reads a pointer parameter from user memory exactly when BTF tags it __user', () => {
    const c = build('fentry:do_sys_openat2 { printf("%s\\n", str(args.filename)); }');
    const calls = c.programs[0]!.built.insns.filter((i) => i.code === 0x85).map((i) => i.imm);
    // Kernels built with type tags mark `const char __user *filename` (pahole/clang); gcc builds do not.
    const btf = loadVmlinux();
    const ptr = btf.type(btf.funcByName('do_sys_openat2').params[1]!.type);
    let tagged = false;
    for (let t = ptr.kind === 'ptr' ? btf.type(ptr.type) : ptr; 'type' in t && t.kind !== 'ptr'; ) {
      if (t.kind === 'type_tag' && t.name === 'user') tagged = true;
      t = btf.type(t.type);
    }
    // bpf_probe_read_user_str is 114, bpf_probe_read_kernel_str 115.
    expect(calls).toContain(tagged ? 114 : 115);
    expect(calls).not.toContain(tagged ? 115 : 114);
  });

  it('reads with probe_read_user where uptr() says so, and probe_read_kernel under kptr()', () => {
    const helpers = (text: string) =>
      build(text)
        .programs[0]!.built.insns.filter((i) => i.code === 0x85)
        .map((i) => i.imm);
    // bpf_probe_read_user_str is 114, bpf_probe_read_kernel_str 115.
    expect(helpers('fentry:do_sys_openat2 { printf("%s\\n", str(uptr(args.filename))); }')).toContain(114);
    expect(helpers('fentry:do_sys_openat2 { printf("%s\\n", str(uptr(args.filename))); }')).not.toContain(
      115,
    );
    expect(helpers('kprobe:f { printf("%s\\n", str(kptr(arg1))); }')).toContain(115);
    expect(helpers('uprobe:/bin/sh:main { printf("%s\\n", str(kptr(arg1))); }')).not.toContain(114);
  });

  it('passes our verifier with predicates, pointer chains, func, probe and kstack', () => {
    const c = build(
      'fentry:vfs_read /args.count > 100/ { printf("%s %s %d\\n", func, str(args.file->f_path.dentry->d_name.name), args.file->f_pos); @[probe, kstack] = count(); }' +
        ' fentry:tcp_connect { @a[ntop(args.sk->__sk_common.skc_daddr)] = count(); }' +
        ' fexit:do_sys_openat2 { @o[str(uptr(args.filename))] = hist(retval); }',
    );
    expect(c.programs).toHaveLength(3);
    for (const i of [0, 1, 2]) {
      const v = verifyAsRawTp(c, i);
      expect(v.ok, v.ok ? '' : `${c.programs[i]!.name}: ${v.error.message}`).toBe(true);
    }
  });

  it('gives every fentry attach point its own program, bound to its function', () => {
    const c = build('fentry:vfs_read, fentry:vfs_write { @ = count(); }');
    expect(c.programs.map((p) => p.tracing?.func)).toEqual(['vfs_read', 'vfs_write']);
  });

  it('expands a wildcard to one program per vmlinux function with BTF', () => {
    const btf = loadVmlinux();
    const want: string[] = [];
    for (let id = 1; id < btf.count; id++)
      if (btf.kindOf(id) === 'func' && /^vfs_read/.test(btf.nameOf(id))) want.push(btf.nameOf(id));
    const c = build('fexit:vfs_read* { @[probe] = count(); }');
    expect(c.programs.map((p) => p.tracing?.func)).toEqual([...new Set(want)].sort());
    expect(c.programs.map((p) => p.name)).toContain('fexit:vfs_read');
    expect(errorOf('fentry:bpfkit_no_such_* { }')).toContain(
      "no kernel functions with BTF match 'fentry:bpfkit_no_such_*'",
    );
    expect(errorOf('fentry:* { }')).toMatch(/matches \d+ kernel functions; bpfkit traces at most 512/);
  });

  it('rejects unknown parameters, retval in fentry, argN, and unknown functions', () => {
    expect(errorOf('fentry:vfs_read { @ = sum(args.cont); }')).toContain(
      "vfs_read has no parameter 'cont' (did you mean 'count'?)",
    );
    expect(errorOf('fentry:vfs_read { @ = sum(args->nosuchthing); }')).toContain(
      'parameters: file, buf, count, pos',
    );
    expect(errorOf('fentry:vfs_read { @ = hist(retval); }')).toContain(
      'retval is only available in kretprobe, uretprobe and fexit probes, not fentry (use fexit:vfs_read',
    );
    expect(errorOf('fentry:vfs_read { @ = sum(arg2); }')).toContain(
      'arg2 is not available in fentry probes (use args.<parameter name>)',
    );
    expect(errorOf('fentry:vfs_raed { @ = count(); }')).toContain(
      "kernel function 'vfs_raed' is not in the BTF of vmlinux (did you mean 'vfs_read'?)",
    );
    expect(errorOf('fentry:kfree { @ = *args.object; }')).toContain('cannot dereference a void pointer');
    expect(errorOf('fexit:vfs_read { @ = count(); } fexit:schedule { @x = hist(retval); }')).toContain(
      'schedule returns void, so fexit:schedule has no retval',
    );
  });
});
