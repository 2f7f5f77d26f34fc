// Signal sets and actions as strace prints them: `[INT TERM]`, `~[RTMIN RT_1]` and
// `{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f…}`.

import { flags, hex, SIGNALS, signalName } from './decoders.js';

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

const SI_CODES = new Map<number, string>([
  [0, 'SI_USER'],
  [0x80, 'SI_KERNEL'],
  [-1, 'SI_QUEUE'],
  [-2, 'SI_TIMER'],
  [-3, 'SI_MESGQ'],
  [-4, 'SI_ASYNCIO'],
  [-5, 'SI_SIGIO'],
  [-6, 'SI_TKILL'],
]);
const CLD_CODES = [
  '',
  'CLD_EXITED',
  'CLD_KILLED',
  'CLD_DUMPED',
  'CLD_TRAPPED',
  'CLD_STOPPED',
  'CLD_CONTINUED',
];
// The codes of faults, by signal (include/uapi/asm-generic/siginfo.h).
const FAULT_CODES = new Map<number, readonly string[]>([
  [
    4,
    [
      '',
      'ILL_ILLOPC',
      'ILL_ILLOPN',
      'ILL_ILLADR',
      'ILL_ILLTRP',
      'ILL_PRVOPC',
      'ILL_PRVREG',
      'ILL_COPROC',
      'ILL_BADSTK',
    ],
  ],
  [
    8,
    [
      '',
      'FPE_INTDIV',
      'FPE_INTOVF',
      'FPE_FLTDIV',
      'FPE_FLTOVF',
      'FPE_FLTUND',
      'FPE_FLTRES',
      'FPE_FLTINV',
      'FPE_FLTSUB',
    ],
  ],
  [11, ['', 'SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR']],
  [7, ['', 'BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR', 'BUS_MCEERR_AR', 'BUS_MCEERR_AO']],
  [5, ['', 'TRAP_BRKPT', 'TRAP_TRACE', 'TRAP_BRANCH', 'TRAP_HWBKPT']],
]);
const SIGCHLD = 17;

/**
 * siginfo prints the start of a kernel_siginfo (signo, errno, code at 0/4/8, the union from 16) as
 * strace does: `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, ...}`.
 */
export function siginfo(data: Uint8Array): string | undefined {
  if (data.length < 48) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, 48);
  const signo = v.getInt32(0, true);
  const code = v.getInt32(8, true);
  const parts = [`si_signo=${signalName(BigInt(signo))}`];
  const errno = v.getInt32(4, true);
  if (errno !== 0) parts.push(`si_errno=${errno}`);
  const sender = (): void => {
    parts.push(`si_pid=${v.getInt32(16, true)}`, `si_uid=${v.getUint32(20, true)}`);
  };
  const named = SI_CODES.get(code);
  if (code <= 0 || named === 'SI_KERNEL') {
    parts.push(`si_code=${named ?? code}`);
    if (code === -2) {
      parts.push(`si_timerid=${hex(BigInt(v.getUint32(16, true)))}`, `si_overrun=${v.getInt32(20, true)}`);
      parts.push(`si_int=${v.getInt32(24, true)}`, `si_ptr=${hex(v.getBigUint64(24, true))}`);
    } else if (code <= 0) {
      sender();
      if (code === -1)
        parts.push(`si_int=${v.getInt32(24, true)}`, `si_ptr=${hex(v.getBigUint64(24, true))}`);
    }
  } else if (signo === SIGCHLD) {
    parts.push(`si_code=${CLD_CODES[code] ?? code}`);
    sender();
    const status = v.getInt32(24, true);
    // A child killed or dumped has a signal for a status.
    const st = code === 2 || code === 3 ? signalName(BigInt(status)) : String(status);
    parts.push(
      `si_status=${st}`,
      `si_utime=${v.getBigInt64(32, true)}`,
      `si_stime=${v.getBigInt64(40, true)}`,
    );
  } else if (FAULT_CODES.has(signo)) {
    parts.push(
      `si_code=${FAULT_CODES.get(signo)?.[code] ?? code}`,
      `si_addr=${hex(v.getBigUint64(16, true))}`,
    );
  } else {
    parts.push(`si_code=${code}`);
    sender();
  }
  return `{${parts.join(', ')}}`;
}

/** siginfoSigno is si_signo of a copied siginfo: 0 when the kernel had none to copy. */
export const siginfoSigno = (data: Uint8Array): number =>
  data.length < 4 ? 0 : new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true);

/** signalLine prints a delivered signal: `--- SIGCHLD {si_signo=SIGCHLD, …} ---`. */
export function signalLine(sig: number, data: Uint8Array): string {
  const info = siginfo(data);
  return `--- ${signalName(BigInt(sig))} ${info ?? '{}'} ---`;
}

/**
 * waitStatus prints a wait status as strace does: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`,
 * `[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]`, `[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]`.
 */
export function waitStatus(s: number): string {
  let text: string;
  if (s === 0xffff) text = 'WIFCONTINUED(s)';
  else if ((s & 0x7f) === 0) text = `WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}`;
  else if ((s & 0xff) === 0x7f)
    text = `WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName(BigInt((s >> 8) & 0xff))}`;
  else {
    text = `WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(BigInt(s & 0x7f))}`;
    if (s & 0x80) text += ' && WCOREDUMP(s)';
  }
  return `[{${text}}]`;
}
