// `bpfkit killsnoop` and `bpfkit sigsnoop`: trace signals with libbpf-tools sigsnoop's columns. As
// there, one tool under two names: killsnoop traces kill(), tkill() and tgkill(); sigsnoop every
// generated signal unless -k.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const examples = (name: string, all: boolean): string => `
Examples:
  bpfkit ${name}             ${all ? 'trace every signal generated system-wide' : 'trace kill(), tkill() and tgkill() calls, failures included'}
  bpfkit ${name} ${all ? '-k          trace signals issued by kill syscall only' : '-a          trace every signal generated system-wide (as sigsnoop)'}
  bpfkit ${name} -x          trace failed signals only
  bpfkit ${name} -p 1216     only trace PID 1216
  bpfkit ${name} -s 9        only trace signal 9
  bpfkit ${name} -n          print SIGKILL instead of 9
  bpfkit ${name} -d 10       trace for 10 seconds
  bpfkit ${name} --json      one JSON object per line`;

function define(program: Command, name: string, all: boolean): void {
  program
    .command(name)
    .description(
      all ? 'trace standard and real-time signals' : 'trace signals sent by kill(), tkill() and tgkill()',
    )
    .option('-k, --kill', `trace signals issued by kill syscall only${all ? '' : ' (the default)'}`)
    .option(
      '-a, --all',
      `trace every generated signal (not kill -0 nor failures)${all ? ' (the default)' : ', as sigsnoop does'}`,
    )
    .option('-n, --name', 'output signal name instead of signal number')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-s, --signal <signal>', 'signal to trace')
    .option('-x, --failed', 'trace failed signals only')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', examples(name, all))
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runKillsnoop } = await import('../../tools/killsnoop.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runKillsnoop>[0] = {
        ...commonOptions(o),
        killOnly: o.kill === true,
        allSignals: all || o.all === true,
        names: o.name === true,
        failed: o.failed === true,
      };
      const sig = str('signal');
      if (sig !== undefined) opts.signal = parseInteger('-s', sig, 1, 64);
      await runKillsnoop(opts, new Output(1, endRun));
    });
}

/** register adds killsnoop: kill(), tkill() and tgkill() with their results, -a for every signal. */
export function register(program: Command): void {
  define(program, 'killsnoop', false);
}

/** registerSigsnoop adds sigsnoop: every generated signal, -k for the kill syscalls only. */
export function registerSigsnoop(program: Command): void {
  define(program, 'sigsnoop', true);
}
