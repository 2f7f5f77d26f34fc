// FakeTypeSource: a TypeSource with a few real tracepoint formats and structs, for compiler tests
// that run without tracefs or BTF.

import type { CMember, CType, KernelFunc, TracepointField, TypeSource } from './types.js';

const f = (type: string, offset: number, size: number, signed = false): TracepointField => ({
  name: /([A-Za-z_]\w*)\s*(\[\d*\])?\s*$/.exec(type)![1]!,
  type,
  offset,
  size,
  signed,
});

const FORMATS: Record<string, TracepointField[]> = {
  'syscalls:sys_enter_openat': [
    f('int __syscall_nr', 8, 4, true),
    f('int dfd', 16, 8),
    f('const char * filename', 24, 8),
    f('int flags', 32, 8),
    f('umode_t mode', 40, 8),
  ],
  'syscalls:sys_exit_openat': [f('int __syscall_nr', 8, 4, true), f('long ret', 16, 8, true)],
  'syscalls:sys_enter_read': [
    f('int __syscall_nr', 8, 4, true),
    f('unsigned int fd', 16, 8),
    f('char * buf', 24, 8),
    f('size_t count', 32, 8),
  ],
  'syscalls:sys_exit_read': [f('int __syscall_nr', 8, 4, true), f('long ret', 16, 8, true)],
  'sched:sched_process_exec': [
    f('__data_loc char[] filename', 8, 4),
    f('pid_t pid', 12, 4, true),
    f('pid_t old_pid', 16, 4, true),
  ],
  'sched:sched_switch': [
    f('char prev_comm[16]', 8, 16),
    f('pid_t prev_pid', 24, 4, true),
    f('int prev_prio', 28, 4, true),
    f('long prev_state', 32, 8, true),
    f('char next_comm[16]', 40, 16),
    f('pid_t next_pid', 56, 4, true),
    f('int next_prio', 60, 4, true),
  ],
  'raw_syscalls:sys_enter': [f('long id', 8, 8, true), f('unsigned long args[6]', 16, 48)],
  'sock:inet_sock_set_state': [
    f('const void * skaddr', 8, 8),
    f('int oldstate', 16, 4, true),
    f('int newstate', 20, 4, true),
  ],
};

const int = (name: string, size: number, signed: boolean): CType => ({ kind: 'int', name, size, signed });
const m = (name: string, offset: number, type: CType): CMember => ({
  name,
  offset,
  type,
  bitOffset: offset * 8,
  bitSize: 0,
});

const structs = new Map<string, CType>();
const struct = (name: string, size: number, members: () => CMember[]): CType => {
  const t: CType = { kind: 'struct', name, size, members };
  structs.set(name, t);
  return t;
};
const ptr = (name: string): CType => ({ kind: 'ptr', name: `${name} *`, target: () => structs.get(name)! });

struct('struct task_struct', 9000, () => [
  m('pid', 2456, int('pid_t', 4, true)),
  m('tgid', 2460, int('pid_t', 4, true)),
  m('real_parent', 2472, ptr('struct task_struct')),
  m('comm', 3000, { kind: 'array', name: 'char[16]', elem: int('char', 1, true), len: 16 }),
]);
struct('struct sock_common', 136, () => [
  m('', 0, {
    kind: 'struct',
    name: 'union {...}',
    size: 8,
    members: () => [m('skc_addrpair', 0, int('u64', 8, false))],
  }),
  m('skc_dport', 12, int('__be16', 2, false)),
  m('skc_num', 14, int('__u16', 2, false)),
  m('skc_family', 16, int('unsigned short', 2, false)),
]);
struct('struct sock', 1000, () => [
  m('__sk_common', 0, structs.get('struct sock_common')!),
  m('sk_rcvbuf', 300, int('int', 4, true)),
]);

// int tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size), for fentry/fexit.
const FUNCS: Record<string, KernelFunc> = {
  tcp_sendmsg: {
    name: 'tcp_sendmsg',
    btfId: 4242,
    module: '',
    params: [
      { name: 'sk', type: ptr('struct sock') },
      { name: 'msg', type: { kind: 'ptr', name: 'struct msghdr *', target: () => ({ kind: 'void' }) } },
      { name: 'size', type: int('size_t', 8, false) },
    ],
    ret: int('int', 4, true),
  },
};

/** fakeTypeSource returns the fake; its tracepoints are the FORMATS keys plus a few without formats. */
export const fakeTypeSource: TypeSource = {
  tracepointFields: (cat, ev) => FORMATS[`${cat}:${ev}`],
  tracepoints: () => [...Object.keys(FORMATS), 'syscalls:sys_enter_close', 'syscalls:sys_enter_write'],
  cType: (name) => structs.get(name),
  kernelFunctions: () => Object.keys(FUNCS),
  kernelFunction: (name, module) => (module ? undefined : FUNCS[name]),
};
