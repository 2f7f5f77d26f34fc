// The process-wide registry of open kernel objects: whatever is still open when the process exits,
// is interrupted (SIGINT, SIGTERM) or dies of an uncaught error is closed, newest first, so no map,
// program or link outlives bpfkit by accident.
//
// For other kernel objects (links, ring buffers, perf buffers...): call `track(this)` in the
// constructor and `untrack(this)` in an idempotent `close()`; the registry only holds weak references,
// so a dropped object can still be reclaimed by its FD's finalizer.

/** Closeable is anything with an idempotent close(). */
export interface Closeable {
  close(): void;
}

const live = new Map<number, WeakRef<Closeable>>();
const ids = new WeakMap<Closeable, number>();
let nextId = 1;
let installed = false;

/** track registers obj for cleanup at exit; tracking the same object twice is harmless. */
export function track(obj: Closeable): void {
  if (ids.has(obj)) return;
  const id = nextId++;
  ids.set(obj, id);
  live.set(id, new WeakRef(obj));
  if (!installed) install();
}

/** untrack forgets obj; its owner calls this from close(). */
export function untrack(obj: Closeable): void {
  const id = ids.get(obj);
  if (id === undefined) return;
  ids.delete(obj);
  live.delete(id);
}

/** liveCount is the number of tracked objects still open (and not collected). */
export function liveCount(): number {
  let n = 0;
  for (const ref of live.values()) if (ref.deref()) n++;
  return n;
}

/**
 * closeAll closes every tracked object, newest first (links before the programs and maps they use).
 * Errors from one close do not stop the others.
 */
export function closeAll(): void {
  const refs = [...live.values()].reverse();
  live.clear();
  for (const ref of refs) {
    const obj = ref.deref();
    if (!obj) continue;
    ids.delete(obj);
    try {
      obj.close();
    } catch {
      // Cleanup must reach every object; a failing close has nothing better to do here.
    }
  }
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function onSignal(signal: NodeJS.Signals): void {
  // Another listener (a tool printing a summary, say) owns the shutdown; 'exit' still cleans up.
  if (process.listenerCount(signal) > 1) return;
  closeAll();
  process.removeListener(signal, onSignal);
  // Re-raise so the exit status says "killed by SIGINT" as it would have without us.
  try {
    process.kill(process.pid, signal);
  } catch {
    process.exit(SIGNAL_EXIT[signal] ?? 1);
  }
}

function install(): void {
  installed = true;
  process.on('exit', closeAll);
  // The monitor variant observes the error without changing how Node reports it; a process with its
  // own uncaughtException handler survives the error, so its objects stay open.
  process.on('uncaughtExceptionMonitor', () => {
    if (process.listenerCount('uncaughtException') === 0) closeAll();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
}
