// `bpfkit opensnoop`: trace open(2) calls system-wide, with libbpf-tools opensnoop's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit opensnoop             trace all open() calls
  bpfkit opensnoop -T          include timestamps
  bpfkit opensnoop -U          include UID
  bpfkit opensnoop -x          only show failed opens
  bpfkit opensnoop -p 181      only trace PID 181
  bpfkit opensnoop -t 123      only trace TID 123
  bpfkit opensnoop -u 1000     only trace UID 1000
  bpfkit opensnoop -d 10       trace for 10 seconds only
  bpfkit opensnoop -n main     only print process names containing "main"
  bpfkit opensnoop -e          show extended fields
  bpfkit opensnoop -F          show full paths (relative names joined to the working directory)
  bpfkit opensnoop --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('opensnoop')
    .description('trace open() system calls, printed as they return')
    .option('-p, --pid <pid>', 'process ID to trace')
    .option('-t, --tid <tid>', 'thread ID to trace')
    .option('-u, --uid <uid>', 'user ID to trace')
    .option('-n, --name <name>', 'trace process names containing this')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('-e, --extended-fields', 'print extended fields (flags and mode)')
    .option('-F, --full-path', 'show full path for an open file with relative path')
    .option('-x, --failed', 'failed opens only')
    .option('-T, --timestamp', 'print timestamp')
    .option('-U, --print-uid', 'print UID')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger, parsePid } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runOpensnoop } = await import('../../tools/opensnoop.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runOpensnoop>[0] = {
        ...commonOptions(o),
        extended: o.extendedFields === true,
        failed: o.failed === true,
        fullPath: o.fullPath === true,
        clock: o.timestamp === true,
        printUid: o.printUid === true,
      };
      const tid = str('tid');
      if (tid !== undefined) opts.tid = parsePid('-t', tid);
      const uid = str('uid');
      if (uid !== undefined) opts.uid = parseInteger('-u', uid, 0, 0xfffffffe);
      const name = str('name');
      if (name !== undefined) opts.name = name;
      await runOpensnoop(opts, new Output(1, endRun));
    });
}
