// Signal numbers, names and glibc's strsignal() texts (x86_64), for exitsnoop and killsnoop output.

const SIGNALS: readonly [string, string][] = [
  ['SIGHUP', 'Hangup'],
  ['SIGINT', 'Interrupt'],
  ['SIGQUIT', 'Quit'],
  ['SIGILL', 'Illegal instruction'],
  ['SIGTRAP', 'Trace/breakpoint trap'],
  ['SIGABRT', 'Aborted'],
  ['SIGBUS', 'Bus error'],
  ['SIGFPE', 'Floating point exception'],
  ['SIGKILL', 'Killed'],
  ['SIGUSR1', 'User defined signal 1'],
  ['SIGSEGV', 'Segmentation fault'],
  ['SIGUSR2', 'User defined signal 2'],
  ['SIGPIPE', 'Broken pipe'],
  ['SIGALRM', 'Alarm clock'],
  ['SIGTERM', 'Terminated'],
  ['SIGSTKFLT', 'Stack fault'],
  ['SIGCHLD', 'Child exited'],
  ['SIGCONT', 'Continued'],
  ['SIGSTOP', 'Stopped (signal)'],
  ['SIGTSTP', 'Stopped'],
  ['SIGTTIN', 'Stopped (tty input)'],
  ['SIGTTOU', 'Stopped (tty output)'],
  ['SIGURG', 'Urgent I/O condition'],
  ['SIGXCPU', 'CPU time limit exceeded'],
  ['SIGXFSZ', 'File size limit exceeded'],
  ['SIGVTALRM', 'Virtual timer expired'],
  ['SIGPROF', 'Profiling timer expired'],
  ['SIGWINCH', 'Window changed'],
  ['SIGIO', 'I/O possible'],
  ['SIGPWR', 'Power failure'],
  ['SIGSYS', 'Bad system call'],
];

/** strsignal is glibc's description of a signal ("Killed" for 9). */
export function strsignal(sig: number): string {
  const s = SIGNALS[sig - 1];
  if (s) return s[1];
  if (sig >= 34 && sig <= 64) return `Real-time signal ${sig - 34}`;
  return `Unknown signal ${sig}`;
}

/** signalName is the SIG name of a signal ("SIGKILL"), or its number as text when it has none. */
export function signalName(sig: number): string {
  const s = SIGNALS[sig - 1];
  if (s) return s[0];
  if (sig >= 34 && sig <= 64)
    return sig === 34 ? 'SIGRTMIN' : sig === 64 ? 'SIGRTMAX' : `SIGRTMIN+${sig - 34}`;
  return String(sig);
}
