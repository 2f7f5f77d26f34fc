// calls: functions used as values — str(), buf(), ntop(), usym(), kaddr(), reg(), strncmp()...

import { r0, r1, r2, r3, r6, r10 } from '../../asm/builder.js';
import type * as A from '../ast.js';
import { X86_REGS } from '../builtins.js';
import { cSizeOf } from '../check.js';
import { ptonBytes } from '../pton.js';
import { align8, type Ty } from '../types.js';
import { stack } from './builtins.js';
import { expr, scalar } from './expressions.js';
import { type Gen, R0, type Val } from './gen.js';
import { GLOBALS_MAP, Globals } from './layout.js';

export function call(g: Gen, e: A.Call, t: Ty): Val {
  const b = g.b;
  const a = e.args;
  switch (e.name) {
    case 'str': {
      const size = t.k === 'str' ? t.size : 64;
      const at = g.ty(a[0]!);
      if (at.k === 'str') {
        const v = expr(g, a[0]!);
        if (v.at !== 'stack') throw g.err(e.pos, 'internal error');
        const n = align8(size);
        const buf = g.alloc(n, e.pos);
        g.store(v, buf, n);
        b.st('u8', r10, buf + size - 1, 0);
        for (let i = size; i < n; i++) b.st('u8', r10, buf + i, 0);
        return { at: 'stack', off: buf, size: n };
      }
      const buf = g.alloc(size, e.pos);
      scalar(g, a[0]!);
      b.mov(r3, r0);
      g.zero(buf, align8(size));
      g.stackPtr(r1, buf);
      b.mov(r2, size);
      const space = at.k === 'ptr' ? at.space : g.defaultSpace();
      b.call(space === 'user' ? 'probe_read_user_str' : 'probe_read_kernel_str');
      const ok = g.label('strok');
      b.jmp('JNE', r0, size, ok);
      b.ldMapValue(r1, GLOBALS_MAP, Globals.STR_TRUNCATED * 8);
      b.st('u64', r1, 0, 1);
      b.label(ok);
      return { at: 'stack', off: buf, size: align8(size) };
    }
    case 'buf': {
      const size = t.k === 'buf' ? t.size : 64;
      const total = 8 + align8(size);
      const buf = g.alloc(total, e.pos);
      g.zero(buf, total);
      const at = g.ty(a[0]!);
      b.st('u64', r10, buf, size);
      if (at.k === 'str') {
        // A string value is already on the stack: copy its bytes rather than read through it.
        const v = expr(g, a[0]!);
        if (v.at !== 'stack') throw g.err(e.pos, 'internal error');
        g.store(v, buf + 8, Math.min(align8(size), align8(at.size)));
        return { at: 'stack', off: buf, size: total };
      }
      scalar(g, a[0]!);
      b.mov(r3, r0);
      g.stackPtr(r1, buf + 8);
      b.mov(r2, size);
      const space =
        at.k === 'ptr' ? at.space : at.k === 'record' && at.space !== 'ctx' ? at.space : g.defaultSpace();
      b.call(space === 'user' ? 'probe_read_user' : 'probe_read_kernel');
      return { at: 'stack', off: buf, size: total };
    }
    case 'ntop': {
      const buf = g.alloc(24, e.pos);
      g.zero(buf, 24);
      const addr = a[a.length - 1]!;
      const at = g.ty(addr);
      if (at.k === 'int' || at.k === 'ptr') {
        if (a.length === 2) {
          scalar(g, a[0]!);
          b.st('u64', r10, buf, r0);
        } else b.st('u64', r10, buf, 2);
        scalar(g, addr);
        b.st('u32', r10, buf + 8, r0);
      } else {
        const v = expr(g, addr);
        // A 4-byte address (`__u8 saddr[4]`) is IPv4; 16 bytes are IPv6.
        const v4 =
          at.k === 'str' || at.k === 'bytes' ? at.size <= 4 : at.k === 'record' && cSizeOf(at.ctype) <= 4;
        if (v.at === 'stack') g.copy(buf + 8, v.off, Math.min(16, align8(v.size)));
        else {
          b.mov(r3, r0);
          g.stackPtr(r1, buf + 8);
          b.mov(r2, 16);
          b.call('probe_read_kernel');
        }
        if (a.length === 2) {
          scalar(g, a[0]!);
          b.st('u64', r10, buf, r0);
        } else b.st('u64', r10, buf, v4 ? 2 : 10);
      }
      return { at: 'stack', off: buf, size: 24 };
    }
    case 'pton': {
      const bytes = ptonBytes((a[0] as A.StrLit).value);
      if (!bytes) throw g.err(a[0]!.pos, 'internal error: pton literal');
      const off = g.alloc(16, e.pos);
      const padded = Buffer.alloc(16);
      padded.set(bytes);
      for (let i = 0; i < 16; i += 4) b.st('u32', r10, off + i, padded.readInt32LE(i));
      return { at: 'stack', off, size: align8(bytes.length) };
    }
    case 'macaddr': {
      const buf = g.alloc(8, e.pos);
      g.zero(buf, 8);
      const at = g.ty(a[0]!);
      const v = expr(g, a[0]!);
      if (v.at === 'stack') {
        g.copy(buf, v.off, 8);
        b.st('u16', r10, buf + 6, 0);
      } else {
        // r0 is the address: of a pointer's target, or of an array in the context or in memory.
        b.mov(r3, r0);
        g.stackPtr(r1, buf);
        b.mov(r2, 6);
        const space =
          at.k === 'ptr'
            ? at.space
            : at.k === 'record'
              ? at.space === 'ctx'
                ? 'kernel'
                : at.space
              : g.defaultSpace();
        b.call(space === 'user' ? 'probe_read_user' : 'probe_read_kernel');
      }
      return { at: 'stack', off: buf, size: 8 };
    }
    case 'ksym':
    case 'cgroup_path':
      // The id goes to user space, which finds its path when the value is printed.
      scalar(g, a[0]!);
      return R0;
    case 'usym': {
      const buf = g.alloc(16, e.pos);
      scalar(g, a[0]!);
      b.st('u64', r10, buf, r0);
      b.call('get_current_pid_tgid');
      b.rsh(r0, 32);
      b.st('u64', r10, buf + 8, r0);
      return { at: 'stack', off: buf, size: 16 };
    }
    case 'kstack':
    case 'ustack':
      return stack(g, t as Extract<Ty, { k: 'stack' }>, e.pos);
    case 'strftime':
      scalar(g, a[1]!);
      return R0;
    case 'cgroupid': {
      const path = (a[0] as A.StrLit).value;
      if (!g.opts.resolveCgroupId) throw g.err(e.pos, 'cgroupid() needs the running system');
      g.ldImm(r0, g.opts.resolveCgroupId(path));
      return R0;
    }
    case 'kaddr': {
      const name = (a[0] as A.StrLit).value;
      if (!g.opts.resolveKaddr) throw g.err(e.pos, 'kaddr() needs the running system');
      const addr = g.opts.resolveKaddr(name);
      if (addr === undefined) throw g.err(e.pos, `kaddr: no kernel symbol '${name}' in /proc/kallsyms`);
      g.ldImm(r0, addr);
      return R0;
    }
    case 'reg': {
      const name = (a[0] as A.StrLit).value;
      const off = X86_REGS[name];
      if (off === undefined)
        throw g.err(
          a[0]!.pos,
          `unknown register '${name}'`,
          `registers: ${Object.keys(X86_REGS).join(', ')}`,
        );
      b.ldx('u64', r0, r6, off);
      return R0;
    }
    case 'uptr':
    case 'kptr':
      // Only the checker's type changes: the address stays as it is.
      scalar(g, a[0]!);
      return R0;
    case 'bswap': {
      const at = g.ty(a[0]!);
      scalar(g, a[0]!);
      const size = at.k === 'int' ? at.size : 8;
      if (size > 1) b.bswap(r0, (size * 8) as 16 | 32 | 64);
      return R0;
    }
    case 'strncmp': {
      const n = Number(g.constInt(a[2]!));
      const l = expr(g, a[0]!);
      const r = expr(g, a[1]!);
      if (l.at !== 'stack' || r.at !== 'stack') throw g.err(e.pos, 'internal error');
      const differ = g.label('ncmp');
      const end = g.label('ncmpend');
      const lim = Math.min(n, l.size, r.size);
      for (let i = 0; i < lim; i++) {
        b.ldx('u8', r1, r10, l.off + i);
        b.ldx('u8', r2, r10, r.off + i);
        b.jmp('JNE', r1, r2, differ);
        b.jmp('JEQ', r1, 0, end);
      }
      b.mov(r0, 0);
      b.ja(`${end}_z`);
      b.label(differ);
      b.mov(r0, 1);
      b.ja(`${end}_z`);
      b.label(end);
      b.mov(r0, 0);
      b.label(`${end}_z`);
      return R0;
    }
    case 'strcontains':
      return strContains(g, e);
  }
  throw g.err(e.pos, `${e.name}() cannot be used as a value here`);
}

