// `bpfkit strace`: strace's output at eBPF speed, for a command or a running process.

import type { Command } from 'commander';

const EXAMPLES = `
Examples:
  bpfkit strace -- ls /tmp                  trace a command
  bpfkit strace -f -- sh -c 'ls | wc -l'    follow forked children
  bpfkit strace -c -- dd if=/dev/zero of=/dev/null bs=1 count=1000
                                            count time, calls and errors per syscall
  bpfkit strace -e trace=%file -p 1234      file syscalls of a running process
  bpfkit strace -T -o trace.txt -- make     time each syscall, write to a file`;

export function register(program: Command): void {
  // -t counts: -tt and -ttt are -t given two and three times, as in strace.
  let absolute = 0;
  program
    .command('strace')
    .description('trace the system calls of a command or process, printed like strace')
    .argument('[command...]', 'command to run and trace; its own options follow it (or put it after --)')
    // strace's own usage: options up to the command's name, then the command's (`strace ls -la`).
    .passThroughOptions()
    .option('-p, --pid <pid>', 'trace a running process')
    .option('-f, --follow', 'also trace child processes')
    .option('-c, --summary', 'count time, calls and errors per syscall and print a table at the end')
    .option('-T, --syscall-times', 'show the time spent in each syscall')
    .option(
      '-t, --absolute-timestamps',
      'prefix each line with the time of day (-tt: with microseconds, -ttt: epoch seconds)',
    )
    .option('-r, --relative-timestamps', 'prefix each line with the time since the previous syscall began')
    .on('option:absolute-timestamps', () => {
      absolute++;
    })
    .option(
      '-e, --expr <expr>',
      'which syscalls to show, repeatable: trace=open,read | trace=%file | trace=!write | status=failed',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('-o, --output <file>', 'write the trace to a file instead of stderr')
    .option('-s, --string-limit <n>', 'bytes of read/write data to show (default 32, at most 512)')
    .option('-d, --duration <seconds>', 'stop tracing after this many seconds')
    .option('--json', 'one JSON object per syscall')
    .addHelpText('after', EXAMPLES)
    .action(async (command: string[], o: Record<string, string | string[] | boolean | undefined>) => {
      const { parseInteger, parsePid, parseSeconds } = await import('../../tools/common/options.js');
      const { runStrace } = await import('../../tools/strace/trace.js');
      const str = (k: string): string | undefined =>
        typeof o[k] === 'string' ? (o[k] as string) : undefined;
      const opts: Parameters<typeof runStrace>[0] = {
        command,
        follow: o.follow === true,
        summary: o.summary === true,
        showTime: o.syscallTimes === true,
        json: o.json === true,
        timestamps: { absolute: Math.min(absolute, 3), relative: o.relativeTimestamps === true },
      };
      const pid = str('pid');
      if (pid !== undefined) opts.pid = parsePid('-p', pid);
      // strace takes one -e per qualifier: trace= (the default) and status=.
      for (const expr of Array.isArray(o.expr) ? o.expr : []) {
        if (expr.startsWith('status=')) {
          const { parseStatusExpr } = await import('../../tools/strace/filter.js');
          const status = parseStatusExpr(expr);
          if (status !== undefined) opts.status = status;
          else delete opts.status;
        } else opts.trace = expr;
      }
      const file = str('output');
      if (file !== undefined) opts.output = file;
      // strace -f -o FILE puts the pid in front of every line, from the first one.
      if (file !== undefined && opts.follow) opts.pidEveryLine = true;
      const size = str('stringLimit');
      if (size !== undefined) opts.strSize = parseInteger('-s', size, 0, 512);
      const secs = str('duration');
      if (secs !== undefined) opts.seconds = parseSeconds('-d', secs);
      const result = await runStrace(opts);
      process.exitCode = result.exitCode;
    });
}
