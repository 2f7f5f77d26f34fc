// `bpfkit tcplife`: one line per closed TCP session, with libbpf-tools tcplife's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit tcplife               trace all TCP sessions
  bpfkit tcplife -p 1215       only trace PID 1215
  bpfkit tcplife -p 1215 -4    trace IPv4 only
  bpfkit tcplife -6 -w         trace IPv6 only, with wide address columns
  bpfkit tcplife -L 80,443     only sessions with local port 80 or 443
  bpfkit tcplife -D 5432       only sessions with remote port 5432
  bpfkit tcplife -T            include a HH:MM:SS time column
  bpfkit tcplife -t -s         seconds since the first event, comma-separated values
  bpfkit tcplife -d 10 --json  trace for 10 seconds, one JSON object per line`;

export function register(program: Command): void {
  program
    .command('tcplife')
    .description('trace the lifespan of TCP sessions and summarize')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-4, --ipv4', 'trace IPv4 only')
    .option('-6, --ipv6', 'trace IPv6 only')
    .option('-L, --localport <ports>', 'comma-separated list of local ports to trace')
    .option('-D, --remoteport <ports>', 'comma-separated list of remote ports to trace')
    .option('-T, --time', 'include a HH:MM:SS timestamp on output')
    .option('-t, --timestamp', 'include time in seconds since the first event on output')
    .option('-w, --wide', 'wide column output (fits IPv6 addresses)')
    .option('-s, --csv', 'comma-separated values output')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parsePorts } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runTcplife } = await import('../../tools/tcplife.js');
      const { BpfkitError } = await import('../../errors/index.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      if (o.ipv4 === true && o.ipv6 === true) throw new BpfkitError('tcplife: -4 and -6 exclude each other');
      const opts: Parameters<typeof runTcplife>[0] = {
        ...commonOptions(o),
        clock: o.time === true,
        relative: o.timestamp === true,
        wide: o.wide === true,
        csv: o.csv === true,
      };
      if (o.ipv4 === true) opts.family = 4;
      if (o.ipv6 === true) opts.family = 6;
      const lp = str('localport');
      if (lp !== undefined) opts.localPorts = parsePorts('-L', lp);
      const rp = str('remoteport');
      if (rp !== undefined) opts.remotePorts = parsePorts('-D', rp);
      await runTcplife(opts, new Output(1, endRun));
    });
}
