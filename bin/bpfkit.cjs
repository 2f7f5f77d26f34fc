// Loads the bundled CLI (dist/bpfkit.cjs) through V8's code cache, so that most of its functions
// arrive compiled. A missing or stale cache (another Node version) is rewritten at exit.
'use strict';
const { readFileSync, writeFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const Module = require('node:module');

// Detaching closes perf events on libuv's thread pool, each waiting out RCU grace periods; more
// threads than the default four overlap more of those waits (kernel/link.ts detachAll).
process.env.UV_THREADPOOL_SIZE ??= '16';

const file = join(__dirname, '..', 'dist', 'bpfkit.cjs');
if (!existsSync(file)) {
  process.stderr.write('bpfkit: the CLI is not built yet; run `npm run build` (npm install does it) first\n');
  process.exit(1);
}
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The bundle is ASCII (esbuild's charset option), so latin1 decoding is exact and cheaper than UTF-8.
const script = new Script(Module.wrap(readFileSync(file, 'latin1')), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      writeFileSync(cacheFile, script.createCachedData());
    } catch {
      // A read-only install runs without a cache, only slower.
    }
  });
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, join(file, '..'));
