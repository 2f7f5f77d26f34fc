// `bpfkit tcpconnect`: trace active TCP connections, with libbpf-tools tcpconnect's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit tcpconnect             trace all TCP connect()s
  bpfkit tcpconnect -t          include timestamps
  bpfkit tcpconnect -T          include time (HH:MM:SS)
  bpfkit tcpconnect -p 181      only trace PID 181
  bpfkit tcpconnect -P 80,81    only trace port 80 and 81
  bpfkit tcpconnect -U          include UID
  bpfkit tcpconnect -u 1000     only trace UID 1000
  bpfkit tcpconnect -c          count connects per src ip and dest ip/port
  bpfkit tcpconnect -d 10       trace for 10 seconds
  bpfkit tcpconnect --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('tcpconnect')
    .description('trace TCP connects')
    .option('-t, --timestamp', 'include timestamp on output')
    .option('-T, --time', 'include time column on output (HH:MM:SS)')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-P, --port <ports>', 'comma-separated list of destination ports to trace')
    .option('-U, --print-uid', 'include UID on output')
    .option('-u, --uid <uid>', 'process UID to trace')
    .option('-c, --count', 'count connects per source IP and destination IP/port, printed at the end')
    .option('-s, --source-port', 'include the source port (SPORT column; LPORT in the -c table)')
    .option('-L, --lport', 'include the LPORT column after SADDR (as BCC tcpconnect)')
    .option('-4, --ipv4', 'trace IPv4 family only')
    .option('-6, --ipv6', 'trace IPv6 family only')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger, parsePorts } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runTcpconnect } = await import('../../tools/tcpconnect.js');
      if (o.ipv4 === true && o.ipv6 === true) {
        const { BpfkitError } = await import('../../errors/index.js');
        throw new BpfkitError('tcpconnect: -4 and -6 exclude each other');
      }
      const opts: Parameters<typeof runTcpconnect>[0] = {
        ...commonOptions(o),
        timestamp: o.timestamp === true,
        clock: o.time === true,
        printUid: o.printUid === true,
        count: o.count === true,
        sourcePort: o.sourcePort === true,
        localPort: o.lport === true,
      };
      if (o.ipv4 === true) opts.family = 4;
      if (o.ipv6 === true) opts.family = 6;
      if (typeof o.port === 'string') opts.ports = parsePorts('-P', o.port);
      if (typeof o.uid === 'string') opts.uid = parseInteger('-u', o.uid, 0, 0xfffffffe);
      await runTcpconnect(opts, new Output(1, endRun));
    });
}
