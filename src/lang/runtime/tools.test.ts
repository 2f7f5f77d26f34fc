import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { formatError } from '../../errors/index.js';
import { kernelIt } from '../../testing/kernel.js';
import { run } from './run.js';

// Debian's bpftrace package ships its tools here; each one either runs under bpfkit or fails with a
// clear reason the kernel itself imposes.
const TOOLS = '/usr/sbin';
const tools = existsSync(TOOLS) ? readdirSync(TOOLS).filter((f) => f.endsWith('.bt')) : [];

// Reasons a tool cannot run on this kernel whatever the tracer (bpftrace 0.17 fails the same way).
const KERNEL_LIMITS: Record<string, string> = {
  'runqlen.bt': "struct cfs_rq has no member 'nr_running'",
  'loads.bt': "kaddr: no kernel symbol 'avenrun'",
};

const usesKprobes = (text: string): boolean =>
  /^\s*(k|kr|kprobe|kretprobe|kfunc|kretfunc|fentry|fexit):/m.test(text);

function libraryPresent(text: string): boolean {
  const libs = [...text.matchAll(/^\s*u(?:ret)?probe:(lib\w+):/gm)].map((m) => m[1]!);
  if (libs.length === 0) return true;
  const cache = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' });
  return libs.every((l) => cache.includes(`${l}.so`));
}

describe('Debian bpftrace tools', () => {
  for (const tool of tools) {
    const text = readFileSync(`${TOOLS}/${tool}`, 'utf8');
    kernelIt(
      tool,
      async () => {
        const ac = new AbortController();
        let out = '';
        let error: unknown;
        const done = run({
          text,
          file: `${TOOLS}/${tool}`,
          write: (s) => {
            out += s;
          },
          writeErr: () => {},
          signal: ac.signal,
          onAttached: () => {
            // A little activity for the probes, then Ctrl-C.
            execFileSync('/bin/sh', ['-c', 'ls / > /dev/null; cat /etc/hostname > /dev/null; sleep 0.2']);
            ac.abort();
          },
        }).catch((e) => {
          error = e;
        });
        await done;
        if (usesKprobes(text)) {
          expect(formatError(error), tool).toMatch(
            /kprobes are not built into this kernel|cannot attach (fentry|fexit)/,
          );
          expect(formatError(error), tool).toContain('tracepoint');
          return;
        }
        const limit = KERNEL_LIMITS[tool];
        if (limit) {
          expect(formatError(error), tool).toContain(limit);
          return;
        }
        if (!libraryPresent(text)) {
          expect(formatError(error), tool).toMatch(/not found|does not exist|cannot/);
          return;
        }
        // A uprobe on a function this system's library does not define (OpenSSL internals, glibc
        // 2.34's empty libpthread) is a probe that does not exist here: the error must say so.
        if (error !== undefined && /symbol \S+ not found in \S+/.test(formatError(error))) return;
        if (error !== undefined) throw new Error(`${tool}: ${formatError(error)}`, { cause: error });
        expect(out, tool).toMatch(/^Attaching \d+ probes?\.\.\./m);
      },
      60_000,
    );
  }
});
