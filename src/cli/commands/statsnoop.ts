// `bpfkit statsnoop`: trace stat syscalls, with libbpf-tools statsnoop's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit statsnoop             trace all stat syscalls
  bpfkit statsnoop -t          include timestamps
  bpfkit statsnoop -x          only show failed stats
  bpfkit statsnoop -p 1216     only trace PID 1216
  bpfkit statsnoop -d 10       trace for 10 seconds
  bpfkit statsnoop --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('statsnoop')
    .description('trace stat syscalls')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-t, --timestamp', 'include timestamp on output')
    .option('-x, --failed', 'only show failed stats')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runStatsnoop } = await import('../../tools/statsnoop.js');
      const opts: Parameters<typeof runStatsnoop>[0] = {
        ...commonOptions(o),
        timestamp: o.timestamp === true,
        failed: o.failed === true,
      };
      await runStatsnoop(opts, new Output(1, endRun));
    });
}
