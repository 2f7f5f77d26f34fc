// Code generation for trace probes: one program per probe that applies the filters and the
// predicate, then copies the header, stack ids and each format argument (8-byte numbers, or
// STRING_SIZE-byte strings) into a per-CPU buffer and sends it to the ring buffer.

import {
  type BuiltProgram,
  ProgramBuilder,
  r0,
  r1,
  r2,
  r3,
  r4,
  r6,
  r7,
  r10,
  ringbufWakeupFlags,
  wakeAtHalf,
} from '../../asm/index.js';
import type { TraceField } from '../../btf/tracefs-format.js';
import { ParseError } from '../../errors/index.js';
import { X86_REGS } from '../../lang/builtins.js';
import type { UsdtArg } from '../../lang/usdt-args.js';
import { countLost } from '../common/snippets.js';
import { type Expr, MAX_STRCMP, type ProbeSpec } from './spec.js';

/** TRACE_RING_BYTES is the size of trace's event ring buffer. */
export const TRACE_RING_BYTES = 1 << 22;

/**
 * ringBytesFor sizes the ring buffer for BCC's `-b PAGES`: BCC gives each CPU that many pages of
 * perf buffer; one ring buffer serves all CPUs here, so it gets their sum, as a power of two, never
 * less than the default and at most 1 GiB.
 */
export function ringBytesFor(pages: number | undefined, cpus: number): number {
  if (pages === undefined) return TRACE_RING_BYTES;
  const want = Math.min(pages * 4096 * cpus, 1 << 30);
  let size = TRACE_RING_BYTES;
  while (size < want) size *= 2;
  return size;
}

/** STRING_SIZE is the bytes copied for each %s argument unless -Z says otherwise (BCC's default). */
export const STRING_SIZE = 80;

/** TRACE_HEADER is the record header every probe writes before its arguments. */
export const TRACE_HEADER = {
  tsNs: 0,
  tgid: 8,
  tid: 12,
  cpu: 16,
  probe: 20,
  kstack: 24,
  ustack: 28,
  comm: 32,
  size: 48,
} as const;

// x86_64 struct pt_regs: the System V argument registers and the return value.
const PT_REGS_ARGS = [112, 104, 96, 88, 72, 64];
const PT_REGS_RC = 80;
const BPF_F_USER_STACK = 1 << 8;
const FP_SLOTS = -8; // expression slots grow down from here, 8 bytes each
const FP_ZERO = -260;
const FP_REC = -272;
const FP_STRCMP = FP_REC - 8 - (MAX_STRCMP + 8); // STRCMP's haystack: the literal and its NUL
const FP_USDT = FP_STRCMP - 8; // a USDT argument read from user memory

/** ArgSlot says where one argument lives in the record and how to print it. */
export interface ArgSlot {
  offset: number;
  string: boolean;
  /** size is the slot's bytes: 8 for a number, the string size for %s. */
  size: number;
}

/** ProbeLayout is a probe's record: its size and argument slots. */
export interface ProbeLayout {
  size: number;
  args: ArgSlot[];
}

/** CodegenOptions are the run's filters. */
export interface CodegenOptions {
  index: number;
  pid?: number | undefined;
  tid?: number | undefined;
  /** skipTgid drops events of this process: trace's own, unless -S (BCC's --include-self). */
  skipTgid?: number | undefined;
  /** uid keeps only events of this user (--uid). */
  uid?: number | undefined;
  cgroup?: boolean;
  /** stringSize is the bytes read for each %s (-Z). */
  stringSize?: number | undefined;
  kernelStack?: boolean;
  userStack?: boolean;
  /** fields resolves args->name for a tracepoint; undefined for other probes. */
  fields?: (name: string, at: number) => TraceField;
  /** userStrings says pointer strings default to user memory (uprobes, syscall tracepoints). */
  userStrings: boolean;
  /** usdtArgs are the SDT site's arguments when the probe is a USDT probe: argN reads them. */
  usdtArgs?: UsdtArg[];
  /** ringBytes is the event ring buffer's size (TRACE_RING_BYTES unless -b asks for more). */
  ringBytes?: number;
  /** file names the probe in errors ("probe 2"). */
  file?: string;
  /** binaryCompare makes STRCMP compare the literal's bytes only, as BCC's -B does. */
  binaryCompare?: boolean;
}

