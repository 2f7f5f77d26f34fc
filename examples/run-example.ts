// runExample runs `npx tsx examples/<file> ...args` as a user would, for the example tests.

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface ExampleResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** RunningExample is an example still running: its process, output so far and final result. */
export interface RunningExample {
  child: ChildProcess;
  stdout(): string;
  /** until resolves once stdout matches `re` (or rejects if the example exits first). */
  until(re: RegExp): Promise<void>;
  done: Promise<ExampleResult>;
}

/** startExample spawns the example through tsx; it is killed after timeoutMs. */
export function startExample(file: string, args: string[], timeoutMs = 30_000): RunningExample {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, file), ...args], {
    cwd: join(here, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of waiters.splice(0)) {
      if (w.re.test(stdout)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ExampleResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    until: (re) =>
      re.test(stdout)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ re, resolve })),
            done.then((r) => {
              throw new Error(`example exited (${r.code}) before printing ${re}: ${r.stderr}`);
            }),
          ]),
    done,
  };
}

/** runExample runs the example to completion and collects its output. */
export function runExample(file: string, args: string[], timeoutMs = 30_000): Promise<ExampleResult> {
  return startExample(file, args, timeoutMs).done;
}
