// `bpfkit killsnoop`: trace signals, with libbpf-tools killsnoop's (sigsnoop's) columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit killsnoop             trace kill(), tkill() and tgkill() calls, failures included
  bpfkit killsnoop -a          trace every signal generated system-wide (as sigsnoop)
  bpfkit killsnoop -x          trace failed signals only
  bpfkit killsnoop -p 1216     only trace PID 1216
  bpfkit killsnoop -s 9        only trace signal 9
  bpfkit killsnoop -n          print SIGKILL instead of 9
  bpfkit killsnoop -d 10       trace for 10 seconds
  bpfkit killsnoop --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('killsnoop')
    .description('trace standard and real-time signals')
    .option('-k, --kill', 'trace signals issued by kill syscall only (the default)')
    .option('-a, --all', 'trace every generated signal, as sigsnoop does (not kill -0 nor failures)')
    .option('-n, --name', 'output signal name instead of signal number')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-s, --signal <signal>', 'signal to trace')
    .option('-x, --failed', 'trace failed signals only')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runKillsnoop } = await import('../../tools/killsnoop.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runKillsnoop>[0] = {
        ...commonOptions(o),
        killOnly: o.kill === true,
        allSignals: o.all === true,
        names: o.name === true,
        failed: o.failed === true,
      };
      const sig = str('signal');
      if (sig !== undefined) opts.signal = parseInteger('-s', sig, 1, 64);
      await runKillsnoop(opts, new Output(1, endRun));
    });
}
