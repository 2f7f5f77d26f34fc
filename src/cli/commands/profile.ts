// `bpfkit profile`: sample stacks at a fixed frequency, with libbpf-tools profile's output, folded
// stacks and SVG flame graphs.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit profile                     profile stack traces at 49 Hertz until Ctrl-C
  bpfkit profile -F 99               profile stack traces at 99 Hertz
  bpfkit profile 5                   profile at 49 Hertz for 5 seconds only
  bpfkit profile -f                  output in folded format for flame graphs
  bpfkit profile -p 185              only profile process with PID 185
  bpfkit profile -L 185              only profile thread with TID 185
  bpfkit profile -U                  only show user space stacks (no kernel)
  bpfkit profile -K                  only show kernel space stacks (no user)
  bpfkit profile -d 10 --svg cpu.svg write a flame graph of 10 seconds of samples
  bpfkit profile --json              one JSON object per stack`;

export function register(program: Command): void {
  program
    .command('profile')
    .description('profile CPU usage by sampling stack traces at a timed interval')
    .argument('[duration]', 'seconds to profile (as libbpf-tools takes it)')
    .option('-p, --pid <pid>', 'profile process with this PID only')
    .option('-L, --tid <tid>', 'profile thread with this TID only')
    .option('-U, --user-stacks-only', 'show stacks from user space only (no kernel space stacks)')
    .option('-K, --kernel-stacks-only', 'show stacks from kernel space only (no user space stacks)')
    .option('-F, --frequency <hz>', 'sample frequency, Hertz (default 49)')
    .option('--delimited', 'insert delimiter between kernel/user stacks')
    .option('-a, --annotations', 'add _[k] annotations to kernel frames (folded output)')
    .option('-f, --folded', 'output folded format, one line per stack (for flame graphs)')
    .option('-I, --include-idle', 'include CPU idle stacks')
    .option('-C, --cpu <cpu>', 'cpu number to run profile on')
    .option('--stack-storage-size <n>', 'the number of unique stack traces that can be stored (default 1024)')
    .option('--perf-max-stack-depth <n>', 'the limit for both kernel and user stack traces (default 127)')
    .option('--svg <file>', 'write an SVG flame graph to this file at the end')
    .option('--folded-file <file>', 'write folded stacks to this file at the end')
    .option('-d, --duration <seconds>', 'duration to profile')
    .option('--json', 'one JSON object per stack')
    .addHelpText('after', EXAMPLES)
    .action(async (duration: string | undefined, o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger, parsePid, parseSeconds } = await import(
        '../../tools/common/options.js'
      );
      const { Output } = await import('../../tools/common/output.js');
      const { runProfile } = await import('../../tools/profile.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runProfile>[0] = {
        ...commonOptions(o),
        userOnly: o.userStacksOnly === true,
        kernelOnly: o.kernelStacksOnly === true,
        delimiter: o.delimited === true,
        annotations: o.annotations === true,
        folded: o.folded === true,
        includeIdle: o.includeIdle === true,
      };
      const tid = str('tid');
      if (tid !== undefined) opts.tid = parsePid('-L', tid);
      const hz = str('frequency');
      if (hz !== undefined) opts.frequency = parseInteger('-F', hz, 1, 100000);
      const cpu = str('cpu');
      if (cpu !== undefined) opts.cpu = parseInteger('-C', cpu, 0, 4095);
      const size = str('stackStorageSize');
      if (size !== undefined) opts.stackStorageSize = parseInteger('--stack-storage-size', size, 1, 1 << 20);
      const depth = str('perfMaxStackDepth');
      if (depth !== undefined) opts.maxStackDepth = parseInteger('--perf-max-stack-depth', depth, 1, 127);
      const svg = str('svg');
      if (svg !== undefined) opts.svg = svg;
      const folded = str('foldedFile');
      if (folded !== undefined) opts.foldedFile = folded;
      // -d wins over the positional duration, as in BCC's profile.
      if (opts.seconds === undefined && duration !== undefined)
        opts.seconds = parseSeconds('duration', duration);
      await runProfile(opts, new Output(1, endRun));
    });
}
