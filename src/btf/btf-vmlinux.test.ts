import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpfkitError } from '../errors/index.js';
import { Btf, loadVmlinux, VMLINUX_BTF_PATH } from './btf.js';
import { BtfBuilder } from './encode.js';
import { BtfError } from './errors.js';
import { dumpType } from './format.js';
import type { BtfType, CompositeType, EnumType } from './types.js';

// The running kernel's BTF is world-readable; only a kernel built without CONFIG_DEBUG_INFO_BTF lacks it.
const haveVmlinux = existsSync(VMLINUX_BTF_PATH);
const vmIt = haveVmlinux || process.env.BPFKIT_REQUIRE_KERNEL === '1' ? it : it.skip;
const skipNote = haveVmlinux ? '' : ' (skipped: no /sys/kernel/btf/vmlinux)';

function errorOf(fn: () => unknown): BpfkitError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BpfkitError) return err;
    throw err;
  }
  throw new Error('expected a BpfkitError');
}

describe('vmlinux BTF', () => {
  vmIt(`parses the running kernel's BTF into 100k+ types${skipNote}`, () => {
    const btf = loadVmlinux();
    expect(btf.count).toBeGreaterThan(50_000);
    expect(btf.header.version).toBe(1);
    expect(btf.type(0).kind).toBe('void');
    // Every type decodes and has a kind the parser knows.
    let structs = 0;
    for (const t of btf.types()) if (t.kind === 'struct') structs++;
    expect(structs).toBeGreaterThan(1000);
  });

  vmIt(`locates task_struct members${skipNote}`, () => {
    const btf = loadVmlinux();
    const task = btf.typeByName('task_struct', 'struct') as CompositeType;
    expect(task.kind).toBe('struct');
    const size = btf.sizeof(task.id);
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThan(64 * 1024);
    const pid = btf.offsetOf('task_struct.pid');
    expect(pid.typeName).toBe('pid_t');
    expect(btf.resolve(pid.type)).toMatchObject({ kind: 'int', size: 4, signed: true });
    expect(pid.size).toBe(4);
    // The offset agrees with the raw member table, counted independently of the path walker.
    const raw = task.members.find((m) => m.name === 'pid')!;
    expect(pid.bitOffset).toBe(raw.bitOffset);
    expect(pid.offset * 8).toBe(raw.bitOffset);
    const parent = btf.offsetOf('task_struct.real_parent');
    expect(parent.typeName).toBe('struct task_struct *');
    expect(parent.size).toBe(8);
    const comm = btf.offsetOf('task_struct.comm');
    expect(comm.typeName).toBe('char[16]');
    expect(btf.offsetOf('task_struct.comm[5]').offset).toBe(comm.offset + 5);
    expect(btf.offsetOf('struct task_struct.tgid').offset).toBe(btf.offsetOf('task_struct.tgid').offset);
  });

  vmIt(`follows pointers in member paths${skipNote}`, () => {
    const btf = loadVmlinux();
    const hops = btf.memberPath('task_struct', 'real_parent->tgid');
    expect(hops.map((h) => h.path)).toEqual(['real_parent', 'tgid']);
    expect(hops[0]!.offset).toBe(btf.offsetOf('task_struct.real_parent').offset);
    expect(hops[1]!.offset).toBe(btf.offsetOf('task_struct.tgid').offset);
    expect(errorOf(() => btf.offsetOf('task_struct.real_parent.pid')).message).toMatch(
      /pointer 'real_parent'/,
    );
  });

  vmIt(`reaches sock_common fields through anonymous unions${skipNote}`, () => {
    const btf = loadVmlinux();
    const dport = btf.offsetOf('sock.__sk_common.skc_dport');
    expect(dport.typeName).toBe('__be16');
    expect(dport.size).toBe(2);
    // skc_dport sits inside an anonymous union in sock_common, at the same offset seen from sock.
    expect(btf.offsetOf('sock_common.skc_dport').offset).toBe(dport.offset);
    const common = btf.typeByName('sock_common', 'struct') as CompositeType;
    expect(common.members.some((m) => m.name === 'skc_dport')).toBe(false);
    expect(btf.offsetOf('sock.__sk_common.skc_family').size).toBe(2);
  });

  vmIt(`types tcp_sock.bytes_received as u64${skipNote}`, () => {
    const btf = loadVmlinux();
    const r = btf.offsetOf('tcp_sock.bytes_received');
    expect(r.typeName).toBe('u64');
    expect(btf.resolve(r.type)).toMatchObject({ kind: 'int', size: 8, signed: false });
  });

  vmIt(`decodes sk_buff bitfields${skipNote}`, () => {
    const btf = loadVmlinux();
    const skb = btf.typeByName('sk_buff', 'struct') as CompositeType;
    const bitfields = skb.members.filter((m) => m.bitSize > 0);
    expect(bitfields.length).toBeGreaterThan(0);
    const cloned = btf.offsetOf('sk_buff.cloned');
    expect(cloned.bitSize).toBe(1);
    // The storage unit to load contains every bit of the field.
    expect(cloned.offset * 8).toBeLessThanOrEqual(cloned.bitOffset);
    expect(cloned.bitOffset + cloned.bitSize).toBeLessThanOrEqual((cloned.offset + cloned.size) * 8);
    expect(dumpType(btf, skb.id)).toMatch(/cloned:1;/);
  });

  vmIt(`reads enums both ways${skipNote}`, () => {
    const btf = loadVmlinux();
    expect(btf.enumValue('BPF_MAP_TYPE_RINGBUF')).toBe(27n);
    expect(btf.enumValue('BPF_MAP_TYPE_RINGBUF', 'bpf_map_type')).toBe(27n);
    expect(btf.enumName('bpf_map_type', 27)).toBe('BPF_MAP_TYPE_RINGBUF');
    expect(btf.enumValue('BPF_PROG_TYPE_KPROBE')).toBe(2n);
    const e = btf.enumType('bpf_map_type') as EnumType;
    expect(e.values[0]).toEqual({ name: 'BPF_MAP_TYPE_UNSPEC', value: 0n });
    const err = errorOf(() => btf.enumValue('BPF_MAP_TYPE_RINGBUFF'));
    expect(err).toBeInstanceOf(BtfError);
    expect(err.userMessage()).toContain("'BPF_MAP_TYPE_RINGBUF'");
  });

  vmIt(`reads function signatures${skipNote}`, () => {
    const btf = loadVmlinux();
    const f = btf.funcByName('tcp_v4_connect');
    expect(btf.typeName(f.returnType)).toBe('int');
    expect(f.params.map((p) => p.name)).toEqual(['sk', 'uaddr', 'addr_len']);
    expect(f.params[0]!.typeName).toBe('struct sock *');
    expect(dumpType(btf, f.id)).toBe(
      'static int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);',
    );
    const printk = btf.funcByName('_printk');
    expect(printk.variadic).toBe(true);
  });

  vmIt(`suggests close names for missing members and types${skipNote}`, () => {
    const btf = loadVmlinux();
    const err = errorOf(() => btf.offsetOf('task_struct.real_parnt'));
    expect(err).toBeInstanceOf(BtfError);
    expect(err.userMessage()).toBe(
      "struct task_struct has no member 'real_parnt' (did you mean 'real_parent'?)",
    );
    expect((err as BtfError).suggestions[0]).toBe('real_parent');
    expect(errorOf(() => btf.typeByName('task_strct')).userMessage()).toContain("'task_struct'");
    // Members of anonymous unions are suggested too.
    expect(errorOf(() => btf.offsetOf('sock_common.skc_dprt')).userMessage()).toContain("'skc_dport'");
    // A field of a named nested struct is suggested with its full path, and sk_ macros map to skc_.
    expect(errorOf(() => btf.offsetOf('sock.skc_dport')).userMessage()).toBe(
      "struct sock has no member 'skc_dport' (did you mean '__sk_common.skc_dport'?)",
    );
    expect(errorOf(() => btf.offsetOf('sock.sk_dport')).userMessage()).toContain("'__sk_common.skc_dport'");
    expect(errorOf(() => btf.offsetOf('task_struct.comm[16]')).message).toMatch(/out of range/);
    expect(errorOf(() => btf.offsetOf('task_struct.pid.x')).message).toMatch(/not a struct or union/);
  });

  vmIt(`prints C type names${skipNote}`, () => {
    const btf = loadVmlinux();
    const byName = (n: string) => btf.typeByName(n).id;
    expect(btf.typeName(byName('unsigned int'))).toBe('unsigned int');
    const ops = btf.offsetOf('file.f_op');
    expect(ops.typeName).toBe('const struct file_operations *');
    expect(btf.declaration(ops.type, 'f_op')).toBe('const struct file_operations *f_op');
    const read = btf.offsetOf('file_operations.read');
    expect(btf.declaration(read.type, 'read')).toBe(
      'ssize_t (*read)(struct file *, char *, size_t, loff_t *)',
    );
  });

  vmIt(`lists types by glob and reads raw tracepoint arguments${skipNote}`, () => {
    const btf = loadVmlinux();
    const funcs = btf.findTypes('tcp_v4_conn*', 'func').map((t) => t.name);
    expect(funcs).toContain('tcp_v4_connect');
    expect(funcs.every((n) => n.startsWith('tcp_v4_conn'))).toBe(true);
    expect(btf.findTypes('task_struct').map((t) => t.kind)).toContain('struct');
    // sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
    const args = btf.rawTracepointArgs('sched_switch').map((a) => `${a.typeName} ${a.name}`);
    expect(args.slice(0, 3)).toEqual([
      'bool preempt',
      'struct task_struct * prev',
      'struct task_struct * next',
    ]);
    expect(btf.rawTracepointArgs('sys_enter').map((a) => [a.name, a.typeName])).toEqual([
      ['regs', 'struct pt_regs *'],
      ['id', 'long int'],
    ]);
    expect(errorOf(() => btf.rawTracepointArgs('sched_swich')).userMessage()).toContain("'sched_switch'");
  });

  vmIt(`flattens sock_common with its anonymous unions${skipNote}`, () => {
    const btf = loadVmlinux();
    const flat = btf.flatMembers('sock_common');
    const dport = flat.find((m) => m.path === 'skc_dport');
    expect(dport).toMatchObject({ offset: btf.offsetOf('sock_common.skc_dport').offset, size: 2 });
    expect(flat.some((m) => m.path === '')).toBe(false);
  });

  vmIt(`copies task_struct and sock with their dependencies into a small blob${skipNote}`, () => {
    const btf = loadVmlinux();
    const b = new BtfBuilder();
    b.copy(btf, btf.typeByName('task_struct', 'struct').id);
    b.copy(btf, btf.typeByName('sock', 'struct').id);
    const copy = Btf.parse(b.build());
    expect(copy.count).toBeLessThan(btf.count / 4);
    for (const root of ['task_struct', 'sock', 'sock_common']) {
      const strip = (ms: ReturnType<Btf['flatMembers']>) => ms.map(({ type: _t, ...rest }) => rest);
      expect(strip(copy.flatMembers(root))).toEqual(strip(btf.flatMembers(root)));
    }
    expect(copy.offsetOf('task_struct.real_parent')).toMatchObject({ typeName: 'struct task_struct *' });
  });

  const bpftool = '/usr/sbin/bpftool';
  const crossIt = haveVmlinux && existsSync(bpftool) ? it : it.skip;
  crossIt(`agrees with bpftool on every type, member and enumerator${haveVmlinux ? '' : skipNote}`, () => {
    const out = execFileSync(bpftool, ['btf', 'dump', 'file', VMLINUX_BTF_PATH, 'format', 'raw'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const btf = loadVmlinux();
    let current: BtfType | undefined;
    let index = 0;
    let types = 0;
    let members = 0;
    let enumerators = 0;
    for (const line of out.split('\n')) {
      const head = /^\[(\d+)\] (\w+) '([^']*)'/.exec(line);
      if (head) {
        current = btf.type(Number(head[1]));
        index = 0;
        types++;
        expect(current.kind.toUpperCase(), line).toBe(head[2]);
        expect(current.name, line).toBe(head[3] === '(anon)' ? '' : head[3]);
        continue;
      }
      const mem = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?$/.exec(line);
      if (mem && current && (current.kind === 'struct' || current.kind === 'union')) {
        const m = current.members[index++]!;
        expect([m.name, m.type, m.bitOffset, m.bitSize], line).toEqual([
          mem[1] === '(anon)' ? '' : mem[1],
          Number(mem[2]),
          Number(mem[3]),
          Number(mem[4] ?? 0),
        ]);
        members++;
        continue;
      }
      const val = /^\t'([^']*)' val=(-?\d+)(?:ULL)?$/.exec(line);
      if (val && current && (current.kind === 'enum' || current.kind === 'enum64')) {
        const v = current.values[index++]!;
        // bpftool prints unsigned 64-bit values; compare modulo 2^64.
        expect([v.name, BigInt.asUintN(64, v.value)], line).toEqual([
          val[1],
          BigInt.asUintN(64, BigInt(val[2]!)),
        ]);
        enumerators++;
      }
    }
    expect(types).toBe(btf.count - 1);
    expect(members).toBeGreaterThan(10_000);
    expect(enumerators).toBeGreaterThan(1_000);
  });
});
