// opensnoop: trace open, openat and openat2 system-wide (syscall tracepoints, like libbpf-tools),
// printing PID COMM FD ERR PATH as the calls return.

import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r6, r7, r8, r9, r10 } from '../asm/index.js';
import { memberOffsets } from './common/btf-offsets.js';
import type { Output } from './common/output.js';
import type { EventToolOptions } from './common/session.js';
import {
  filterTask,
  forgetByTid,
  lookupByTid,
  ringOutput,
  scratchRecord,
  stashByTid,
  type TaskFilter,
} from './common/snippets.js';
import { runTracer, type TracerResult } from './common/tracer.js';
import {
  decodeOpenEvent,
  formatOpen,
  OPENSNOOP_CWD,
  OPENSNOOP_EVENT,
  OPENSNOOP_PATH_SIZE,
  type OpenEvent,
  type OpenFormat,
  openJson,
  opensnoopHeader,
} from './opensnoop-format.js';
import { emitReadKernel } from './tcp-event.js';

/** OpensnoopOptions are libbpf-tools opensnoop's options. */
export interface OpensnoopOptions extends EventToolOptions<OpenEvent>, TaskFilter, OpenFormat {
  /** failed shows only failed opens (-x). */
  failed?: boolean;
  /** name keeps only processes whose comm contains it (-n). */
  name?: string;
  /**
   * fullPath prefixes a relative name with the opener's working directory, read in the kernel (-F).
   * As in libbpf-tools it is the cwd, also for openat() relative to another directory.
   */
  fullPath?: boolean;
}

/** CwdOffsets lead from the task to its cwd's dentry and mount, and up the tree (BTF). */
interface CwdOffsets {
  fs: number;
  pwdMnt: number;
  pwdDentry: number;
  dName: number;
  dParent: number;
  mntRoot: number;
  mountMnt: number;
  mntParent: number;
  mntMountpoint: number;
}

function cwdOffsets(): CwdOffsets {
  const o = memberOffsets([
    'task_struct.fs',
    'fs_struct.pwd',
    'path.mnt',
    'path.dentry',
    'dentry.d_name',
    'qstr.name',
    'dentry.d_parent',
    'vfsmount.mnt_root',
    'mount.mnt',
    'mount.mnt_parent',
    'mount.mnt_mountpoint',
  ]);
  const at = (k: string): number => o[k]!;
  return {
    fs: at('task_struct.fs'),
    pwdMnt: at('fs_struct.pwd') + at('path.mnt'),
    pwdDentry: at('fs_struct.pwd') + at('path.dentry'),
    dName: at('dentry.d_name') + at('qstr.name'),
    dParent: at('dentry.d_parent'),
    mntRoot: at('vfsmount.mnt_root'),
    mountMnt: at('mount.mnt'),
    mntParent: at('mount.mnt_parent'),
    mntMountpoint: at('mount.mnt_mountpoint'),
  };
}

const FP_PTR = -48;
const FP_PTR2 = -56;

/**
 * emitCwdWalk fills OPENSNOOP_CWD for a relative name in the record at r6: from the task's cwd up
 * through d_parent, crossing mounts at their mountpoints, until the root (unrolled, maxDepth - 1
 * names). r7 holds the dentry, r8 the struct mount, r9 the mount's root dentry; clobbers r0-r5.
 */
