import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { featureIt, kernelIt } from '../testing/kernel.js';
import { parseFolded } from './flamegraph/folded.js';
import { runProfile } from './profile.js';
import { foldedFrames } from './profile-format.js';
import { CaptureOutput, startWorkload } from './testing/capture.js';

async function profileOf(cmd: string, args: string[], extra: Parameters<typeof runProfile>[0] = {}) {
  const out = new CaptureOutput();
  const w = startWorkload(cmd, args);
  const result = await runProfile({ frequency: 199, pid: w.child.pid!, ...extra, done: w.exit }, out);
  return { out, result, pid: w.child.pid! };
}

const hasGcc = existsSync('/usr/bin/gcc');

describe('profile', () => {
  kernelIt('samples a process reading /dev/zero, with read_zero in its kernel stacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-profile-'));
    try {
      const svg = join(dir, 'cpu.svg');
      const folded = join(dir, 'cpu.folded');
      const { out, result, pid } = await profileOf(
        '/bin/dd',
        ['if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=15000', 'status=none'],
        { folded: true, svg, foldedFile: folded },
      );
      expect(result.samples.length).toBeGreaterThan(0);
      for (const s of result.samples) expect(s).toMatchObject({ pid, comm: 'dd' });
      const hot = result.samples.filter((s) => Array.isArray(s.kernel) && s.kernel.includes('read_zero'));
      expect(hot.reduce((n, s) => n + s.count, 0)).toBeGreaterThan(0);
      // Folded lines run root to leaf: the comm, user frames, then kernel frames ending in the leaf.
      const lines = out.lines.filter((l) => l.includes('read_zero'));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines[0]).toMatch(/^dd;.*;vfs_read;read_zero(;[^ ]+)* \d+$/);
      expect(parseFolded(readFileSync(folded, 'utf8'))).toEqual(
        result.samples.map((s) => ({ frames: foldedFrames(s), count: s.count })),
      );
      const picture = readFileSync(svg, 'utf8');
      expect(picture).toMatch(/^<\?xml/);
      expect(picture).toMatch(/<title>read_zero \(\d+ samples, [\d.]+%\)<\/title>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  featureIt('finds a user-space hot function by its symbol', hasGcc, 'gcc is not installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-profile-'));
    try {
      const src = join(dir, 'hot.c');
      writeFileSync(
        src,
        'void bpfkit_hot_spin(void) { for (volatile unsigned long i = 0; i < 1500000000UL; i++) ; }\n' +
          'int main(void) { bpfkit_hot_spin(); return 0; }\n',
      );
      const bin = join(dir, 'hot');
      execFileSync('/usr/bin/gcc', ['-O0', '-fno-omit-frame-pointer', '-o', bin, src]);
      const folded = join(dir, 'hot.folded');
      const { out, result } = await profileOf(bin, [], { userOnly: true, foldedFile: folded });
      const user = result.samples.flatMap((s) => (Array.isArray(s.user) ? [s] : []));
      const spins = user.filter((s) => (s.user as string[])[0] === 'bpfkit_hot_spin');
      const total = user.reduce((n, s) => n + s.count, 0);
      // Nearly every sample of a spinning process is in the spin function (leaf frame).
      expect(spins.reduce((n, s) => n + s.count, 0)).toBeGreaterThan(total / 2);
      for (const s of result.samples) expect(s.kernel).toBeUndefined();
      expect(out.lines[0]).toBe(
        `Sampling at 199 Hertz of PID ${result.samples[0]?.pid} by user stack... Hit Ctrl-C to end.`,
      );
      expect(out.lines).toContain('    bpfkit_hot_spin');
      // Built with frame pointers, the folded stack runs from main into the hot function.
      expect(readFileSync(folded, 'utf8')).toMatch(/^hot;(.*;)?main;bpfkit_hot_spin \d+$/m);
      expect(out.lines.some((l) => /^ {4}- {16}hot \(\d+\)$/.test(l))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
