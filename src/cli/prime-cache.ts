// primeCodeCache: the work `bpfkit run` does before it needs the kernel, done once when the bundle is
// built, so that the code cache written afterwards holds those functions compiled. A cache made by
// `--help` alone would leave the compiler to be compiled again on every start.

import { check } from '../lang/check.js';
import { compile } from '../lang/codegen/compile.js';
import { Source } from '../lang/diagnostics.js';
import { fakeTypeSource } from '../lang/fake-type-source.js';
import { parseSource } from '../lang/parser.js';

const SCRIPTS = [
  'BEGIN { printf("ready\\n"); exit(); }',
  'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }',
  'tracepoint:syscalls:sys_exit_read /args->ret > 0/ { @bytes = hist(args->ret); @l = lhist(args->ret, 0, 100, 10); }',
  'tracepoint:sched:sched_process_exec { printf("%s %d %s\\n", comm, pid, str(args->filename)); }',
  'tracepoint:syscalls:sys_enter_openat { @start[tid] = nsecs; } tracepoint:syscalls:sys_exit_openat /@start[tid]/ { @us = stats((nsecs - @start[tid]) / 1000); delete(@start[tid]); }',
  'profile:hz:99 { @[kstack, ustack] = count(); } interval:s:1 { print(@); clear(@); } END { printf("%d\\n", @x); }',
];

/** primeCodeCache compiles a few typical scripts; errors are ignored, only the compiled code matters. */
export function primeCodeCache(): void {
  for (const text of SCRIPTS) {
    try {
      const src = new Source(text, 'prime.bt');
      compile(check(parseSource(src), src, { types: fakeTypeSource }));
    } catch {
      // A script the fake type source cannot describe still primed the parser and checker.
    }
  }
}