function emitCwdWalk(b: ProgramBuilder, c: CwdOffsets): void {
  const C = OPENSNOOP_CWD;
  b.st('u32', r6, C.depth, 0)
    .st('u32', r6, C.failed, 0)
    .ldx('u8', r1, r6, OPENSNOOP_EVENT.path)
    .jmp('JEQ', r1, '/'.charCodeAt(0), 'walked')
    .call('get_current_task')
    .mov(r7, r0);
  emitReadKernel(b, FP_PTR, 8, r7, c.fs);
  emitReadKernel(b, FP_PTR2, 8, FP_PTR, c.pwdDentry);
  emitReadKernel(b, FP_PTR, 8, FP_PTR, c.pwdMnt);
  // The vfsmount is embedded in struct mount at mountMnt.
  b.ldx('u64', r7, r10, FP_PTR2).ldx('u64', r8, r10, FP_PTR).sub(r8, c.mountMnt);
  emitReadKernel(b, FP_PTR, 8, FP_PTR, c.mntRoot);
  b.ldx('u64', r9, r10, FP_PTR);
  for (let k = 1; k < C.maxDepth; k++) {
    emitReadKernel(b, FP_PTR, 8, r7, c.dName);
    b.mov(r1, r6)
      .add(r1, C.parts + (k - 1) * C.slot)
      .mov(r2, C.slot)
      .ldx('u64', r3, r10, FP_PTR)
      .call('probe_read_kernel_str')
      .jmp('JSLT', r0, 0, 'walk_failed');
    emitReadKernel(b, FP_PTR, 8, r7, c.dParent);
    b.ldx('u64', r1, r10, FP_PTR)
      .jmp('JEQ', r1, r7, `mount_${k}`)
      .jmp('JEQ', r7, r9, `mount_${k}`)
      .mov(r7, r1)
      .st('u32', r6, C.depth, k)
      .ja(`next_${k}`)
      .label(`mount_${k}`);
    // At a mount's root: go on from its mountpoint in the parent mount, or stop at the real root.
    emitReadKernel(b, FP_PTR2, 8, r8, c.mntParent);
    b.ldx('u64', r1, r10, FP_PTR2).jmp('JEQ', r1, r8, 'walked');
    emitReadKernel(b, FP_PTR, 8, r8, c.mntMountpoint);
    b.ldx('u64', r7, r10, FP_PTR).ldx('u64', r8, r10, FP_PTR2);
    emitReadKernel(b, FP_PTR, 8, r8, c.mountMnt + c.mntRoot);
    b.ldx('u64', r9, r10, FP_PTR).st('u32', r6, C.depth, k).label(`next_${k}`);
  }
  b.ja('walked').label('walk_failed').st('u32', r6, C.failed, 1).label('walked');
}

// The stashed entry per thread: filename pointer (u64), flags (u32), mode (u32).
const FP_STASH = -24;
const FP_TID = -28;
const STASH_SIZE = 16;
const FP_ZERO = -40;

/** EnterLayout has the offsets of the sys_enter_open* fields read (events/syscalls/…/format). */
interface EnterLayout {
  filename: number;
  flags: number;
  mode: number;
  /** how is set for openat2, whose flags and mode are in the user's struct open_how. */
  how?: number;
}

const OPEN: EnterLayout = { filename: 16, flags: 24, mode: 32 };
const OPENAT: EnterLayout = { filename: 24, flags: 32, mode: 40 };
const OPENAT2: EnterLayout = { filename: 24, flags: 0, mode: 0, how: 32 };
const EXIT_RET = 16;

function enterProgram(layout: EnterLayout, f: TaskFilter): BuiltProgram {
  const b = new ProgramBuilder().mov(r6, r1);
  filterTask(b, f, 'out', r7);
  b.ldx('u64', r1, r6, layout.filename).st('u64', r10, FP_STASH, r1);
  if (layout.how !== undefined) {
    // struct open_how { u64 flags; u64 mode; u64 resolve; }: flags land at +8, mode at +16 → +12.
    b.st('u64', r10, FP_STASH + 8, 0)
      .st('u64', r10, FP_STASH + 16, 0)
      .mov(r1, r10)
      .add(r1, FP_STASH + 8)
      .mov(r2, 16)
      .ldx('u64', r3, r6, layout.how)
      .call('probe_read_user')
      .ldx('u32', r1, r10, FP_STASH + 16)
      .st('u32', r10, FP_STASH + 12, r1);
  } else {
    b.ldx('u64', r1, r6, layout.flags)
      .st('u32', r10, FP_STASH + 8, r1)
      .ldx('u64', r1, r6, layout.mode)
      .st('u32', r10, FP_STASH + 12, r1);
  }
  stashByTid(b, 'start', r7, FP_TID, FP_STASH);
  return b.label('out').mov(r0, 0).exit().build();
}

