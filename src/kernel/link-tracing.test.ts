import { describe, expect, it } from 'vitest';
import { ProgramBuilder, r0 } from '../asm/index.js';
import { BpfkitError, NotSupportedError } from '../errors/index.js';
import { featureIt, isRoot, kernelIt } from '../testing/kernel.js';
import { attachKprobe, kprobesSupported } from './link-kprobe.js';
import { countCalls } from './link-test-programs.js';
import {
  ensureTracing,
  traceFunction,
  tracepointAlternative,
  tracingSupported,
  tracingTarget,
} from './link-tracing.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

const fentryWorks = isRoot && tracingSupported();
const kprobesWork = isRoot && kprobesSupported();

describe('kprobe links', () => {
  kernelIt('fail with NotSupportedError naming the tracepoint alternative when kprobes are absent', () => {
    if (kprobesWork) return; // other kernels: covered by the attach test below
    const prog = Program.load({ type: 'kprobe', insns: new ProgramBuilder().mov(r0, 0).exit().build() });
    try {
      let err: unknown;
      try {
        attachKprobe(prog, 'do_sys_openat2');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NotSupportedError);
      const e = err as NotSupportedError;
      expect(e.feature).toBe('kprobe');
      expect(e.message).toContain('CONFIG_KPROBES');
      expect(e.hint).toContain('tracepoint:');
      expect(() => attachKprobe(prog, 'do_sys_openat2', { retprobe: true })).toThrow(/kretprobe/);
    } finally {
      prog.close();
    }
  });

  featureIt('attach to a kernel function', kprobesWork, 'kernel built without CONFIG_KPROBES', () => {
    const prog = Program.load({ type: 'kprobe', insns: new ProgramBuilder().mov(r0, 0).exit().build() });
    try {
      attachKprobe(prog, 'do_sys_openat2').close();
    } finally {
      prog.close();
    }
  });
});

describe('fentry/fexit links', () => {
  it('finds a kernel function’s BTF id and names near matches for a typo', () => {
    expect(tracingTarget('ksys_read', 'fexit').attachBtfId).toBeGreaterThan(0);
    let err: unknown;
    try {
      tracingTarget('ksys_raed', 'fentry');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfkitError);
    expect((err as BpfkitError).userMessage()).toMatch(/ksys_raed.*ksys_read/);
  });

  kernelIt('without trampolines, fail with NotSupportedError saying why and what to use', () => {
    if (fentryWorks) return;
    let err: unknown;
    try {
      traceFunction('fexit', 'ksys_read', { insns: new ProgramBuilder().mov(r0, 0).exit().build() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotSupportedError);
    expect((err as NotSupportedError).message).toMatch(/fexit:ksys_read: the kernel refuses fentry\/fexit/);
    expect((err as NotSupportedError).hint).toContain('tracepoint:');
  });

  kernelIt('name the syscall tracepoint a refused function most likely serves', () => {
    expect(tracepointAlternative('fentry', 'vfs_read')).toBe(
      'use tracepoint:syscalls:sys_enter_read or rawtracepoint:… instead',
    );
    expect(tracepointAlternative('fexit', 'do_sys_openat2')).toContain(
      'tracepoint:syscalls:sys_exit_openat2',
    );
    expect(tracepointAlternative('fentry', 'tcp_sendmsg')).toBe(
      'use tracepoint:… or rawtracepoint:… instead',
    );
    if (fentryWorks) return;
    let err: unknown;
    try {
      ensureTracing('fexit', 'ksys_read');
    } catch (e) {
      err = e;
    }
    expect((err as NotSupportedError).hint).toContain('tracepoint:syscalls:sys_exit_read');
  });

  featureIt(
    'fexit counts calls of a real kernel function',
    fentryWorks,
    'kernel refuses fentry/fexit',
    () => {
      const counter = BpfMap.create({
        type: 'array',
        keySize: 4,
        valueSize: 8,
        maxEntries: 1,
        name: 'counter',
      });
      try {
        const { program, link } = traceFunction('fexit', 'ksys_read', {
          insns: countCalls(process.pid),
          maps: { counter },
        });
        link.close();
        program.close();
      } finally {
        counter.close();
      }
    },
  );
});
