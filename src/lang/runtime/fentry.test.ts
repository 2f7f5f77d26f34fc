// fentry/fexit through `bpfkit run`: a kernel that refuses tracing programs gets one clear line and
// exit 1; one that accepts them counts the reads of a workload this test performs.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotSupportedError } from '../../errors/index.js';
import { tracingSupported } from '../../kernel/link-tracing.js';
import { runCli } from '../../testing/cli.js';
import { featureIt, isRoot, kernelIt } from '../../testing/kernel.js';
import { type Loaded, load } from './load.js';
import { compileScript, run } from './run.js';

const fentryWorks = isRoot && tracingSupported();

/** oneLineError checks the CLI failed the way users should see it: one `bpfkit:` line, no stack. */
function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }): string {
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^bpfkit: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('bpfkit run fentry/fexit', () => {
  kernelIt(
    'fails with one NotSupportedError line naming tracepoints where the kernel refuses them',
    async () => {
      if (fentryWorks) return; // kernels that load tracing programs run the test below instead
      const r = await runCli(['run', '-e', 'fentry:vfs_read { @ = count(); }']);
      const line = expectOneLineError(r);
      expect(line).toContain('cannot attach fentry:vfs_read');
      expect(line).toContain('tracepoint:syscalls:sys_enter_read');
      expect(r.stdout).toBe('');
    },
  );

  kernelIt(
    'goes as far as the load under --dry-run and reports the kernel refusing it in one line',
    async () => {
      if (fentryWorks) {
        const r = await runCli(['run', '--dry-run', '-e', 'fentry:vfs_read { @ = count(); }']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('1 program verified, nothing attached\n');
        return;
      }
      for (const [kind, tp] of [
        ['fentry', 'sys_enter_read'],
        ['fexit', 'sys_exit_read'],
      ]) {
        const r = await runCli(['run', '--dry-run', '-e', `${kind}:vfs_read { @ = count(); }`]);
        const line = expectOneLineError(r);
        // The kernel's PROG_LOAD answer, not the preflight's attach probe.
        expect(line).toContain(`cannot load ${kind}:vfs_read: BPF_PROG_LOAD failed with EPERM`);
        expect(line).not.toContain('cannot attach');
        expect(line).toContain(`tracepoint:syscalls:${tp}`);
        expect(r.stdout).toBe('');
      }
    },
  );

  kernelIt(
    'loads a compiled fentry program as tracing with its attach_btf_id, or reports the refusal',
    () => {
      const compiled = compileScript('fentry:vfs_read { @[comm] = count(); }', 'load.bt');
      let loaded: Loaded | undefined;
      let err: unknown;
      try {
        loaded = load(compiled);
      } catch (e) {
        err = e;
      } finally {
        loaded?.close();
      }
      if (fentryWorks) {
        expect(err).toBeUndefined();
        expect(loaded?.programs).toHaveLength(1);
        return;
      }
      // The kernel's own answer to PROG_LOAD of BPF_PROG_TYPE_TRACING, not a bpfkit precondition.
      expect(err).toBeInstanceOf(NotSupportedError);
      expect((err as NotSupportedError).feature).toBe('fentry');
      expect((err as Error).message).toBe(
        'cannot load fentry:vfs_read: BPF_PROG_LOAD failed with EPERM: this kernel refuses tracing programs even for root',
      );
      expect(((err as Error).cause as NotSupportedError).feature).toBe('tracing');
    },
  );

  kernelIt('refuses module functions at load, which need the module BTF object fd', () => {
    const compiled = compileScript('fentry:vfs_read { @ = count(); }', 'mod.bt');
    compiled.programs[0]!.tracing!.module = 'bpfkit_nosuch_module';
    expect(() => load(compiled)).toThrow(/fentry\/fexit on module functions is not supported yet/);
  });

  it('reports a misspelt parameter at its position before touching the kernel', async () => {
    const r = await runCli(['run', '-e', 'fexit:vfs_read { @ = sum(args.cont); }']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: vfs_read has no parameter 'cont' (did you mean 'count'?)");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  featureIt(
    'counts vfs_read calls and bytes of reads this test makes',
    fentryWorks,
    'this kernel refuses BPF_PROG_TYPE_TRACING programs (fentry/fexit)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bpfkit-fentry-'));
      const file = join(dir, 'data');
      writeFileSync(file, 'x'.repeat(1000));
      const N = 25;
      let out = '';
      const ac = new AbortController();
      try {
        await run({
          text:
            'fentry:vfs_read /pid == $1/ { @calls = count(); @asked = max(args.count); }\n' +
            'fexit:vfs_read /pid == $1 && retval > 0/ { @bytes = sum(retval); }',
          file: 'fentry.bt',
          params: [String(process.pid)],
          write: (s) => {
            out += s;
          },
          writeErr: () => {},
          signal: ac.signal,
          onAttached: () => {
            for (let i = 0; i < N; i++) readFileSync(file);
            ac.abort();
          },
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const value = (name: string) => Number(new RegExp(`^@${name}: (\\d+)$`, 'm').exec(out)?.[1] ?? -1);
      expect(value('calls'), out).toBeGreaterThanOrEqual(N);
      expect(value('bytes'), out).toBeGreaterThanOrEqual(N * 1000);
      expect(value('asked'), out).toBeGreaterThan(0);
    },
  );
});
