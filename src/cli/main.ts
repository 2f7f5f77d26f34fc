#!/usr/bin/env node
// The `bpfkit` command as an ES module (dist/cli/main.js); bin/bpfkit runs the bundled copy instead.

import { main } from './cli.js';

await main(process.argv);
