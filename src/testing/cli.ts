// runCli runs the `bpfkit` CLI in a child process, for CLI tests: the bundle the test run built from
// the current sources (src/testing/bundle-setup.ts), or the sources through tsx outside vitest.

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** cliEntry is what follows `node` to start the CLI: the test bundle, or tsx and the sources. */
export function cliEntry(): string[] {
  const bundle = process.env.BPFKIT_TEST_CLI;
  return bundle ? [bundle] : ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts')];
}

/** runCli spawns `bpfkit ...args` and collects its output; `input` is written to its stdin. */
export function runCli(
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