/**
 * strContains tries the literal needle at each start of the haystack in a bounded loop (r1 is the
 * start), comparing against immediates; a NUL in the haystack ends the search.
 */
function strContains(g: Gen, e: A.Call): Val {
  const b = g.b;
  const needle = Buffer.from((e.args[1] as A.StrLit).value);
  const h = expr(g, e.args[0]!);
  if (h.at !== 'stack') throw g.err(e.pos, 'internal error');
  const end = g.label('sconend');
  const found = g.label('sconyes');
  b.mov(r0, 1);
  if (needle.length === 0) return R0;
  b.mov(r0, 0);
  const starts = h.size - needle.length + 1;
  if (starts <= 0) return R0;
  const loop = g.label('sconloop');
  const next = g.label('sconnext');
  b.mov(r1, 0);
  b.label(loop);
  b.mov(r2, r10);
  b.add(r2, h.off);
  b.add(r2, r1);
  b.ldx('u8', r3, r2, 0);
  b.jmp('JEQ', r3, 0, end);
  needle.forEach((c, j) => {
    b.ldx('u8', r3, r2, j);
    b.jmp('JNE', r3, c, next);
  });
  b.ja(found);
  b.label(next);
  b.add(r1, 1);
  b.jmp('JLT', r1, starts, loop);
  b.ja(end);
  b.label(found);
  b.mov(r0, 1);
  b.label(end);
  return R0;
}
