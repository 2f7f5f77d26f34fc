import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEntry, repoRoot, runCli } from '../../testing/cli.js';
import { kernelIt } from '../../testing/kernel.js';

describe('bpfkit run', () => {
  it('prints a positioned error with a caret, exits 1, and shows no stack trace', async () => {
    const r = await runCli(['run', '-e', 'BEGIN { printf("%d\\n", pidd); }']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "bpfkit: -e:1:24: error: unknown builtin 'pidd' (did you mean 'pid'?)\nBEGIN { printf(\"%d\\n\", pidd); }\n                       ^\n",
    );
  });

  it('reads a script file and names it in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-run-'));
    try {
      const file = join(dir, 'bad.bt');
      writeFileSync(file, 'BEGIN {\n  @x = 1 +;\n}\n');
      const r = await runCli(['run', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${file}:2:11: error: expected an expression, found ';'`);
      const missing = await runCli(['run', join(dir, 'missing.bt')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('cannot read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs a program', async () => {
    const r = await runCli(['run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no program given (use -e 'PROGRAM' or a FILE.bt)");
  });

  kernelIt('runs -e and prints maps at exit', async () => {
    const r = await runCli(['run', '-e', 'BEGIN { @x[1] = count(); printf("hi\\n"); exit(); }']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Attaching 1 probe...\nhi\n\n\n@x[1]: 1\n');
    expect(r.code).toBe(0);
  });

  kernelIt('lists tracepoints with -l', async () => {
    const r = await runCli(['run', '-l', 'tracepoint:syscalls:sys_enter_open*']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('tracepoint:syscalls:sys_enter_openat');
    expect(r.stdout).not.toContain('sys_enter_read');
  });

  kernelIt('prints bytecode with -d and verifies without attaching with --dry-run', async () => {
    const r = await runCli([
      'run',
      '-d',
      '--dry-run',
      '-e',
      'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tracepoint:syscalls:sys_enter_openat:\n');
    expect(r.stdout).toMatch(/call bpf_get_current_comm|call 16|get_current_comm/);
    expect(r.stdout).toContain('1 program verified, nothing attached');
    expect(r.stdout).not.toContain('Attaching');
  });

  kernelIt('runs a command with -c and stops when it exits', async () => {
    const r = await runCli([
      'run',
      '-c',
      'cat /etc/hostname',
      '-e',
      'tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { @[str(args.filename)] = count(); }',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('@[/etc/hostname]: 1');
  });

  kernelIt('detaches and prints maps on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [...cliEntry(), 'run', '-e', 'interval:ms:10 { @ticks = count(); }'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    // Interrupt once a tick has certainly happened: the probes are attached when the line appears.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (out.includes('Attaching 1 probe...')) {
          clearInterval(poll);
          setTimeout(() => {
            child.kill('SIGINT');
            resolve();
          }, 300);
        }
      }, 20);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/\n\n\n@ticks: [1-9]\d*\n$/);
  });
});
