#!/usr/bin/env node
// bpfkit's command-line entry: runs the compiled CLI (built by `npm run build`, which `prepare` runs).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(built)) {
  process.stderr.write('bpfkit: the CLI is not built yet; run `npm run build` (npm install does it) first\n');
  process.exit(1);
}
await import(built);
