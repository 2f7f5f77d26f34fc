// builtins: the values of bpftrace's builtin variables (pid, comm, argN, kstack...) read in a probe.

import { r0, r1, r2, r3, r6, r10 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { ARG_REGS, X86_REGS } from '../builtins.js';
import { retvalOffset, type Ty } from '../types.js';
import { parseUsdtArgs, type UsdtArg } from '../usdt-args.js';
import { strConst } from './expressions.js';
import { type Gen, R0, type Val } from './gen.js';
import { GLOBALS_MAP, Globals, stacksRef } from './layout.js';

const BPF_F_USER_STACK = 256;

export function builtin(g: Gen, e: A.Builtin, t: Ty): Val {
  const b = g.b;
  const n = e.name;
  const constant = g.v.consts.get(e);
  if (constant !== undefined) {
    g.ldImm(r0, constant);
    return R0;
  }
  if (/^arg\d+$/.test(n)) {
    const i = Number(n.slice(3));
    if (g.spec.type === 'rawtracepoint') b.ldx('u64', r0, r6, i * 8);
    else if (g.spec.type === 'usdt' && g.spec.usdtArgs !== undefined)
      usdtArg(g, parseUsdtArgs(g.spec.usdtArgs)[i]!, e.pos);
    else b.ldx('u64', r0, r6, X86_REGS[ARG_REGS[i]!]!);
    return R0;
  }
  switch (n) {
    case 'pid':
    case 'tid':
      b.call('get_current_pid_tgid');
      if (n === 'pid') b.rsh(r0, 32);
      else b.mov32(r0, r0);
      return R0;
    case 'uid':
    case 'gid':
    case 'username':
      b.call('get_current_uid_gid');
      if (n === 'gid') b.rsh(r0, 32);
      else b.mov32(r0, r0);
      return R0;
    case 'nsecs':
      b.call('ktime_get_ns');
      return R0;
    case 'cpid':
      b.ldMapValue(r1, GLOBALS_MAP, Globals.CPID * 8);
      b.ldx('u64', r0, r1, 0);
      return R0;
    case 'elapsed':
      b.call('ktime_get_ns');
      b.ldMapValue(r1, GLOBALS_MAP, Globals.START * 8);
      b.ldx('u64', r1, r1, 0);
      b.sub(r0, r1);
      return R0;
    case 'cpu':
      b.call('get_smp_processor_id');
      return R0;
    case 'numaid':
      b.call('get_numa_node_id');
      return R0;
    case 'rand':
      b.call('get_prandom_u32');
      return R0;
    case 'jiffies':
      b.call('jiffies64');
      return R0;
    case 'cgroup':
      b.call('get_current_cgroup_id');
      return R0;
    case 'curtask':
      b.call('get_current_task');
      return R0;
    case 'ctx':
      b.mov(r0, r6);
      return R0;
    case 'retval':
      if (g.v.func) {
        // fexit's context is the parameters' u64 slots followed by the return value.
        b.ldx('u64', r0, r6, retvalOffset(g.v.func));
        if (t.k === 'int' && t.size < 8) g.truncate(t.size, t.signed);
      } else b.ldx('u64', r0, r6, X86_REGS.ax!);
      return R0;
    case 'comm': {
      const off = g.alloc(16, e.pos);
      g.stackPtr(r1, off);
      b.mov(r2, 16);
      b.call('get_current_comm');
      return { at: 'stack', off, size: 16 };
    }
    case 'probe': {
      // A shared program's attach points each carry their probeNames index as cookie (run.ts).
      if (g.v.byCookie) {
        b.mov(r1, r6);
        b.call('get_attach_cookie');
        return R0;
      }
      b.mov(r0, probeId(g.out.probeNames, g.spec.name));
      return R0;
    }
    case 'func':
      return strConst(g, g.spec.func, t.k === 'str' ? t.size : 64, e.pos);
    case 'kstack':
    case 'ustack':
      return stack(g, t as Extract<Ty, { k: 'stack' }>, e.pos);
    case 'args':
      b.mov(r0, r6);
      return R0;
  }
  throw g.err(e.pos, `${n} is not supported by the code generator yet`);
}

/** probeId is `name`'s index in probeNames, added on first use: the value `probe` evaluates to. */
export function probeId(probeNames: string[], name: string): number {
  const id = probeNames.indexOf(name);
  return id >= 0 ? id : probeNames.push(name) - 1;
}

export function stack(g: Gen, t: Extract<Ty, { k: 'stack' }>, pos: number): Val {
  const b = g.b;
  const map = stacksRef(t.limit);
  g.stackUsed.add(map);
  const buf = g.alloc(16, pos);
  b.mov(r1, r6);
  b.ldMap(r2, map);
  b.mov(r3, t.user ? BPF_F_USER_STACK : 0);
  b.call('get_stackid');
  b.st('u64', r10, buf, r0);
  if (t.user) {
    b.call('get_current_pid_tgid');
    b.rsh(r0, 32);
    b.st('u64', r10, buf + 8, r0);
  } else b.st('u64', r10, buf + 8, 0);
  return { at: 'stack', off: buf, size: 16 };
}

/** usdtArg loads one SDT argument into r0: a register of pt_regs, user memory, or a constant. */
export function usdtArg(g: Gen, a: UsdtArg, pos: number): void {
  const b = g.b;
  if (a.kind === 'const') {
    g.ldImm(r0, a.value);
    return;
  }
  if (a.kind === 'reg') b.ldx('u64', r0, r6, X86_REGS[a.reg]!);
  else {
    const tmp = g.alloc(8, pos);
    b.st('u64', r10, tmp, 0);
    g.stackPtr(r1, tmp);
    b.mov(r2, a.size);
    b.ldx('u64', r3, r6, X86_REGS[a.reg]!);
    b.add(r3, a.offset);
    b.call('probe_read_user');
    b.ldx('u64', r0, r10, tmp);
  }
  if (a.size < 8) {
    // Keep only the argument's own bytes, sign-extended when the spec says signed.
    b.lsh(r0, 64 - a.size * 8);
    if (a.signed) b.alu64('ARSH', r0, 64 - a.size * 8);
    else b.rsh(r0, 64 - a.size * 8);
  }
}
