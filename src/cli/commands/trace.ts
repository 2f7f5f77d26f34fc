// `bpfkit trace`: BCC trace's probe specs — print a line whenever a tracepoint, uprobe or uretprobe
// fires, with an optional predicate and printf-style message.

import type { Command } from 'commander';
import { endRun } from '../closed-pipe.js';

const EXAMPLES = `
Probe syntax:  {t:category:event | p:lib:func | r:lib:func | u:lib:[provider:]probe | p::func | r::func} [(predicate)] ["format", args...]
  'func' is p::func and 'lib:func' is p:lib:func; p:lib:func+0x10 probes inside a function.
  u: is a USDT probe (a function uprobe when the binary has no such probe); p::/r:: are kprobes: on
  kernels without CONFIG_KPROBES they fail and name a tracepoint to use instead.
  values: args->field (tracepoints), arg1..arg6 (uprobes, USDT), retval (r:), $pid $tgid $uid $gid $cpu
  $task, numbers, C casts ((int)retval), *(type *)ptr, STRCMP("text", value); operators: == != < <= > >= && || ! ~
  + - * / % & | ^ << >>;  value@user reads a string from user memory.
  format: C printf (%d %u %x %s %c with h/l/ll, ...), %K / %U print an address as a kernel / user symbol.

Examples:
  bpfkit trace 't:syscalls:sys_enter_openat "%s", args->filename'
        trace every openat() with its path
  bpfkit trace 't:syscalls:sys_enter_kill (args->sig == 9) "kill -9 %d", args->pid'
        trace SIGKILLs being sent
  bpfkit trace 'r:c:read ((int)retval < 0) "read failed: %d", retval' 'r:c:write ((int)retval < 0) "write failed: %d", retval'
        trace failed read and write calls at the libc level (two probes at once)
  bpfkit trace 'c:malloc "size = %d", arg1' -p 1234
        trace malloc calls of process 1234 and the size asked for
  bpfkit trace 'p:c:write (arg1 == 1) "writing %d bytes to STDOUT", arg3' -T
        trace writes to stdout, with the time
  bpfkit trace 'r:bash:readline "%s", retval'
        print the lines bash reads
  bpfkit trace 't:sched:sched_process_exec (STRCMP("/usr/bin/ls", args->filename))' -U
        trace execs of ls, with the user stack
  bpfkit trace 'u:/usr/bin/python3:python:audit "%s", arg1'
        trace Python's audit events (USDT)
  bpfkit trace -M 10 -t 't:sched:sched_process_exec "%s", args->filename'
        print 10 execs with timestamps, then exit
  bpfkit trace -A -M 100 -K 't:block:block_rq_issue'
        count the kernel stacks issuing the next 100 block requests
  bpfkit trace -d 5 --json 't:syscalls:sys_enter_unlinkat "%s", args->pathname'
        five seconds, one JSON object per line`;

export function register(program: Command): void {
  program
    .command('trace')
    .description('trace a function or tracepoint and print a message when it is hit')
    .argument('<probe...>', 'probe specs (quote each one)')
    .option('-p, --pid <pid>', 'id of the process to trace')
    .option('-L, --tid <tid>', 'id of the thread to trace')
    .option('-M, --max-events <n>', 'number of events to print before quitting')
    .option('-t, --timestamp', 'print timestamp column (offset from trace start)')
    .option('-u, --unix-timestamp', 'print UNIX timestamp instead of offset from trace start, requires -t')
    .option('-T, --time', 'print time column')
    .option('-C, --print_cpu', 'print CPU id')
    .option('-c, --cgroup-path <path>', 'cgroup path to trace')
    .option('-n, --name <name>', 'only print process names containing this name')
    .option('-f, --msg-filter <text>', 'only print messages containing this text')
    .option('-K, --kernel-stack', 'output kernel stack trace')
    .option('-U, --user-stack', 'output user stack trace')
    .option('-a, --address', 'print virtual address in stacks')
    .option('-A, --aggregate', 'aggregate amount of each trace (needs -M)')
    .option('-S, --include-self', "do not filter trace's own pid from the trace")
    .option('--uid <uid>', 'id of the user to trace')
    .option('-Z, --string-size <n>', 'maximum size to read from strings', '80')
    .option('-b, --buffer-pages <n>', 'pages of event buffer per CPU (the one ring buffer gets their sum)')
    .option('-B, --bin_cmp', "STRCMP compares the literal's bytes only (binary values)")
    .option('-v, --verbose', "print each probe's BPF program before tracing")
    .option('-I, --include <header>', 'accepted for BCC compatibility; not needed (no C is compiled)')
    .option(
      '-s, --sym_file_list <files>',
      'accepted for BCC compatibility; not needed (symbols come from the mapped files)',
    )
    .option('-d, --duration <seconds>', 'duration to trace')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', EXAMPLES)
    .action(async (probes: string[], o: Record<string, string | boolean | undefined>) => {
      const { parseInteger, parsePid, parseSeconds } = await import('../../tools/common/options.js');
      const { Output } = await import('../../tools/common/output.js');
      const { runTrace } = await import('../../tools/trace.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runTrace>[0] = {
        probes,
        timestamp: o.timestamp === true,
        clock: o.time === true,
        printCpu: o.print_cpu === true,
        kernelStack: o.kernelStack === true,
        userStack: o.userStack === true,
        unixTimestamp: o.unixTimestamp === true,
        address: o.address === true,
        aggregate: o.aggregate === true,
        includeSelf: o.includeSelf === true,
        verbose: o.verbose === true,
        binaryCompare: o.bin_cmp === true,
        stringSize: parseInteger('-Z', str('stringSize') ?? '80', 1, 4096),
        json: o.json === true,
      };
      const pid = str('pid');
      if (pid !== undefined) opts.pid = parsePid('-p', pid);
      const tid = str('tid');
      if (tid !== undefined) opts.tid = parsePid('-L', tid);
      const max = str('maxEvents');
      if (max !== undefined) opts.maxEvents = parseInteger('-M', max, 1);
      const cg = str('cgroupPath');
      if (cg !== undefined) opts.cgroup = cg;
      const name = str('name');
      if (name !== undefined) opts.name = name;
      const filter = str('msgFilter');
      if (filter !== undefined) opts.filter = filter;
      const pages = str('bufferPages');
      if (pages !== undefined) opts.bufferPages = parseInteger('-b', pages, 1, 1 << 18);
      const uid = str('uid');
      if (uid !== undefined) opts.uid = parseInteger('--uid', uid, 0, 0xffffffff);
      for (const [flag, why] of [
        ['include', '-I is not needed: args->field comes from the tracefs formats and no C is compiled'],
        ['sym_file_list', '-s is not needed: symbols are read from the files each process maps'],
      ] as const) {
        if (o[flag] !== undefined) process.stderr.write(`trace: ${why}\n`);
      }
      const secs = str('duration');
      if (secs !== undefined) opts.seconds = parseSeconds('-d', secs);
      await runTrace(opts, new Output(1, endRun));
    });
}
