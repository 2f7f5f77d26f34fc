import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.js';
import { kernelIt } from '../../testing/kernel.js';

const vmIt =
  existsSync('/sys/kernel/btf/vmlinux') || process.env.BPFKIT_REQUIRE_KERNEL === '1' ? it : it.skip;

describe('bpfkit btf', () => {
  vmIt('dumps a struct and a function as C', async () => {
    const r = await runCli(['btf', 'dump', 'struct task_struct']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^struct task_struct \{\n/);
    expect(r.stdout).toMatch(/\tpid_t pid;\s+\/\* \d+, 4 \*\//);
    const f = await runCli(['btf', 'dump', 'tcp_v4_connect']);
    expect(f.stdout).toBe(
      'static int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);\n',
    );
  });

  vmIt('locates member paths across pointers', async () => {
    const r = await runCli(['btf', 'offset', 'task_struct.real_parent->tgid']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^task_struct\.real_parent: offset \d+ size 8 type struct task_struct \*$/);
    expect(lines[1]).toMatch(/^\*\(real_parent\)\.tgid: offset \d+ size 4 type pid_t$/);
    const e = await runCli(['btf', 'enum', 'BPF_MAP_TYPE_RINGBUF']);
    expect(e.stdout).toBe('27\n');
  });

  vmIt('reports a misspelt member in one line with a suggestion', async () => {
    const r = await runCli(['btf', 'offset', 'task_struct.real_parnt']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "bpfkit: struct task_struct has no member 'real_parnt' (did you mean 'real_parent'?)\n",
    );
  });

  vmIt('lists types by glob and raw tracepoint arguments', async () => {
    const l = await runCli(['btf', 'list', 'tcp_v4_connect*', '--kind', 'func']);
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(/^\d+\tfunc\ttcp_v4_connect$/m);
    const bad = await runCli(['btf', 'list', '*', '--kind', 'strukt']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^bpfkit: unknown BTF kind 'strukt' \(one of int, ptr/);
    const a = await runCli(['btf', 'args', 'sched_switch']);
    expect(a.stdout).toMatch(
      /^arg0: bool preempt\narg1: struct task_struct \* prev\narg2: struct task_struct \* next\n/,
    );
  });

  it('names the file when it is not BTF', async () => {
    const r = await runCli(['btf', 'dump', 'x', '--file', 'package.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('bpfkit: package.json: not BTF: magic is 0x0a7b, want 0xeb9f (byte 0)\n');
    const missing = await runCli(['btf', 'dump', 'x', '--file', 'no-such-file']);
    expect(missing.stderr).toBe('bpfkit: cannot read BTF from no-such-file: ENOENT\n');
  });

  kernelIt('lists tracepoints and shows a format', async () => {
    const l = await runCli(['btf', 'tracepoints', 'syscalls:sys_enter_openat*']);
    expect(l.stdout).toBe('syscalls:sys_enter_openat\nsyscalls:sys_enter_openat2\n');
    const f = await runCli(['btf', 'format', 'sched:sched_process_exec']);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/^ +8 +4 {2}__data_loc char\[\] filename$/m);
    const bad = await runCli(['btf', 'format', 'sched:sched_swich']);
    expect(bad.stderr).toBe("bpfkit: no tracepoint sched:sched_swich (did you mean 'sched:sched_switch'?)\n");
  });
});
