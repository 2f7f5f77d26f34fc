// `bpfkit bindsnoop`: trace bind() syscalls, with libbpf-tools bindsnoop's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit bindsnoop             trace all bind syscalls
  bpfkit bindsnoop -t          include timestamps
  bpfkit bindsnoop -x          include errors on output
  bpfkit bindsnoop -p 1216     only trace PID 1216
  bpfkit bindsnoop -P 80,81    only trace port 80 and 81
  bpfkit bindsnoop -c CG       trace processes under the cgroup v2 directory CG
  bpfkit bindsnoop -d 10       trace for 10 seconds
  bpfkit bindsnoop --json      one JSON object per line

Socket options are reported as:
  SOL_SOCKET SO_REUSEADDR             ...R.
  SOL_SOCKET SO_REUSEPORT             ....r
  (IP_FREEBIND, IP_TRANSPARENT and IP_BIND_ADDRESS_NO_PORT are not read: always '.')`;

export function register(program: Command): void {
  program
    .command('bindsnoop')
    .description('trace bind syscalls')
    .option('-t, --timestamp', 'include timestamp on output')
    .option('-x, --failed', 'include errors on output')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-P, --ports <ports>', 'comma-separated list of ports to trace')
    .option('-c, --cgroup <path>', 'trace processes in this cgroup v2 directory only')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parsePorts } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runBindsnoop } = await import('../../tools/bindsnoop.js');
      const opts: Parameters<typeof runBindsnoop>[0] = {
        ...commonOptions(o),
        timestamp: o.timestamp === true,
        failed: o.failed === true,
      };
      if (typeof o.ports === 'string') opts.ports = parsePorts('-P', o.ports);
      if (typeof o.cgroup === 'string') opts.cgroup = o.cgroup;
      await runBindsnoop(opts, new Output(1, endRun));
    });
}
