// strace's line leaders: `-t`/`-tt`/`-ttt` wall-clock times and `-r` times since the previous call.

/** TimestampOptions are strace's time switches: how many `-t` were given, and `-r`. */
export interface TimestampOptions {
  /** absolute is 0 (none), 1 (`-t` HH:MM:SS), 2 (`-tt` with microseconds) or 3 (`-ttt` epoch seconds). */
  absolute: number;
  /** relative prints the time since the previous syscall's entry (`-r`). */
  relative: boolean;
}

const NS = 1_000_000_000n;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** micros prints the sub-second part of ns as six digits. */
function micros(ns: bigint): string {
  return String((ns % NS) / 1000n).padStart(6, '0');
}

/**
 * Timestamper turns the kernel's entry times (CLOCK_MONOTONIC ns, from bpf_ktime_get_ns) into
 * strace's leaders. monoToRealNs is added to a monotonic time to get nanoseconds since the epoch.
 */
export class Timestamper {
  private prev: bigint | undefined;

  constructor(
    private readonly opts: TimestampOptions,
    private readonly monoToRealNs: bigint,
  ) {}

  /** active says whether lines get a leader at all. */
  get active(): boolean {
    return this.opts.absolute > 0 || this.opts.relative;
  }

  /** leader is the text strace prints before the call (with its trailing space), or ''. */
  leader(monoNs: bigint): string {
    let out = '';
    const { absolute, relative } = this.opts;
    if (absolute > 0) {
      const real = monoNs + this.monoToRealNs;
      const secs = real / NS;
      if (absolute >= 3) {
        out = `${secs}.${micros(real)} `;
      } else {
        // strace prints local time, as the Date methods do.
        const d = new Date(Number(secs) * 1000);
        out = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
        out += absolute === 2 ? `.${micros(real)} ` : ' ';
      }
    }
    if (relative) {
      const delta = this.prev === undefined || monoNs < this.prev ? 0n : monoNs - this.prev;
      this.prev = monoNs;
      const rel = `${String(delta / NS).padStart(6)}.${micros(delta)}`;
      out += absolute > 0 ? `(+${rel}) ` : `${rel} `;
    }
    return out;
  }
}

/** monoToRealOffset measures CLOCK_REALTIME − CLOCK_MONOTONIC in nanoseconds, now. */
export function monoToRealOffset(): bigint {
  const before = process.hrtime.bigint();
  const realMs = BigInt(Date.now());
  const after = process.hrtime.bigint();
  return realMs * 1_000_000n - (before + after) / 2n;
}