/** typeBits is the width of a C integer type as the tracefs format names it (64 when unknown). */
export function typeBits(type: string): number {
  const t = type.replace(/\b(const|volatile|signed|__user)\b/g, '').trim();
  if (/\*/.test(t)) return 64;
  if (/^(unsigned )?char$|^(__)?[us]8$/.test(t)) return 8;
  if (/^(unsigned )?short( int)?$|^(__)?[us]16$|^umode_t$/.test(t)) return 16;
  if (
    /^(unsigned )?int$|^unsigned$|^(__)?[us]32$|^(pid_t|uid_t|gid_t|key_serial_t|qid_t|clockid_t|timer_t|mqd_t|rwf_t)$/.test(
      t,
    )
  )
    return 32;
  return 64;
}

/** typeSigned says a C integer type is signed: syscall formats mark `int dfd` unsigned (signed:0). */
export function typeSigned(type: string): boolean {
  const t = type.replace(/\b(const|volatile|__user)\b/g, '').trim();
  return /^(signed )?(int|long|short|long long|s8|s16|s32|s64|__s8|__s16|__s32|__s64|pid_t|key_serial_t|clockid_t|timer_t|mqd_t|rwf_t)$/.test(
    t,
  );
}

/** unsignedCompare says a comparison is unsigned: one side is cast to a 64-bit unsigned type. */
function unsignedCompare(l: Expr, r: Expr): boolean {
  return [l, r].some((e) => e.type === 'cast' && e.bits === 64 && !e.signed);
}

/**
 * ctxStringAddress puts into r3 the address of a tracepoint's string field (ctx in r6): a char[] in
 * the record, or a __data_loc/__rel_loc whose low 16 bits are the offset (from the field's end for
 * rel_loc). Clobbers r1.
 */
function ctxStringAddress(b: ProgramBuilder, f: TraceField): void {
  b.mov(r3, r6);
  if (!f.dataLoc) {
    b.add(r3, f.offset);
    return;
  }
  b.ldx('u32', r1, r6, f.offset).and(r1, 0xffff);
  if (f.dataLoc === 'rel_loc') b.add(r1, f.offset + 4);
  b.add(r3, r1);
}
/** isStringArg says whether a %s argument can be read as a string, and how. */
function stringSource(e: Expr, o: CodegenOptions): 'ctx-array' | 'ctx-dataloc' | 'pointer' | undefined {
  if (e.type === 'field') {
    const f = o.fields!(e.name, e.at);
    if (f.dataLoc) return 'ctx-dataloc';
    if (f.arrayLength !== undefined) return 'ctx-array';
    return f.size === 8 ? 'pointer' : undefined;
  }
  if (e.type === 'arg' || e.type === 'retval' || (e.type === 'cast' && e.bits === 64)) return 'pointer';
  return undefined;
}

/** layoutOf computes a probe's record layout from its format's conversions. */
export function layoutOf(stringArgs: boolean[], stringSize = STRING_SIZE): ProbeLayout {
  let off = TRACE_HEADER.size;
  const args = stringArgs.map((s) => {
    const slot = { offset: off, string: s, size: s ? stringSize : 8 };
    // Keep every number slot 8-byte aligned after an odd-sized string.
    off += s ? (stringSize + 7) & ~7 : 8;
    return slot;
  });
  return { size: off, args };
}

