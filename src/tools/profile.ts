// profile: sample stacks on every CPU at a fixed frequency (perf cpu-clock events, like libbpf-tools),
// count them in the kernel by (pid, user stack, kernel stack, comm), and print them symbolised at the
// end — as multi-line stacks, folded lines, JSON, or an SVG flame graph.

import { writeFileSync } from 'node:fs';
import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r4, r6, r7, r8, r10 } from '../asm/index.js';
import { BpfkitError } from '../errors/index.js';
import type { Link } from '../kernel/link.js';
import { attachPerfSampling } from '../kernel/link-perf-sampling.js';
import { BpfMap } from '../kernel/map.js';
import { Program } from '../kernel/program.js';
import { kernelSymbols, UserSymbolizer } from '../kernel/symbols.js';
import type { Output } from './common/output.js';
import { requireRoot, type StopReason, type ToolOptions, waitForStop } from './common/session.js';
import { foldStacks } from './flamegraph/folded.js';
import { renderFlameGraph } from './flamegraph/svg.js';
import {
  decodeProfileKey,
  foldedFrames,
  formatFolded,
  formatSample,
  PROFILE_KEY,
  type ProfileFormat,
  profileBanner,
  type Sample,
  sampleJson,
} from './profile-format.js';

/** ProfileOptions are libbpf-tools profile's options, plus --svg and --folded-file. */
export interface ProfileOptions extends ToolOptions, ProfileFormat {
  pid?: number;
  tid?: number;
  /** frequency is the sampling rate in Hz (-F, default 49). */
  frequency?: number;
  userOnly?: boolean; // -U
  kernelOnly?: boolean; // -K
  includeIdle?: boolean; // -I
  folded?: boolean; // -f
  cpu?: number; // -C
  stackStorageSize?: number;
  maxStackDepth?: number;
  /** svg writes a flame graph to this file at the end. */
  svg?: string;
  /** foldedFile writes folded stacks to this file at the end. */
  foldedFile?: string;
}

/** ProfileResult is what a session counted, after symbolisation. */
export interface ProfileResult {
  reason: StopReason;
  samples: Sample[];
  /** missing counts stacks that could not be read back (the stack map was full or collided). */
  missing: number;
}

const BPF_F_USER_STACK = 1 << 8;
const BPF_NOEXIST = 1;
const EFAULT = 14;
// bpf_get_stackid's answer when the stack's bucket holds another stack (no BPF_F_REUSE_STACKID).
const EEXIST = 17;
const FP_KEY = -32;
const FP_ONE = -40;

function sampleProgram(o: ProfileOptions): BuiltProgram {
  const K = PROFILE_KEY;
  const b = new ProgramBuilder().mov(r6, r1).call('get_current_pid_tgid').mov(r7, r0).mov(r8, r0).rsh(r8, 32);
  if (o.pid) b.jmp('JNE', r8, o.pid, 'out');
  if (o.tid) b.mov32(r1, r7).jmp('JNE', r1, o.tid, 'out');
  // The idle task (tid 0) is every idle CPU's sample: left out unless -I, as in libbpf-tools.
  if (!o.includeIdle) b.mov32(r1, r7).jmp('JEQ', r1, 0, 'out');
  for (let off = FP_KEY; off < 0; off += 8) b.st('u64', r10, off, 0);
  b.st('u32', r10, FP_KEY + K.pid, r8);
  const stackId = (flags: number, at: number, skip: boolean): void => {
    if (skip) {
      b.st('u32', r10, FP_KEY + at, -1);
      return;
    }
    b.mov(r1, r6)
      .ldMap(r2, 'stacks')
      .mov(r3, flags)
      .call('get_stackid')
      .st('u32', r10, FP_KEY + at, r0);
  };
  stackId(BPF_F_USER_STACK, K.userStackId, o.kernelOnly === true);
  stackId(0, K.kernStackId, o.userOnly === true);
  b.mov(r1, r10)
    .add(r1, FP_KEY + K.comm)
    .mov(r2, 16)
    .call('get_current_comm')
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, FP_KEY)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'new')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .ja('out')
    .label('new')
    .st('u64', r10, FP_ONE, 1)
    .ldMap(r1, 'counts')
    .mov(r2, r10)
    .add(r2, FP_KEY)
    .mov(r3, r10)
    .add(r3, FP_ONE)
    .mov(r4, BPF_NOEXIST)
    .call('map_update_elem');
  return b.label('out').mov(r0, 0).exit().build();
}

/** Symbolizers resolves frames, one user symbolizer per process, read while the process lives. */
class Symbolizers {
  readonly #users = new Map<number, UserSymbolizer>();

  kernel(ip: bigint): string {
    return kernelSymbols().lookup(ip)?.name ?? '[unknown]';
  }

  user(pid: number, ip: bigint): string {
    let u = this.#users.get(pid);
    if (!u) {
      u = new UserSymbolizer(pid);
      this.#users.set(pid, u);
    }
    const s = u.lookup(ip);
    // A mapped file without a symbol for the address: libbpf-tools prints [unknown].
    return s && !s.name.startsWith('/') ? s.name : '[unknown]';
  }

