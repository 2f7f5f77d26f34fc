// Test helpers for the tools: an Output that keeps lines in memory, and child-process workloads.

import { type ChildProcess, spawn } from 'node:child_process';
import { Output } from '../common/output.js';

/** CaptureOutput keeps every line instead of writing it. */
export class CaptureOutput extends Output {
  readonly lines: string[] = [];

  override line(text: string): void {
    this.lines.push(text);
  }

  override flush(): void {}
}

/** Workload is a started child process and the promise of its exit code. */
export interface Workload {
  child: ChildProcess;
  exit: Promise<number>;
  stdout: () => string;
}

/** startWorkload spawns a command whose exit ends the tool session in tests. */
export function startWorkload(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Workload {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  return { child, exit, stdout: () => out };
}
