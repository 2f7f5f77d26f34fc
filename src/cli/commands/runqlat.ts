// `bpfkit runqlat`: summarize run queue (scheduler) latency as a histogram, like libbpf-tools runqlat.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit runqlat               summarize run queue latency as a histogram
  bpfkit runqlat 1 10          print 1 second summaries, 10 times
  bpfkit runqlat -mT 1         1s summaries, milliseconds, and timestamps
  bpfkit runqlat -P            show each PID separately
  bpfkit runqlat -p 185        trace PID 185 only
  bpfkit runqlat -c CG         trace processes under the cgroup v2 directory CG
  bpfkit runqlat -d 10 --json  ten seconds, one JSON object per histogram`;

export function register(program: Command): void {
  program
    .command('runqlat')
    .description('summarize run queue (scheduler) latency as a histogram')
    .argument('[interval]', 'seconds between summaries')
    .argument('[count]', 'number of summaries')
    .option('-m, --milliseconds', 'millisecond histogram')
    .option('-P, --pids', 'print a histogram per process ID')
    .option('-L, --tids', 'print a histogram per thread ID')
    .option('--pidnss', 'print a histogram per PID namespace')
    .option('-T, --timestamp', 'include timestamp on output')
    .option('-p, --pid <pid>', 'trace this PID only')
    .option('-c, --cgroup <path>', 'trace processes in this cgroup v2 directory only')
    .option('-d, --duration <seconds>', 'total duration of trace')
    .option('--json', 'one JSON object per histogram')
    .addHelpText('after', EXAMPLES)
    .action(
      async (
        interval: string | undefined,
        count: string | undefined,
        o: Record<string, string | boolean | undefined>,
      ) => {
        const { commonOptions, parseInteger, parseSeconds } = await import('../../tools/common/options.js');
        const { Output } = await import('../../tools/common/output.js');
        const { runRunqlat } = await import('../../tools/runqlat.js');
        const opts: Parameters<typeof runRunqlat>[0] = {
          ...commonOptions(o),
          milliseconds: o.milliseconds === true,
          perProcess: o.pids === true,
          perThread: o.tids === true,
          perPidns: o.pidnss === true,
          timestamp: o.timestamp === true,
        };
        if (typeof o.cgroup === 'string') opts.cgroup = o.cgroup;
        if (interval !== undefined) opts.interval = parseSeconds('interval', interval);
        if (count !== undefined) opts.count = parseInteger('count', count, 1);
        await runRunqlat(opts, new Output(1, endRun));
      },
    );
}
