// profile's sample record and output: libbpf-tools profile's multi-line stacks and folded lines.

import { cString } from './common/format.js';

/** PROFILE_KEY is the counts map key: libbpf-tools' `struct key_t { pid; user_stack_id; kern_stack_id; name[16] }`. */
export const PROFILE_KEY = {
  pid: 0,
  userStackId: 4,
  kernStackId: 8,
  comm: 12,
  size: 28,
} as const;

/** ProfileKey is one decoded counts key. Stack ids are negative errnos when no stack was taken. */
export interface ProfileKey {
  pid: number;
  userStackId: number;
  kernStackId: number;
  comm: string;
}

/** decodeProfileKey reads one counts key. */
export function decodeProfileKey(data: Uint8Array): ProfileKey {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const K = PROFILE_KEY;
  return {
    pid: v.getUint32(K.pid, true),
    userStackId: v.getInt32(K.userStackId, true),
    kernStackId: v.getInt32(K.kernStackId, true),
    comm: cString(data.subarray(K.comm, K.comm + 16)),
  };
}

/**
 * Sample is one stack with its count. A stack is undefined when none was asked for or the task had
 * none (a kernel thread has no user stack: -EFAULT), and 'missed' when the stack map could not hold it.
 */
export interface Sample {
  pid: number;
  comm: string;
  /** user and kernel frames, innermost first, already symbolised. */
  user: string[] | 'missed' | undefined;
  kernel: string[] | 'missed' | undefined;
  count: number;
}

/** ProfileFormat holds the output switches. */
export interface ProfileFormat {
  /** delimiter puts `--` (or `-` when folded) between kernel and user stacks (-d in libbpf-tools). */
  delimiter?: boolean;
  /** annotations suffixes kernel frames with `_[k]` in folded output (-a), for flame graph colours. */
  annotations?: boolean;
}

/** formatSample prints one stack as libbpf-tools profile does without -f: kernel, user, name, count. */
export function formatSample(s: Sample, f: ProfileFormat = {}): string[] {
  const out: string[] = [];
  if (s.kernel === 'missed') out.push('    [Missed Kernel Stack]');
  else if (s.kernel) for (const fr of s.kernel) out.push(`    ${fr}`);
  if (s.user !== undefined) {
    if (f.delimiter && s.kernel !== undefined) out.push('    --');
    if (s.user === 'missed') out.push('    [Missed User Stack]');
    else for (const fr of s.user) out.push(`    ${fr}`);
  }
  out.push(`    ${'-'.padEnd(16)} ${s.comm} (${s.pid})`, `        ${s.count}`, '');
  return out;
}

/** foldedFrames is a sample's path root first (user outermost → kernel innermost), as folded lines list it. */
export function foldedFrames(s: Sample, f: ProfileFormat = {}): string[] {
  const frames = [s.comm];
  if (s.user !== undefined) {
    if (s.user === 'missed') frames.push('[Missed User Stack]');
    else frames.push(...[...s.user].reverse());
  }
  if (s.kernel !== undefined) {
    if (f.delimiter && s.user !== undefined) frames.push('-');
    if (s.kernel === 'missed') frames.push('[Missed Kernel Stack]');
    else frames.push(...[...s.kernel].reverse().map((fr) => (f.annotations ? `${fr}_[k]` : fr)));
  }
  return frames;
}

/** formatFolded prints one folded line: `comm;outer;...;inner count`. */
export function formatFolded(s: Sample, f: ProfileFormat = {}): string {
  return `${foldedFrames(s, f).join(';')} ${s.count}`;
}

/** ProfileHeader describes what is sampled, for the banner line. */
export interface ProfileHeader {
  frequency: number;
  pid?: number | undefined;
  tid?: number | undefined;
  userOnly?: boolean;
  kernelOnly?: boolean;
  seconds?: number | undefined;
}

/** profileBanner is libbpf-tools profile's first line (not printed with -f). */
export function profileBanner(h: ProfileHeader): string {
  const who = h.pid ? `PID ${h.pid}` : h.tid ? `TID ${h.tid}` : 'all threads';
  const stack = h.userOnly ? 'user' : h.kernelOnly ? 'kernel' : 'user + kernel';
  const until = h.seconds !== undefined ? ` for ${h.seconds} secs.` : '... Hit Ctrl-C to end.';
  return `Sampling at ${h.frequency} Hertz of ${who} by ${stack} stack${until}`;
}

/** sampleJson is the --json object for one stack. */
export function sampleJson(s: Sample): Record<string, unknown> {
  return { pid: s.pid, comm: s.comm, count: s.count, user: s.user ?? null, kernel: s.kernel ?? null };
}
