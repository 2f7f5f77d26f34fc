// `bpfkit biolatency`: summarize block device I/O latency as a histogram, like libbpf-tools biolatency.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit biolatency               summarize block I/O latency as a histogram
  bpfkit biolatency 1 10          print 1 second summaries, 10 times
  bpfkit biolatency -mT 1         1s summaries, milliseconds, and timestamps
  bpfkit biolatency -Q            include OS queued time in I/O time
  bpfkit biolatency -D            show each disk device separately
  bpfkit biolatency -F            show I/O flags separately
  bpfkit biolatency -e            add the average, total and count (as BCC biolatency -e)
  bpfkit biolatency --disk-name sdc  trace sdc only (libbpf-tools' -d sdc)
  bpfkit biolatency -c CG         trace I/O issued under the cgroup v2 directory CG
  bpfkit biolatency -d 10 --json  ten seconds, one JSON object per histogram`;

export function register(program: Command): void {
  program
    .command('biolatency')
    .description('summarize block device I/O latency as a histogram')
    .argument('[interval]', 'seconds between summaries')
    .argument('[count]', 'number of summaries')
    .option('-m, --milliseconds', 'millisecond histogram')
    .option('-Q, --queued', 'include OS queued time in I/O time')
    .option('-T, --timestamp', 'include timestamp on output')
    .option('-D, --disk', 'print a histogram per disk device')
    .option('-F, --flag', 'print a histogram per set of I/O flags')
    .option('-e, --extension', 'summarize average/total value')
    .option('--disk-name <disk>', 'trace this disk only (a name in /sys/block)')
    .option('-c, --cgroup <path>', 'trace I/O issued by tasks in this cgroup v2 directory only')
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
        const { runBiolatency } = await import('../../tools/biolatency.js');
        if (typeof o.duration === 'string' && !/^\s*[\d.]/.test(o.duration)) {
          // libbpf-tools spells the disk filter -d DISK; here -d is every tool's duration.
          const { BpfkitError } = await import('../../errors/index.js');
          throw new BpfkitError(
            `-d: expected a number of seconds, got '${o.duration}' (to trace one disk: --disk-name ${o.duration})`,
          );
        }
        const opts: Parameters<typeof runBiolatency>[0] = {
          ...commonOptions(o),
          milliseconds: o.milliseconds === true,
          queued: o.queued === true,
          perDisk: o.disk === true,
          perFlag: o.flag === true,
          extension: o.extension === true,
          timestamp: o.timestamp === true,
        };
        if (typeof o.diskName === 'string') opts.disk = o.diskName;
        if (typeof o.cgroup === 'string') opts.cgroup = o.cgroup;
        if (interval !== undefined) opts.interval = parseSeconds('interval', interval);
        if (count !== undefined) opts.count = parseInteger('count', count, 1);
        await runBiolatency(opts, new Output(1, endRun));
      },
    );
}
