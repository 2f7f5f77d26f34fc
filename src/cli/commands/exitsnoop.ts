// `bpfkit exitsnoop`: trace process termination, with libbpf-tools exitsnoop's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit exitsnoop             trace process exit events
  bpfkit exitsnoop -t          include timestamps
  bpfkit exitsnoop -x          trace error exits only
  bpfkit exitsnoop -p 1216     only trace PID 1216
  bpfkit exitsnoop -T          trace by thread
  bpfkit exitsnoop -c CG       trace processes under the cgroup v2 directory CG
  bpfkit exitsnoop -d 10       trace for 10 seconds
  bpfkit exitsnoop --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('exitsnoop')
    .description('trace process termination')
    .option('-t, --timestamp', 'include timestamp on output')
    .option('-x, --failed', 'trace error exits only')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-T, --threaded', 'trace by thread')
    .option('-c, --cgroup <path>', 'trace processes in this cgroup v2 directory only')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runExitsnoop } = await import('../../tools/exitsnoop.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runExitsnoop>[0] = {
        ...commonOptions(o),
        timestamp: o.timestamp === true,
        failed: o.failed === true,
        threaded: o.threaded === true,
      };
      const cg = str('cgroup');
      if (cg !== undefined) opts.cgroup = cg;
      await runExitsnoop(opts, new Output(1, endRun));
    });
}
