// Bundles the CLI into one CommonJS file, dist/bpfkit.cjs, and primes its V8 code cache.
// Why: loading ~100 ES modules one by one costs more than the work of a one-liner; one script whose
// compiled code comes from a cache starts in about half the time.
// `--out FILE` writes the bundle elsewhere and skips the cache (the test suite bundles its own copy).

import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * lazyChildProcess gives commander a child_process that loads on first use: commander spawns only
 * for executable subcommands, which bpfkit has none of, and loading child_process (with net and
 * stream) costs about 4 ms of every start.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy', namespace: 'lazy-cp' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-cp' }, () => ({
      contents: "module.exports = { spawn: (...a) => require('node:child_process').spawn(...a) };",
      loader: 'js',
    }));
  },
};
const outArg = process.argv.indexOf('--out');
const out = outArg === -1 ? join(root, 'dist', 'bpfkit.cjs') : resolve(process.argv[outArg + 1] ?? '');

await build({
  entryPoints: [join(root, 'src', 'cli', 'bundle-entry.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // koffi is a native addon: it is loaded from node_modules at run time, never bundled.
  external: ['koffi'],
  plugins: [lazyChildProcess],
  sourcemap: false,
  legalComments: 'none',
  // ASCII only: Node reads it faster as latin1 than as UTF-8, and V8 keeps it as a one-byte string.
  charset: 'ascii',
  // Comments and indentation are a third of the text Node would read and V8 scan on every start.
  minifyWhitespace: true,
  logLevel: 'warning',
});

if (outArg === -1) {
  // A first run writes the code cache next to the bundle (bin/bpfkit.cjs does so when none is there).
  rmSync(`${out}.cache`, { force: true });
  const primed = spawnSync(process.execPath, [join(root, 'bin', 'bpfkit.cjs')], {
    stdio: 'ignore',
    env: { ...process.env, BPFKIT_PRIME_CODE_CACHE: '1' },
  });
  if (primed.status !== 0) process.stderr.write('bundle-cli: priming the code cache failed; it is made on first use\n');
}
