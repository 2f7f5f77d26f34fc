// Signal sets and actions as strace prints them: `[INT TERM]`, `~[RTMIN RT_1]` and
// `{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f…}`.

import { flags, hex, SIGNALS } from './decoders.js';

/** NSIG is the number of signals a kernel sigset_t holds on x86_64. */
const NSIG = 64;
const SIGRTMIN = 32;

/** signalShortName is a signal's name without SIG, as in sets: INT, RTMIN, RT_1. */
function signalShortName(n: number): string {
  if (n === SIGRTMIN) return 'RTMIN';
  if (n > SIGRTMIN) return `RT_${n - SIGRTMIN}`;
  return SIGNALS.get(n)?.slice(3) ?? String(n);
}

/**
 * sigset prints a 64-bit kernel sigset_t: the signals in it, or, when more than half are, `~` and
 * the ones missing (strace's rule).
 */
export function sigset(mask: bigint): string {
  let m = BigInt.asUintN(NSIG, mask);
  let count = 0;
  for (let v = m; v !== 0n; v &= v - 1n) count++;
  let lead = '';
  if (count * 2 > NSIG) {
    m = BigInt.asUintN(NSIG, ~m);
    lead = '~';
  }
  const names: string[] = [];
  for (let n = 1; n <= NSIG; n++) if ((m >> BigInt(n - 1)) & 1n) names.push(signalShortName(n));
  return `${lead}[${names.join(' ')}]`;
}

const SA_RESTORER = 0x04000000n;
// strace's order: SA_RESTORER first, then the others as its table lists them.
const SA_FLAGS: readonly (readonly [number, string])[] = [
  [0x04000000, 'SA_RESTORER'],
  [0x08000000, 'SA_ONSTACK'],
  [0x10000000, 'SA_RESTART'],
  [0x40000000, 'SA_NODEFER'],
  [0x80000000, 'SA_RESETHAND'],
  [4, 'SA_SIGINFO'],
  [1, 'SA_NOCLDSTOP'],
  [2, 'SA_NOCLDWAIT'],
];

/** sigHandler prints sa_handler: SIG_DFL, SIG_IGN or the address. */
const sigHandler = (v: bigint): string => (v === 0n ? 'SIG_DFL' : v === 1n ? 'SIG_IGN' : hex(v));

/**
 * sigaction prints x86_64's struct kernel_sigaction (handler, flags, restorer, mask at 0/8/16/24);
 * sa_restorer is shown only when SA_RESTORER says it is used.
 */
export function sigaction(data: Uint8Array): string | undefined {
  if (data.length < 32) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, 32);
  const handler = v.getBigUint64(0, true);
  const saFlags = v.getBigUint64(8, true);
  const parts = [
    `sa_handler=${sigHandler(handler)}`,
    `sa_mask=${sigset(v.getBigUint64(24, true))}`,
    `sa_flags=${flags(saFlags, SA_FLAGS)}`,
  ];
  if (saFlags & SA_RESTORER) parts.push(`sa_restorer=${hex(v.getBigUint64(16, true))}`);
  return `{${parts.join(', ')}}`;
}
