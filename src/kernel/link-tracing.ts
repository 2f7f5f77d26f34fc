// fentry/fexit links (program type tracing, Linux 5.5): BPF trampolines on a kernel function found by
// name in vmlinux BTF. They do not need kprobes, but do need the kernel's trampoline support, which
// `tracingSupported()` probes by trying it.

import { existsSync } from 'node:fs';
import { ProgramBuilder, r0 } from '../asm/index.js';
import { type Btf, loadVmlinux } from '../btf/index.js';
import { BpfkitError, NotSupportedError } from '../errors/index.js';
import { rawTracepointOpen } from '../sys/bpf.js';
import { AttachType } from '../sys/bpf-cmd.js';
import { SysError } from '../sys/errno.js';
import { Link, type ProgramLike } from './link.js';
import { Program } from './program.js';
import { ensureTracefs } from './tracefs-mount.js';

/** TracingKind is where the trampoline runs the program: on entry or on return. */
export type TracingKind = 'fentry' | 'fexit';

let vmlinux: Btf | undefined;

/**
 * tracingTarget returns the load-time attributes of an fentry/fexit program for kernel function `fn`:
 * spread it into Program.load's spec. An unknown function names the closest ones.
 */
export function tracingTarget(
  fn: string,
  kind: TracingKind,
): { type: 'tracing'; attachBtfId: number; expectedAttachType: number } {
  vmlinux ??= loadVmlinux();
  let id: number;
  try {
    id = vmlinux.funcByName(fn).id;
  } catch (err) {
    if (err instanceof BpfkitError) throw err;
    throw new BpfkitError(`kernel function ${fn} is not in vmlinux BTF`, { cause: err });
  }
  return {
    type: 'tracing',
    attachBtfId: id,
    expectedAttachType: kind === 'fentry' ? AttachType.TRACE_FENTRY : AttachType.TRACE_FEXIT,
  };
}

/** attachTracing attaches a loaded fentry/fexit program; its target was fixed at load time. */
export function attachTracing(prog: ProgramLike, kind: TracingKind, fn: string): Link {
  try {
    return new Link(kind, fn, [rawTracepointOpen(prog.fd, undefined)]);
  } catch (err) {
    if (err instanceof SysError && ['ENOTSUPP', 'EOPNOTSUPP', 'ENODEV'].includes(err.code)) {
      throw tracingUnsupported(kind, fn, err);
    }
    throw err;
  }
}

/**
 * tracepointAlternative names the syscall tracepoint that most likely serves a kernel function
 * (vfs_read, ksys_read, __x64_sys_read → syscalls:sys_enter_read, or sys_exit_read for fexit), when
 * this kernel has it; otherwise the generic advice.
 */
export function tracepointAlternative(kind: TracingKind, fn: string): string {
  const base = fn.replace(/^(__x64_sys_|__ia32_sys_|__se_sys_|__do_sys_|do_sys_|ksys_|sys_|vfs_)/, '');
  const event = `${kind === 'fexit' ? 'sys_exit' : 'sys_enter'}_${base}`;
  try {
    if (/^\w+$/.test(base) && existsSync(`${ensureTracefs()}/events/syscalls/${event}`)) {
      return `use tracepoint:syscalls:${event} or rawtracepoint:… instead`;
    }
  } catch {
    // No tracefs: the generic advice below still holds.
  }
  return 'use tracepoint:… or rawtracepoint:… instead';
}

function tracingUnsupported(kind: TracingKind, fn: string, cause?: unknown): NotSupportedError {
  const why = probeFailure ?? 'this kernel cannot build BPF trampolines';
  const e = new NotSupportedError(
    kind,
    `cannot attach ${kind}:${fn}: ${why}`,
    tracepointAlternative(kind, fn),
  );
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause });
  return e;
}

let supported: boolean | undefined;
let probeFailure: string | undefined;

/** tracingSupported probes once whether fentry programs load and attach here (on ksys_read). */
export function tracingSupported(): boolean {
  if (supported !== undefined) return supported;
  let prog: Program | undefined;
  try {
    prog = Program.load({
      ...tracingTarget('ksys_read', 'fentry'),
      insns: new ProgramBuilder().mov(r0, 0).exit().build(),
      name: 'probe_fentry',
    });
    attachTracing(prog, 'fentry', 'ksys_read').close();
    supported = true;
  } catch (err) {
    supported = false;
    probeFailure =
      err instanceof SysError
        ? `the kernel refuses fentry/fexit programs (a probe on ksys_read failed at ${err.op}: ${err.code})`
        : `the kernel refuses fentry/fexit programs (a probe on ksys_read failed: ${(err as Error).message})`;
  } finally {
    prog?.close();
  }
  return supported;
}

/** ensureTracing throws the NotSupportedError for `kind` when the probe failed. */
export function ensureTracing(kind: TracingKind, fn: string): void {
  if (!tracingSupported()) throw tracingUnsupported(kind, fn);
}

/**
 * loadTracing loads an fentry/fexit program for kernel function `fn` after checking that this kernel
 * accepts them; otherwise it throws NotSupportedError saying why and what to use instead.
 */
export function loadTracing(
  kind: TracingKind,
  fn: string,
  spec: Omit<Parameters<typeof Program.load>[0], 'type' | 'attachBtfId' | 'expectedAttachType'>,
): Program {
  ensureTracing(kind, fn);
  return Program.load({ ...spec, ...tracingTarget(fn, kind) });
}

/** traceFunction loads and attaches in one step; the returned link owns the program too. */
export function traceFunction(
  kind: TracingKind,
  fn: string,
  spec: Omit<Parameters<typeof Program.load>[0], 'type' | 'attachBtfId' | 'expectedAttachType'>,
): { program: Program; link: Link } {
  const program = loadTracing(kind, fn, spec);
  try {
    return { program, link: attachTracing(program, kind, fn) };
  } catch (err) {
    program.close();
    throw err;
  }
}
