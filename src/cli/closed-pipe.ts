// A reader that goes away (`bpfkit opensnoop | head`) ends a run as Ctrl-C does: the programs are
// detached and the process exits 0, where a C tool would die of SIGPIPE (Node only sees EPIPE).

let ending = false;

/** stdoutClosed is aborted when a write to process.stdout fails with EPIPE; `run` stops on it. */
export const stdoutClosed = new AbortController();

/** endRun stops a tool once, through the SIGTERM path every tool already handles. */
export function endRun(): void {
  if (ending) return;
  ending = true;
  process.kill(process.pid, 'SIGTERM');
}

/**
 * endRunOnClosedStdout turns an EPIPE on process.stdout (its writes are asynchronous) into
 * stdoutClosed; without it Node would throw the error from the stream, with a stack trace.
 */
export function endRunOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutClosed.abort();
  });
}
