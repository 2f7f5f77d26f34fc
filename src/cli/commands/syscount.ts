// `bpfkit syscount`: summarize syscall counts and latencies, with libbpf-tools syscount's tables.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Examples:
  bpfkit syscount                   print top 10 syscalls by count at Ctrl-C
  bpfkit syscount -i 1              print top 10 syscalls every second
  bpfkit syscount -p $(pidof dd)    look only at a particular process
  bpfkit syscount -L                measure and sort output by latency
  bpfkit syscount -P                group statistics by pid, not by syscall
  bpfkit syscount -x -i 5           count only failed syscalls
  bpfkit syscount -e ENOENT -i 5    count only syscalls failed with a given errno
  bpfkit syscount -c CG             trace processes under the cgroup v2 directory CG
  bpfkit syscount -d 10 --json      ten seconds, one JSON object per row`;

export function register(program: Command): void {
  program
    .command('syscount')
    .description('summarize syscall counts and latencies')
    .option('-p, --pid <pid>', 'process PID to trace')
    .option('-i, --interval <seconds>', 'print summary at this interval (seconds)')
    .option('-T, --top <n>', 'print only the top syscalls (default 10)')
    .option('-x, --failures', 'trace only failed syscalls')
    .option('-e, --errno <errno>', 'trace only syscalls that return this error (numeric or EPERM, etc.)')
    .option('-L, --latency', 'collect syscall latency')
    .option('-m, --milliseconds', 'display latency in milliseconds (default: microseconds)')
    .option('-P, --process', 'count by process and not by syscall')
    .option('-c, --cgroup <path>', 'trace processes in this cgroup v2 directory only')
    .option('-l, --list', 'print list of recognized syscalls and exit')
    .option('-d, --duration <seconds>', 'total tracing duration')
    .option('--json', 'one JSON object per row')
    .addHelpText('after', EXAMPLES)
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { commonOptions, parseInteger, parseSeconds } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { listSyscalls, parseErrno, runSyscount } = await import('../../tools/syscount.js');
      if (o.list === true) {
        process.stdout.write(`${listSyscalls().join('\n')}\n`);
        return;
      }
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runSyscount>[0] = {
        ...commonOptions(o),
        failures: o.failures === true,
        latency: o.latency === true,
        milliseconds: o.milliseconds === true,
        process: o.process === true,
      };
      const interval = str('interval');
      if (interval !== undefined) opts.interval = parseSeconds('-i', interval);
      const top = str('top');
      if (top !== undefined) opts.top = parseInteger('-T', top, 1, 1024);
      const errno = str('errno');
      if (errno !== undefined) opts.errno = parseErrno(errno);
      const cg = str('cgroup');
      if (cg !== undefined) opts.cgroup = cg;
      await runSyscount(opts, new Output(1, endRun));
    });
}
