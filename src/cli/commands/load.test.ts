import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { getFdById } from '../../sys/bpf.js';
import { cliEntry, repoRoot, runCli } from '../../testing/cli.js';
import { kernelIt } from '../../testing/kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-load-'));
chmodSync(dir, 0o755); // the non-root test reads the program too
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** counter is the README's command-line example: the tour's program as assembly. */
const counter = join(repoRoot, 'examples', 'count-openat.s');

/** gone waits (boundedly) for the kernel to free a program whose last holder exited. */
async function gone(id: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const fd = getFdById('prog', id);
    if (fd === undefined) return true;
    fd.close();
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const loadedId = (stdout: string) => Number(/loaded \w+ program, id (\d+)/.exec(stdout)?.[1]);
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe('bpfkit load', () => {
  kernelIt('an invalid program is the kernel verifier’s sentence, failing instruction and log', async () => {
    const bad = file('bad.s', 'r0 = *(u64 *)(r1 + 4096)\nexit\n');
    const r = await runCli(['load', bad, '--type', 'socket_filter']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^bpfkit: the kernel verifier rejected socket_filter program .* at instruction 0: invalid bpf_context access/,
    );
    expect(lines[1]).toMatch(/^kernel verifier log/);
    expect(r.stderr).toContain('(79) r0 = *(u64 *)(r1 +4096)');
    noStack(r.stderr);
  });

  kernelIt('a map the program names but no --map creates is named, with the option to add', async () => {
    const r = await runCli(['load', counter, '--type', 'tracepoint']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^bpfkit: the program uses map 'counts', which no --map creates \(add --map counts:/,
    );
  });

  kernelIt('a wrong map size is an errno-specific sentence', async () => {
    const r = await runCli(['load', counter, '--type', 'tracepoint', '--map', 'counts:array:8:8:1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toBe(
      'bpfkit: create map: Invalid argument (EINVAL) (keySize must be 4 for array maps (got 8))',
    );
  });

  kernelIt('a misspelt tracepoint names the closest ones, and the loaded program is released', async () => {
    const r = await runCli([
      'load',
      counter,
      '--type',
      'tracepoint',
      '--map',
      'counts:array:4:8:1',
      '--attach',
      'tracepoint:syscalls:sys_enter_opnat',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toMatch(
      /^bpfkit: tracepoint syscalls:sys_enter_opnat does not exist \(did you mean syscalls:sys_enter_openat[,)]/,
    );
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await gone(loadedId(r.stdout))).toBe(true);
  });

  kernelIt('a misspelt uprobe symbol names the library and near matches', async () => {
    const r = await runCli([
      'load',
      counter,
      '--type',
      'kprobe',
      '--map',
      'counts:array:4:8:1',
      '--attach',
      'uprobe:libc:mallc',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd()).toMatch(/^bpfkit: symbol mallc not found in \S*libc\S* \(did you mean malloc/);
    expect(await gone(loadedId(r.stdout))).toBe(true);
  });

  kernelIt('attached, it counts the openat calls the test makes until SIGINT, then detaches', async () => {
    const child = spawn(
      process.execPath,
      [
        ...cliEntry(),
        'load',
        counter,
        '--type',
        'tracepoint',
        '--map',
        'counts:array:4:8:1',
        '--attach',
        'tracepoint:syscalls:sys_enter_openat',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('Ctrl-C to detach')) resolve();
      });
      child.on('exit', () => reject(new Error(`load exited early: ${stderr}`)));
    });
    for (let i = 0; i < 300; i++) closeSync(openSync('/etc/hostname', 'r'));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const value = /counts: 1 entries\n {2}00000000: ([0-9a-f]{16})/.exec(stdout)?.[1];
    expect(value).toBeDefined();
    expect(Buffer.from(value!, 'hex').readBigUInt64LE(0)).toBeGreaterThanOrEqual(300n);
    expect(await gone(loadedId(stdout))).toBe(true);
  });

  kernelIt('without root it says it needs root or CAP_BPF, in one line', () => {
    const r = spawnSync(
      process.execPath,
      [...cliEntry(), 'load', counter, '--type', 'tracepoint', '--map', 'counts:array:4:8:1'],
      {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, HOME: '/tmp' },
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bpfkit: .*needs root or CAP_BPF/);
  });
});
