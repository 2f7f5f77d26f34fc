// The subcommand table: each subcommand lives in its own file under cli/commands/.
// Rule for those files: import only commander and cli/ helpers at the top; load the layer that does
// the work with `await import()` inside the action, so each command starts fast.

import type { Command } from 'commander';
import { register as asm } from './commands/asm.js';
import { register as bindsnoop } from './commands/bindsnoop.js';
import { register as biolatency } from './commands/biolatency.js';
import { register as btf } from './commands/btf.js';
import { register as disasm } from './commands/disasm.js';
import { register as execsnoop } from './commands/execsnoop.js';
import { register as exitsnoop } from './commands/exitsnoop.js';
import { register as features } from './commands/features.js';
import { register as killsnoop, registerSigsnoop as sigsnoop } from './commands/killsnoop.js';
import { register as load } from './commands/load.js';
import { register as opensnoop } from './commands/opensnoop.js';
import { register as profile } from './commands/profile.js';
import { register as run } from './commands/run.js';
import { register as runqlat } from './commands/runqlat.js';
import { register as statsnoop } from './commands/statsnoop.js';
import { register as strace } from './commands/strace.js';
import { register as syscount } from './commands/syscount.js';
import { register as tcpaccept } from './commands/tcpaccept.js';
import { register as tcpconnect } from './commands/tcpconnect.js';
import { register as tcplife } from './commands/tcplife.js';
import { register as trace } from './commands/trace.js';
import { register as verify } from './commands/verify.js';
import { register as vm } from './commands/vm.js';

type Register = (program: Command) => void;

/** COMMANDS maps each subcommand's name to what registers it, in the order help lists them. */
const COMMANDS: Record<string, Register> = {
  asm,
  disasm,
  features,
  vm,
  strace,
  opensnoop,
  execsnoop,
  tcplife,
  btf,
  run,
  verify,
  profile,
  syscount,
  exitsnoop,
  killsnoop,
  sigsnoop,
  statsnoop,
  runqlat,
  biolatency,
  tcpconnect,
  tcpaccept,
  bindsnoop,
  trace,
  load,
};

/**
 * registerCommands adds the subcommands to the program. When argv names one, only that one is
 * registered: building all two dozen with their options is a few ms of every start; help and
 * mistyped names still see them all.
 */
export function registerCommands(program: Command, argv: readonly string[] = []): void {
  const named = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = named !== undefined && Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined;
  if (only) only(program);
  else for (const register of Object.values(COMMANDS)) register(program);
}
