// `bpfkit execsnoop`: trace exec() system-wide, with libbpf-tools execsnoop's columns.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit execsnoop             trace all exec() syscalls
  bpfkit execsnoop -x          include failed exec()s
  bpfkit execsnoop -T          include time (HH:MM:SS)
  bpfkit execsnoop -U          include UID
  bpfkit execsnoop -u 1000     only trace UID 1000
  bpfkit execsnoop -t          include timestamps
  bpfkit execsnoop -q          add "quotemarks" around arguments
  bpfkit execsnoop -n main     only print command lines containing "main"
  bpfkit execsnoop -l tpkg     only print commands where arguments contain "tpkg"
  bpfkit execsnoop -c CG       trace processes under the cgroup v2 directory CG
  bpfkit execsnoop -d 10       trace for 10 seconds
  bpfkit execsnoop --json      one JSON object per line`;

export function register(program: Command): void {
  program
    .command('execsnoop')
    .description('trace exec() system calls, printed as they return')
    .option('-T, --time', 'include time column on output (HH:MM:SS)')
    .option('-t, --timestamp', 'include timestamp on output')
    .option('-x, --fails', 'include failed exec()s')
    .option('-u, --uid <uid>', 'trace this UID only')
    .option('-U, --print-uid', 'print UID column')
    .option('-q, --quote', 'add quotemarks (") around arguments')
    .option('-n, --name <name>', 'only print commands matching this name')
    .option('-l, --line <line>', 'only print commands where arg contains this line')
    .option('-c, --cgroup <path>', 'trace processes in this cgroup v2 directory only')
    .option('--max-args <n>', 'maximum number of arguments parsed and displayed (default 20, at most 60)')
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runExecsnoop } = await import('../../tools/execsnoop.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runExecsnoop>[0] = {
        ...commonOptions(o),
        clock: o.time === true,
        relative: o.timestamp === true,
        fails: o.fails === true,
        printUid: o.printUid === true,
        quote: o.quote === true,
      };
      const uid = str('uid');
      if (uid !== undefined) opts.uid = parseInteger('-u', uid, 0, 0xfffffffe);
      const name = str('name');
      if (name !== undefined) opts.name = name;
      const line = str('line');
      if (line !== undefined) opts.line = line;
      const cg = str('cgroup');
      if (cg !== undefined) opts.cgroup = cg;
      const max = str('maxArgs');
      if (max !== undefined) opts.maxArgs = parseInteger('--max-args', max, 1, 60);
      await runExecsnoop(opts, new Output(1, endRun));
    });
}
