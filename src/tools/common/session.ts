// The life of a tracing tool: run until Ctrl-C, SIGTERM, the -d duration, or the tool's own end;
// then detach, flush and report lost events. Interruption is a normal end: exit status 0.

import { BpfkitError } from '../../errors/index.js';

/** StopReason says why a session ended. */
export type StopReason = 'signal' | 'duration' | 'done';

/** SessionOptions configures waitForStop. */
export interface SessionOptions {
  /** seconds ends the session after this long (-d). */
  seconds?: number;
  /** done ends the session when it settles (a traced command exiting, say). */
  done?: Promise<unknown>;
}

/** ToolOptions are what every tool's options share: JSON output, how it ends, and a start hook. */
export interface ToolOptions extends SessionOptions {
  json?: boolean;
  /** ready runs once the probes are attached (to print a header, start a workload...). */
  ready?: () => void;
}

/** EventToolOptions are an event tool's: onEvent sees each decoded event (tests, embedding). */
export interface EventToolOptions<E> extends ToolOptions {
  onEvent?: (e: E) => void;
}

/**
 * waitForStop resolves when the session should end. While it waits, SIGINT and SIGTERM belong to the
 * tool (so the kernel registry does not exit first), and are handed back afterwards.
 */
export function waitForStop(opts: SessionOptions = {}): Promise<StopReason> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (reason: StopReason): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
      resolve(reason);
    };
    const onSignal = (): void => finish('signal');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (opts.seconds !== undefined) timer = setTimeout(() => finish('duration'), opts.seconds * 1000);
    opts.done?.then(
      () => finish('done'),
      () => finish('done'),
    );
  });
}

/** lostMessage is the stderr line for dropped events, or undefined when none were lost. */
export function lostMessage(lost: number, what = 'events'): string | undefined {
  return lost > 0 ? `Lost ${lost} ${what}` : undefined;
}

/** requireRoot fails with a clear sentence when the tool cannot load eBPF programs. */
export function requireRoot(tool: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new BpfkitError(`${tool} needs root to load and attach eBPF programs`, {
      hint: 'run it with sudo, or grant CAP_BPF and CAP_PERFMON',
    });
  }
}
