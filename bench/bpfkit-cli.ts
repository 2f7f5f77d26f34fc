// The bpfkit command the benches measure: the installed entry (bin/bpfkit), with the bundle rebuilt
// from the current sources first, so a bench never times a stale build or tsx's own start-up.

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** bpfkitCli bundles the CLI (no type check, about a second) and returns the argv prefix to run it. */
export function bpfkitCli(): string[] {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('bundling the CLI failed (scripts/bundle-cli.mjs)');
  return [join(root, 'bin', 'bpfkit')];
}
