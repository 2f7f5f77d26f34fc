// Entry of the bundled CLI (dist/bpfkit.cjs, built by scripts/bundle-cli.mjs): runs main on load, or,
// when the build primes the code cache, the compiler on a few scripts.

import { main } from './cli.js';
import { primeCodeCache } from './prime-cache.js';

if (process.env.BPFKIT_PRIME_CODE_CACHE === '1') primeCodeCache();
else void main(process.argv);
