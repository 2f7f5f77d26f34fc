import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../testing/cli.js';
import { closeAll, liveCount, track, untrack } from './resources.js';

describe('resource registry', () => {
  it('closes tracked objects newest first, once, and forgets untracked ones', () => {
    const order: string[] = [];
    const mk = (name: string) => ({ close: () => order.push(name) });
    const a = mk('a');
    const b = mk('b');
    const c = mk('c');
    const before = liveCount();
    track(a);
    track(b);
    track(b);
    track(c);
    untrack(b);
    expect(liveCount()).toBe(before + 2);
    closeAll();
    expect(order.slice(-2)).toEqual(['c', 'a']);
    closeAll();
    expect(order.filter((n) => n === 'c')).toHaveLength(1);
  });

  it('one failing close does not stop the others', () => {
    const closed: string[] = [];
    track({ close: () => closed.push('first') });
    track({
      close: () => {
        throw new Error('boom');
      },
    });
    closeAll();
    expect(closed).toEqual(['first']);
  });

  // A child process tracks an object whose close() prints, then dies in various ways.
  const child = (ending: string) => {
    const file = join(tmpdir(), `bpfkit-resources-${process.pid}-${ending}.ts`);
    writeFileSync(
      file,
      `import { track } from ${JSON.stringify(join(repoRoot, 'src/kernel/resources.ts'))};
track({ close: () => process.stdout.write('closed\\n') });
process.stdout.write('ready\\n');
${ending === 'throw' ? "throw new Error('uncaught');" : ''}
${ending === 'handled' ? "process.on('uncaughtException', () => process.stdout.write('survived\\n')); setTimeout(() => { throw new Error('x'); }, 1);" : ''}
${ending === 'exit' ? 'process.exit(3);' : ''}
${ending === 'SIGINT' || ending === 'SIGTERM' ? `process.kill(process.pid, '${ending}'); setTimeout(() => {}, 5000);` : ''}
`,
    );
    return spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
  };

  it('cleans up on exit, SIGINT, SIGTERM and an uncaught error, keeping the exit status', () => {
    const ex = child('exit');
    expect(ex.stdout).toBe('ready\nclosed\n');
    expect(ex.status).toBe(3);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const r = child(sig);
      expect(r.stdout, sig).toBe('ready\nclosed\n');
      expect(r.signal, sig).toBe(sig);
    }
    const th = child('throw');
    expect(th.stdout).toBe('ready\nclosed\n');
    expect(th.status).toBe(1);
    expect(th.stderr).toMatch(/uncaught/);
    // A process that handles its errors keeps its objects until it exits.
    const handled = child('handled');
    expect(handled.stdout).toBe('ready\nsurvived\nclosed\n');
    expect(handled.status).toBe(0);
  }, 60_000);
});
