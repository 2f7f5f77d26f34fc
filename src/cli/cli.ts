// The `bpfkit` program: parses arguments, dispatches to a subcommand, prints user errors in one line.

import { Command, CommanderError, Option } from 'commander';
import { endRunOnClosedStdout } from './closed-pipe.js';
import { registerCommands } from './commands.js';
import { runMain } from './run.js';

/** main runs the CLI on an argv as process.argv holds it (node, script, args…). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('bpfkit')
    .description('eBPF for TypeScript: assemble, verify, load, attach and trace with no C toolchain')
    .version('0.1.0')
    .option('--debug', 'print stack traces for errors')
    // Options after a subcommand are that subcommand's, so `bpfkit strace ls -la` can hand -la to ls.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();

  registerCommands(program, argv);
  // --debug is read from argv wherever it stands (cli/run.ts); each subcommand accepts it too.
  for (const c of program.commands) c.addOption(new Option('--debug').hideHelp());
  endRunOnClosedStdout();

  await runMain(async () => {
    try {
      await program.parseAsync(argv);
    } catch (err) {
      // Help and --version are not errors; commander has already printed its own usage message.
      if (err instanceof CommanderError) process.exit(err.exitCode);
      throw err;
    }
  });
}