  /** prime reads a process's mappings now, so that its stacks resolve even if it exits later. */
  prime(pid: number): void {
    if (!this.#users.has(pid)) this.#users.set(pid, new UserSymbolizer(pid));
  }
}

/** readSamples turns the counts map into symbolised samples, most frequent first. */
function readSamples(
  counts: BpfMap,
  stacks: BpfMap,
  syms: Symbolizers,
): { samples: Sample[]; missing: number; collided: boolean } {
  const samples: Sample[] = [];
  let missing = 0;
  let collided = false;
  const frames = (id: number, resolve: (ip: bigint) => string): string[] | 'missed' | undefined => {
    if (id === -1 || id === -EFAULT) return undefined;
    if (id === -EEXIST) collided = true;
    const v = id < 0 ? undefined : stacks.get(Buffer.from(Uint32Array.of(id).buffer));
    if (!v) {
      missing++;
      return 'missed';
    }
    const out: string[] = [];
    for (let at = 0; at + 8 <= v.length; at += 8) {
      const ip = v.readBigUInt64LE(at);
      if (ip === 0n) break;
      out.push(resolve(ip));
    }
    return out;
  };
  for (const [k, v] of counts.entries()) {
    const key = decodeProfileKey(k);
    samples.push({
      pid: key.pid,
      comm: key.comm,
      kernel: frames(key.kernStackId, (ip) => syms.kernel(ip)),
      user: frames(key.userStackId, (ip) => syms.user(key.pid, ip)),
      count: Number(v.readBigUInt64LE(0)),
    });
  }
  samples.sort((a, b) => b.count - a.count);
  return { samples, missing, collided };
}

/** runProfile samples until stopped, then prints the stacks. */
export async function runProfile(opts: ProfileOptions, out: Output): Promise<ProfileResult> {
  requireRoot('profile');
  if (opts.userOnly && opts.kernelOnly) {
    throw new BpfkitError('profile: -U and -K exclude each other');
  }
  const frequency = opts.frequency ?? 49;
  const depth = opts.maxStackDepth ?? 127;
  const maps: BpfMap[] = [];
  let prog: Program | undefined;
  let link: Link | undefined;
  const syms = new Symbolizers();
  try {
    const stacks = BpfMap.create({
      type: 'stack_trace',
      keySize: 4,
      valueSize: depth * 8,
      maxEntries: opts.stackStorageSize ?? 1024,
      name: 'profile_stacks',
    });
    maps.push(stacks);
    const counts = BpfMap.create({
      type: 'hash',
      keySize: PROFILE_KEY.size,
      valueSize: 8,
      maxEntries: 10240,
      name: 'profile_counts',
    });
    maps.push(counts);
    prog = Program.load({
      type: 'perf_event',
      insns: sampleProgram(opts),
      maps: { stacks, counts },
      name: 'do_perf_event',
    });
    link = attachPerfSampling(prog, {
      frequency,
      ...(opts.cpu !== undefined ? { cpus: [opts.cpu] } : {}),
    });
    if (opts.pid) syms.prime(opts.pid);
    if (!opts.folded && !opts.json) {
      out.line(
        profileBanner({
          frequency,
          pid: opts.pid,
          tid: opts.tid,
          userOnly: opts.userOnly ?? false,
          kernelOnly: opts.kernelOnly ?? false,
          seconds: opts.seconds,
        }),
      );
    }
    out.flush();
    opts.ready?.();
    // Nothing else keeps the event loop alive while the kernel counts: signal handlers do not.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const reason = await waitForStop(opts).finally(() => clearInterval(keepAlive));
    link.close();
    const { samples, missing, collided } = readSamples(counts, stacks, syms);
    for (const s of samples) {
      if (opts.json) out.json(sampleJson(s));
      else if (opts.folded) out.line(formatFolded(s, opts));
      else for (const l of formatSample(s, opts)) out.line(l);
    }
    out.flush();
    if (missing > 0) {
      // As libbpf-tools: the advice only when a hash collision lost a stack, which more room helps.
      const advice = collided ? ' Consider increasing --stack-storage-size.' : '';
      process.stderr.write(`WARNING: ${missing} stack traces could not be displayed.${advice}\n`);
    }
    if (opts.foldedFile) {
      writeFileSync(opts.foldedFile, samples.map((s) => `${formatFolded(s, opts)}\n`).join(''));
    }
    if (opts.svg) {
      const title = `CPU profile: ${frequency} Hz, ${opts.pid ? `PID ${opts.pid}` : 'all threads'}`;
      writeFileSync(
        opts.svg,
        renderFlameGraph(
          foldStacks(samples.map((s) => ({ frames: foldedFrames(s, opts), count: s.count }))),
          {
            title,
          },
        ),
      );
    }
    return { reason, samples, missing };
  } finally {
    link?.close();
    prog?.close();
    for (const m of maps) m.close();
  }
}
