// A workload that is started first and released later: its pid is known before the tool attaches
// (for -p filters), and it does nothing until the tool is ready.

import { spawn } from 'node:child_process';
import type { Workload } from './capture.js';

/** GatedWorkload is a shell script held at a `read` until release() is called. */
export interface GatedWorkload extends Workload {
  pid: number;
  release(): void;
}

/** gatedWorkload runs `sh -c 'read _; <script>'`; use `exec` in the script to keep the pid. */
export function gatedWorkload(script: string): GatedWorkload {
  const child = spawn('/bin/sh', ['-c', `read _ ; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.resume();
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  return {
    child,
    exit,
    stdout: () => out,
    pid: child.pid!,
    release: () => child.stdin.end('go\n'),
  };
}
