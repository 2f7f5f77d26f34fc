// `bpfkit tcpaccept`: trace passive TCP connections (accept()), with BCC tcpaccept's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit tcpaccept             trace all TCP accept()s
  bpfkit tcpaccept -t          include timestamps
  bpfkit tcpaccept -T          include time (HH:MM:SS)
  bpfkit tcpaccept -P 80,81    only trace port 80 and 81
  bpfkit tcpaccept -p 181      only trace PID 181
  bpfkit tcpaccept -d 10       trace for 10 seconds
  bpfkit tcpaccept --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('tcpaccept')
    .description('trace TCP accepts')
    .option('-t, --timestamp', 'include timestamp on output')
    .option('-T, --time', 'include time column on output (HH:MM:SS)')
    .option('-p, --pid <pid>', 'trace this PID only')
    .option('-P, --port <ports>', 'comma-separated list of local ports to trace')
    .option('-4, --ipv4', 'trace IPv4 family only')
    .option('-6, --ipv6', 'trace IPv6 family only')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parsePorts } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runTcpaccept } = await import('../../tools/tcpaccept.js');
      if (o.ipv4 === true && o.ipv6 === true) {
        const { BpfkitError } = await import('../../errors/index.js');
        throw new BpfkitError('tcpaccept: -4 and -6 exclude each other');
      }
      const opts: Parameters<typeof runTcpaccept>[0] = {
        ...commonOptions(o),
        timestamp: o.timestamp === true,
        clock: o.time === true,
      };
      if (o.ipv4 === true) opts.family = 4;
      if (o.ipv6 === true) opts.family = 6;
      if (typeof o.port === 'string') opts.ports = parsePorts('-P', o.port);
      await runTcpaccept(opts, new Output(1, endRun));
    });
}
