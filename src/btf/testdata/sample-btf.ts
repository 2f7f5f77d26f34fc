// sample: a small BTF blob with every kind, for the btf tests and the fuzzer.

import { BtfBuilder } from '../encode.js';

/** sample builds a small BTF with every kind, bitfields, anonymous unions, arrays and pointers. */
export function sample() {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const uint = b.int('unsigned int', 4);
  const char = b.int('char', 1, { char: true });
  const u8 = b.int('unsigned char', 1);
  const u64 = b.int('long long unsigned int', 8);
  const be16 = b.typedef('__be16', b.int('short unsigned int', 2));
  const dbl = b.float('double', 8);
  const cchar = b.modifier('const', char);
  const ccharp = b.ptr(cchar);
  const comm = b.array(char, 16, int);
  const fwd = b.fwd('later');
  const node = b.struct('node', 16, []);
  const anonInner = b.struct('', 4, [
    { name: 'dport', type: be16, bitOffset: 0 },
    { name: 'num', type: be16, bitOffset: 16 },
  ]);
  const anonUnion = b.composite('union', '', 4, [
    { name: 'portpair', type: uint, bitOffset: 0 },
    { name: '', type: anonInner, bitOffset: 0 },
  ]);
  const taskPtr = b.ptr(0); // points at struct task once it exists
  const proto = b.funcProto(int, [
    { name: 'sk', type: taskPtr },
    { name: 'len', type: int },
  ]);
  const fnPtr = b.ptr(proto);
  const task = b.struct('task', 64, [
    { name: 'pid', type: int, bitOffset: 0 },
    { name: 'flags', type: uint, bitOffset: 32, bitSize: 3 },
    { name: 'dead', type: uint, bitOffset: 35, bitSize: 1 },
    { name: 'comm', type: comm, bitOffset: 64 },
    { name: '', type: anonUnion, bitOffset: 192 },
    { name: 'parent', type: taskPtr, bitOffset: 256 },
    { name: 'bytes', type: u64, bitOffset: 320 },
    { name: 'name', type: ccharp, bitOffset: 384 },
    { name: 'cb', type: fnPtr, bitOffset: 448 },
  ]);
  const e = b.enum(
    'color',
    4,
    [
      { name: 'RED', value: 0 },
      { name: 'GREEN', value: 27 },
      { name: 'NEG', value: -1 },
    ],
    true,
  );
  const e64 = b.enum('big', 8, [{ name: 'HUGE', value: 0xffff_ffff_0000_0001n }]);
  const func = b.func('do_thing', proto, 'static');
  const vproto = b.funcProto(int, [
    { name: 'fmt', type: ccharp },
    { name: '', type: 0 },
  ]);
  const printk = b.func('printk', vproto, 'global');
  const v = b.variable('counter', int);
  const sec = b.datasec('.data', 4, [{ type: v, offset: 0, size: 4 }]);
  const tag = b.declTag('user', task, 0);
  const tt = b.typeTag('percpu', int);
  const vol = b.modifier('volatile', int);
  const restr = b.modifier('restrict', ccharp);
  const td = b.typedef('task_t', task);
  b.setType(taskPtr, task);
  const ids = {
    int,
    uint,
    char,
    u8,
    u64,
    be16,
    dbl,
    cchar,
    ccharp,
    comm,
    fwd,
    node,
    anonInner,
    anonUnion,
    taskPtr,
    proto,
    fnPtr,
    task,
    e,
    e64,
    func,
    vproto,
    printk,
    v,
    sec,
    tag,
    tt,
    vol,
    restr,
    td,
  };
  return { bytes: b.build(), ids };
}
