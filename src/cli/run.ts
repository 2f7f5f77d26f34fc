// runMain: the CLI's error boundary — user mistakes become `bpfkit: <sentence>` and exit 1.

import { BpfkitError, formatError } from '../errors/index.js';

/** runMain runs a command body and turns thrown errors into one-line messages and exit codes. */
export async function runMain(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const debug = process.argv.includes('--debug');
    process.stderr.write(`bpfkit: ${formatError(err)}\n`);
    if (debug || !(err instanceof BpfkitError)) {
      if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = 1;
  }
}
