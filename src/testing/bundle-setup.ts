// Vitest global setup: bundles the CLI once per run, so CLI tests start it as users do (one script)
// instead of through tsx, which compiles every module on each start. runCli reads the path.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli.js';

export default function setup(): () => void {
  // Inside the repository, so the bundle's require('koffi') finds node_modules; readable by the
  // tests that run the CLI as an unprivileged user.
  const cache = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'bpfkit-cli-'));
  chmodSync(dir, 0o755);
  const out = join(dir, 'bpfkit.cjs');
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle-cli.mjs'), '--out', out], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('bundling the CLI for the tests failed (scripts/bundle-cli.mjs)');
  process.env.BPFKIT_TEST_CLI = out;
  return () => rmSync(dir, { recursive: true, force: true });
}