/** generateProbe builds one probe's program; `stringArgs` marks its %s arguments. */
export function generateProbe(
  spec: ProbeSpec,
  stringArgs: boolean[],
  o: CodegenOptions,
): { insns: BuiltProgram; layout: ProbeLayout } {
  const layout = layoutOf(stringArgs, o.stringSize);
  const b = new ProgramBuilder().mov(r6, r1);
  let labels = 0;
  const label = (p: string): string => `${p}_${labels++}`;
  const fail = (msg: string, at: number): never => {
    throw new ParseError(msg, { file: o.file ?? 'probe', line: 1, column: at + 1, sourceLine: spec.text });
  };

  const slot = (d: number): number => FP_SLOTS - 8 * d;
  const loadField = (f: TraceField, at: number): void => {
    if (f.arrayLength !== undefined || f.dataLoc)
      fail(`args->${f.name} is a string or an array: compare it with STRCMP("text", args->${f.name})`, at);
    if (![1, 2, 4, 8].includes(f.size)) fail(`args->${f.name} (${f.type}) is not a number`, at);
    const width = ({ 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as const)[f.size as 1 | 2 | 4 | 8];
    b.ldx(width, r1, r6, f.offset);
    // Syscall tracepoints store every argument in 8 bytes: the C type says how many of them count.
    const bits = Math.min(f.size * 8, typeBits(f.type));
    if (bits < 64 && (f.signed || typeSigned(f.type))) b.movsx(r1, r1, bits as 8 | 16 | 32);
    else if (bits === 32) b.mov32(r1, r1);
    else if (bits < 32) b.and(r1, (1 << bits) - 1);
  };
  // stringAddress puts the address of the string `e` names into r3 (using slot d), or fails.
  const stringAddress = (e: Expr, d: number, what: string): void => {
    const src = stringSource(e, o);
    if (!src) fail(`${what} needs a string: args->field of char[] or a pointer, argN or retval`, e.at);
    if (src === 'ctx-array' || src === 'ctx-dataloc') {
      ctxStringAddress(b, o.fields!((e as { name: string }).name, e.at));
      return;
    }
    emit(e, d);
    b.ldx('u64', r3, r10, slot(d));
  };
  // usdtArg loads SDT argument n into r1: a register of pt_regs, user memory at reg+offset, or a
  // constant, cut to its size and sign-extended when the note marks it signed.
  const usdtArg = (n: number, at: number): void => {
    const all = o.usdtArgs!;
    const a = all[n - 1];
    if (!a) {
      fail(`this USDT probe has ${all.length} argument${all.length === 1 ? '' : 's'}`, at);
      return;
    }
    if (a.kind === 'const') b.ld64(r1, BigInt.asUintN(64, a.value));
    else if (a.kind === 'reg') b.ldx('u64', r1, r6, X86_REGS[a.reg]!);
    else {
      b.st('u64', r10, FP_USDT, 0)
        .mov(r1, r10)
        .add(r1, FP_USDT)
        .mov(r2, a.size)
        .ldx('u64', r3, r6, X86_REGS[a.reg]!)
        .add(r3, a.offset)
        .call('probe_read_user')
        .ldx('u64', r1, r10, FP_USDT);
    }
    if (a.size < 8) {
      b.lsh(r1, 64 - a.size * 8);
      if (a.signed) b.alu64('ARSH', r1, 64 - a.size * 8);
      else b.rsh(r1, 64 - a.size * 8);
    }
  };
  const emit = (e: Expr, d: number): void => {
    if (d > 24) fail('expression too deep', e.at);
    switch (e.type) {
      case 'num':
        b.ld64(r1, BigInt.asUintN(64, e.value));
        break;
      case 'field':
        loadField(o.fields!(e.name, e.at), e.at);
        break;
      case 'arg':
        if (o.usdtArgs) usdtArg(e.n, e.at);
        else b.ldx('u64', r1, r6, PT_REGS_ARGS[e.n - 1]!);
        break;
      case 'retval':
        b.ldx('u64', r1, r6, PT_REGS_RC);
        break;
      case 'special':
        if (e.name === 'cpu') b.call('get_smp_processor_id').mov(r1, r0);
        else if (e.name === 'task') b.call('get_current_task').mov(r1, r0);
        else if (e.name === 'uid' || e.name === 'gid') {
          b.call('get_current_uid_gid').mov(r1, r0);
          if (e.name === 'gid') b.rsh(r1, 32);
          else b.mov32(r1, r1);
        } else {
          b.call('get_current_pid_tgid').mov(r1, r0);
          if (e.name === 'tgid') b.rsh(r1, 32);
          else b.mov32(r1, r1);
        }
        break;
      case 'cast':
        emit(e.e, d);
        b.ldx('u64', r1, r10, slot(d));
        if (e.bits < 64 && e.signed) b.movsx(r1, r1, e.bits as 8 | 16 | 32);
        else if (e.bits === 32) b.mov32(r1, r1);
        else if (e.bits < 32) b.and(r1, (1 << e.bits) - 1);
        break;
      case 'strcmp': {
        // BCC reads the literal's length and compares a prefix; here the NUL must match too, so
        // STRCMP("cat", ...) is not true for "catalog" (-B compares the literal's bytes only).
        // A _str read of n bytes ends in a NUL even when cut short: read one more than is compared.
        const n = o.binaryCompare ? e.literal.length : e.literal.length + 2;
        const want = o.binaryCompare ? e.literal : Uint8Array.from([...e.literal, 0]);
        const user = e.user || (o.userStrings && stringSource(e.e, o) === 'pointer');
        const f = label('streq');
        const t = label('streq');
        stringAddress(e.e, d, 'STRCMP');
        b.mov(r1, r10).add(r1, FP_STRCMP).mov(r2, n);
        if (o.binaryCompare) b.call(user ? 'probe_read_user' : 'probe_read_kernel');
        else b.call(user ? 'probe_read_user_str' : 'probe_read_kernel_str');
        b.jmp('JSLT', r0, 0, f);
        want.forEach((c, k) => {
          b.ldx('u8', r1, r10, FP_STRCMP + k).jmp('JNE', r1, c, f);
        });
        b.mov(r1, 1).ja(t).label(f).mov(r1, 0).label(t);
        break;
      }
      case 'deref': {
        // Read through the pointer from the memory the probe's strings come from, as BCC's C does.
        emit(e.e, d);
        const bytes = e.bits / 8;
        b.st('u64', r10, FP_USDT, 0)
          .mov(r1, r10)
          .add(r1, FP_USDT)
          .mov(r2, bytes)
          .ldx('u64', r3, r10, slot(d))
          .call(o.userStrings ? 'probe_read_user' : 'probe_read_kernel')
          .ldx('u64', r1, r10, FP_USDT);
        if (e.bits < 64 && e.signed) b.movsx(r1, r1, e.bits as 8 | 16 | 32);
        break;
      }
      case 'unary':
        emit(e.e, d);
        b.ldx('u64', r1, r10, slot(d));
        if (e.op === '-') b.neg(r1);
        else if (e.op === '~') b.alu64('XOR', r1, -1);
        else {
          const t = label('not');
          b.mov(r2, r1).mov(r1, 1).jmp('JEQ', r2, 0, t).mov(r1, 0).label(t);
        }
        break;
      case 'binary': {
        emit(e.l, d);
        emit(e.r, d + 1);
        b.ldx('u64', r1, r10, slot(d)).ldx('u64', r2, r10, slot(d + 1));
        const cmp = {
          '==': 'JEQ',
          '!=': 'JNE',
          '<': 'JSLT',
          '<=': 'JSLE',
          '>': 'JSGT',
          '>=': 'JSGE',
        } as const;
        if (e.op in cmp) {
          const t = label('cmp');
          // Signed, unless a side is cast to a 64-bit unsigned type, as C compares them.
          const op = unsignedCompare(e.l, e.r)
            ? (cmp[e.op as keyof typeof cmp].replace('JS', 'J') as
                | 'JLT'
                | 'JLE'
                | 'JGT'
                | 'JGE'
                | 'JEQ'
                | 'JNE')
            : cmp[e.op as keyof typeof cmp];
          b.mov(r3, 1).jmp(op, r1, r2, t).mov(r3, 0).label(t).mov(r1, r3);
        } else if (e.op === '&&' || e.op === '||') {
          const t = label('bool');
          // Both sides are plain loads with no side effects: no need to short-circuit.
          b.mov(r3, 0);
          if (e.op === '&&') b.jmp('JEQ', r1, 0, t).jmp('JEQ', r2, 0, t);
          else b.or(r1, r2).jmp('JEQ', r1, 0, t);
          b.mov(r3, 1).label(t).mov(r1, r3);
        } else {
          const alu = {
            '|': 'OR',
            '^': 'XOR',
            '&': 'AND',
            '+': 'ADD',
            '-': 'SUB',
            '*': 'MUL',
            // Unsigned, as BPF divides; x / 0 is 0 and x % 0 is x (BPF's rules) instead of a trap.
            '/': 'DIV',
            '%': 'MOD',
            '<<': 'LSH',
            '>>': 'ARSH',
          } as const;
          b.alu64(alu[e.op as keyof typeof alu], r1, r2);
        }
        break;
      }
    }
    b.st('u64', r10, slot(d), r1);
  };

  b.call('get_current_pid_tgid').mov(r7, r0);
  if (o.pid) b.mov(r1, r7).rsh(r1, 32).jmp('JNE', r1, o.pid, 'out');
  if (o.tid) b.mov32(r1, r7).jmp('JNE', r1, o.tid, 'out');
  if (o.skipTgid) b.mov(r1, r7).rsh(r1, 32).jmp('JEQ', r1, o.skipTgid, 'out');
  if (o.uid !== undefined) b.call('get_current_uid_gid').mov32(r1, r0).jmp('JNE', r1, o.uid, 'out');
  if (o.cgroup) b.ldMap(r1, 'cgroup').mov(r2, 0).call('current_task_under_cgroup').jmp('JNE', r0, 1, 'out');
  if (spec.predicate) {
    emit(spec.predicate, 0);
    b.ldx('u64', r1, r10, slot(0)).jmp('JEQ', r1, 0, 'out');
  }
  // Numbers are computed before the record is taken, into stack slots 0..n-1 (r7 is kept).
  spec.args.forEach((a, k) => {
    if (!stringArgs[k]) emit(a.expr, k);
    else if (!stringSource(a.expr, o))
      fail('%s needs a string: args->field of char[] or a pointer, argN or retval', a.expr.at);
  });
  const H = TRACE_HEADER;
  b.st('u32', r10, FP_ZERO, 0)
    .ldMap(r1, 'heap')
    .mov(r2, r10)
    .add(r2, FP_ZERO)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r4, r0)
    // r4 is caller-saved: keep the record pointer in the stack slot below the expressions.
    .st('u64', r10, FP_REC, r4)
    .call('ktime_get_ns')
    .ldx('u64', r4, r10, FP_REC)
    .st('u64', r4, H.tsNs, r0)
    .mov(r1, r7)
    .rsh(r1, 32)
    .st('u32', r4, H.tgid, r1)
    .st('u32', r4, H.tid, r7)
    .st('u32', r4, H.probe, o.index)
    .st('u32', r4, H.kstack, -1)
    .st('u32', r4, H.ustack, -1)
    .call('get_smp_processor_id')
    .ldx('u64', r4, r10, FP_REC)
    .st('u32', r4, H.cpu, r0)
    .mov(r1, r4)
    .add(r1, H.comm)
    .mov(r2, 16)
    .call('get_current_comm');
  const reload = (): void => {
    b.ldx('u64', r4, r10, FP_REC);
  };
  if (o.kernelStack) {
    b.mov(r1, r6).ldMap(r2, 'stacks').mov(r3, 0).call('get_stackid');
    reload();
    b.st('u32', r4, H.kstack, r0);
  }
  if (o.userStack) {
    b.mov(r1, r6).ldMap(r2, 'stacks').mov(r3, BPF_F_USER_STACK).call('get_stackid');
    reload();
    b.st('u32', r4, H.ustack, r0);
  }
  spec.args.forEach((a, k) => {
    const at = layout.args[k]!.offset;
    reload();
    if (!stringArgs[k]) {
      b.ldx('u64', r1, r10, slot(k)).st('u64', r4, at, r1);
      return;
    }
    const src = stringSource(a.expr, o)!;
    b.st('u8', r4, at, 0);
    if (src === 'ctx-array' || src === 'ctx-dataloc') {
      ctxStringAddress(b, o.fields!((a.expr as { name: string }).name, a.expr.at));
      b.mov(r1, r4).add(r1, at).mov(r2, layout.args[k]!.size).call('probe_read_kernel_str');
      return;
    }
    emit(a.expr, spec.args.length);
    reload();
    b.ldx('u64', r3, r10, slot(spec.args.length))
      .mov(r1, r4)
      .add(r1, at)
      .mov(r2, layout.args[k]!.size)
      .call(a.user || o.userStrings ? 'probe_read_user_str' : 'probe_read_kernel_str');
  });
  // No wake-up per event: the reader drains on a timer and is woken only once the ring is half full.
  ringbufWakeupFlags(b, 'events', wakeAtHalf(o.ringBytes ?? TRACE_RING_BYTES), r4);
  b.ldx('u64', r2, r10, FP_REC)
    .ldMap(r1, 'events')
    .mov(r3, layout.size)
    .call('ringbuf_output')
    .jmp('JEQ', r0, 0, 'out');
  countLost(b, 'lost');
  return { insns: b.label('out').mov(r0, 0).exit().build(), layout };
}