function exitProgram(failedOnly: boolean, cwd?: CwdOffsets): BuiltProgram {
  const E = OPENSNOOP_EVENT;
  const b = new ProgramBuilder().mov(r6, r1);
  lookupByTid(b, 'start', FP_TID, 'out', r7);
  b.mov(r8, r0).ldx('u64', r9, r6, EXIT_RET);
  if (failedOnly) b.jmp('JSGE', r9, 0, 'done');
  // The event is built in a per-CPU scratch value and sent with only as much path as it has.
  scratchRecord(b, 'heap', FP_ZERO, 'done');
  b.mov(r6, r0)
    .call('ktime_get_ns')
    .st('u64', r6, E.tsNs, r0)
    .st('u32', r6, E.tid, r7)
    .rsh(r7, 32)
    .st('u32', r6, E.pid, r7)
    .call('get_current_uid_gid')
    .st('u32', r6, E.uid, r0)
    .st('u32', r6, E.ret, r9)
    .ldx('u32', r1, r8, 8)
    .st('u32', r6, E.flags, r1)
    .ldx('u32', r1, r8, 12)
    .st('u32', r6, E.mode, r1)
    .mov(r1, r6)
    .add(r1, E.comm)
    .mov(r2, 16)
    .call('get_current_comm')
    .mov(r1, r6)
    .add(r1, E.path)
    .mov(r2, OPENSNOOP_PATH_SIZE)
    .ldx('u64', r3, r8, 0)
    .call('probe_read_user_str')
    .jmp('JSGT', r0, 0, 'have_len')
    .mov(r0, 0)
    .label('have_len')
    .jmp('JLE', r0, OPENSNOOP_PATH_SIZE, 'len_ok')
    .mov(r0, OPENSNOOP_PATH_SIZE)
    .label('len_ok')
    .mov(r7, r0)
    .add(r7, E.path);
  if (cwd) {
    // -F sends the walked names too: up to the last slot in use.
    const C = OPENSNOOP_CWD;
    emitCwdWalk(b, cwd);
    b.ldx('u32', r7, r6, C.depth)
      .jmp('JLE', r7, C.maxDepth - 1, 'depth_ok')
      .mov(r7, C.maxDepth - 1)
      .label('depth_ok')
      .mul(r7, C.slot)
      .add(r7, C.parts);
  }
  ringOutput(b, r6, r7, 'sent');
  b.label('done');
  forgetByTid(b, 'start', FP_TID);
  return b.label('out').mov(r0, 0).exit().build();
}

/** runOpensnoop prints opens until stopped. */
export async function runOpensnoop(opts: OpensnoopOptions, out: Output): Promise<TracerResult> {
  const f: TaskFilter = { pid: opts.pid, tid: opts.tid, uid: opts.uid };
  const cwd = opts.fullPath ? cwdOffsets() : undefined;
  let attachedNs = Number.POSITIVE_INFINITY;
  return runTracer(
    {
      tool: 'opensnoop',
      maps: {
        start: {
          type: 'hash',
          keySize: 4,
          valueSize: STASH_SIZE,
          maxEntries: 10240,
          name: 'opensnoop_start',
        },
        heap: {
          type: 'percpu_array',
          keySize: 4,
          valueSize: cwd ? OPENSNOOP_CWD.size : OPENSNOOP_EVENT.size,
          maxEntries: 1,
          name: 'opensnoop_heap',
        },
      },
      programs: [
        {
          name: 'open_enter',
          type: 'tracepoint',
          insns: enterProgram(OPEN, f),
          attach: ['syscalls:sys_enter_open'],
        },
        {
          name: 'openat_enter',
          type: 'tracepoint',
          insns: enterProgram(OPENAT, f),
          attach: ['syscalls:sys_enter_openat'],
        },
        {
          name: 'openat2_enter',
          type: 'tracepoint',
          insns: enterProgram(OPENAT2, f),
          attach: ['syscalls:sys_enter_openat2'],
        },
        {
          name: 'open_exit',
          type: 'tracepoint',
          insns: exitProgram(opts.failed ?? false, cwd),
          attach: ['syscalls:sys_exit_open', 'syscalls:sys_exit_openat', 'syscalls:sys_exit_openat2'],
        },
      ],
      ready: () => {
        // Both on CLOCK_MONOTONIC, which bpf_ktime_get_ns reads.
        attachedNs = Number(process.hrtime.bigint());
        if (!opts.json) out.line(opensnoopHeader(opts));
        opts.ready?.();
      },
      onRecord: (data) => {
        const e = decodeOpenEvent(data);
        // Attaching the later programs opens their tracefs id files, which the earlier ones see: that
        // is the tool, not the system, and libbpf-tools shows nothing of it either.
        if (e.pid === process.pid && e.tsNs < attachedNs) return;
        if (opts.name && !e.comm.includes(opts.name)) return;
        opts.onEvent?.(e);
        if (opts.json) out.json(openJson(e));
        else out.line(formatOpen(e, opts));
      },
    },
    out,
    opts,
  );
}
