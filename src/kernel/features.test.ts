import { describe, expect, it } from 'vitest';
import { NotSupportedError } from '../errors/index.js';
import { cliEntry, runCli } from '../testing/cli.js';
import { kernelIt } from '../testing/kernel.js';
import {
  hasAttachType,
  hasBtfLoad,
  hasHelper,
  hasMapType,
  hasProgramType,
  isaVersion,
  probeFeatures,
  requireKprobes,
} from './features.js';
import { formatFeatures } from './features-report.js';

describe('feature probes', () => {
  kernelIt('program and map types this project relies on are found; unknown numbers are not', () => {
    for (const t of [
      'socket_filter',
      'xdp',
      'sched_cls',
      'tracepoint',
      'raw_tracepoint',
      'perf_event',
    ] as const) {
      expect(hasProgramType(t), t).toBe(true);
    }
    expect(hasProgramType(999)).toBe(false);
    for (const t of ['hash', 'array', 'percpu_array', 'lru_hash', 'ringbuf', 'perf_event_array'] as const) {
      expect(hasMapType(t), t).toBe(true);
    }
    expect(hasMapType(999)).toBe(false);
    expect(hasBtfLoad()).toBe(true);
    expect(hasAttachType('CGROUP_INET4_CONNECT')).toBe(true);
    expect(isaVersion()).toBeGreaterThanOrEqual(3);
  });

  kernelIt('helpers are allowed per program type, as the verifier says', () => {
    expect(hasHelper('tracepoint', 'bpf_get_current_pid_tgid')).toBe(true);
    expect(hasHelper('socket_filter', 'skb_load_bytes')).toBe(true);
    // Packet helpers are not for tracing programs, stack walking not for XDP: the verifier says
    // "program of this type cannot use helper".
    expect(hasHelper('tracepoint', 'skb_load_bytes')).toBe(false);
    expect(hasHelper('xdp', 'get_stack')).toBe(false);
    expect(hasHelper('xdp', 'no_such_helper')).toBe(false);
  });

  kernelIt('probeFeatures reports every group and is cached', async () => {
    const f = await probeFeatures();
    expect(f.programTypes.tracepoint).toBe(true);
    expect(f.mapTypes.ringbuf).toBe(true);
    expect(f.helpers.kprobe?.ktime_get_ns).toBe(true);
    expect(await probeFeatures()).toBe(f);
    const text = formatFeatures(f);
    expect(text).toMatch(/^eBPF program_type tracepoint is available$/m);
    expect(text).toMatch(/^eBPF map_type hash is available$/m);
    expect(text).toMatch(/^\t- bpf_ringbuf_output$/m);
    expect(text).toMatch(/^ISA extension v2 is available$/m);
  });

  kernelIt('without kprobes, requireKprobes names the tracepoint alternative', async () => {
    const f = await probeFeatures();
    if (f.system.kprobes) {
      expect(() => requireKprobes('kprobe:do_sys_open')).not.toThrow();
      return;
    }
    let err: unknown;
    try {
      requireKprobes('kprobe:do_sys_open', 'tracepoint:syscalls:sys_enter_openat');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotSupportedError);
    expect((err as NotSupportedError).userMessage()).toMatch(
      /CONFIG_KPROBES.*tracepoint:syscalls:sys_enter_openat/,
    );
  });
});

describe('bpfkit features', () => {
  kernelIt('prints bpftool-style groups, and JSON with --json', async () => {
    const text = await runCli(['features']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /Scanning eBPF program types\.\.\.\neBPF program_type socket_filter is available/,
    );
    expect(text.stdout).toMatch(/Scanning eBPF helper functions/);
    const json = await runCli(['features', '--json']);
    expect(json.code).toBe(0);
    const f = JSON.parse(json.stdout) as { programTypes: Record<string, boolean> };
    expect(f.programTypes.xdp).toBe(true);
  });

  kernelIt('--all-helpers tries every helper on every loadable type and tells them apart', async () => {
    const r = await runCli(['features', '--json', '--all-helpers']);
    expect(r.code).toBe(0);
    const f = JSON.parse(r.stdout) as { helpers: Record<string, Record<string, boolean>> };
    expect(Object.keys(f.helpers.xdp ?? {}).length).toBeGreaterThan(200);
    expect(f.helpers.xdp?.redirect).toBe(true);
    expect(f.helpers.xdp?.get_stack).toBe(false);
    expect(f.helpers.socket_filter?.skb_load_bytes).toBe(true);
    expect(f.helpers.tracepoint?.skb_store_bytes).toBe(false);
  });

  kernelIt('without root it says "needs root or CAP_BPF" in one line', async () => {
    // runCli cannot switch users, so spawn the CLI as nobody directly.
    const { spawnSync } = await import('node:child_process');
    const { repoRoot } = await import('../testing/cli.js');
    const res = spawnSync(process.execPath, [...cliEntry(), 'features'], {
      cwd: repoRoot,
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, HOME: '/tmp' },
    });
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^bpfkit: .*needs root or CAP_BPF/);
  });
});

it('feature names are kernel vocabulary', () => {
  expect(() => hasProgramType('nope' as 'xdp')).toThrow(/unknown program type 'nope'/);
});
