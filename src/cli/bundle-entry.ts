// Entry of the bundled CLI (dist/bpfkit.cjs, built by scripts/bundle-cli.mjs): runs main on load.

import { main } from './cli.js';

void main(process.argv);
