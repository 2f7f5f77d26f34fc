// The names the language knows: builtin variables and functions, with their arity, for the checker
// and for "did you mean" suggestions.

/** BUILTINS are the bare identifiers that name a value. */
export const BUILTINS = [
  'pid',
  'tid',
  'uid',
  'gid',
  'nsecs',
  'elapsed',
  'cpu',
  'comm',
  'cgroup',
  'curtask',
  'rand',
  'jiffies',
  'retval',
  'args',
  'probe',
  'func',
  'username',
  'kstack',
  'ustack',
  'ctx',
  ...Array.from({ length: 10 }, (_, i) => `arg${i}`),
] as const;

/** FUNCTIONS maps each function to its [min, max] argument count. */
export const FUNCTIONS: Record<string, [number, number]> = {
  printf: [1, 64],
  print: [1, 3],
  time: [0, 1],
  strftime: [2, 2],
  join: [1, 2],
  exit: [0, 1],
  clear: [1, 1],
  delete: [1, 2],
  zero: [1, 1],
  str: [1, 2],
  buf: [1, 2],
  ntop: [1, 2],
  ksym: [1, 1],
  usym: [1, 1],
  kstack: [0, 2],
  ustack: [0, 2],
  cgroupid: [1, 1],
  system: [1, 64],
  cat: [1, 64],
  count: [0, 0],
  sum: [1, 1],
  avg: [1, 1],
  min: [1, 1],
  max: [1, 1],
  stats: [1, 1],
  hist: [1, 1],
  lhist: [4, 4],
  kaddr: [1, 1],
  strncmp: [3, 3],
  bswap: [1, 1],
  reg: [1, 1],
  signal: [1, 1],
  override: [1, 1],
};

export const AGG_FUNCTIONS = new Set(['count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist']);

/** X86_REGS are pt_regs member offsets on x86_64, for reg("name") and arguments of kprobes/uprobes. */
export const X86_REGS: Record<string, number> = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  bp: 32,
  bx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  ax: 80,
  cx: 88,
  dx: 96,
  si: 104,
  di: 112,
  orig_ax: 120,
  ip: 128,
  cs: 136,
  flags: 144,
  sp: 152,
  ss: 160,
};

/** ARG_REGS are the registers of the first six integer arguments in the x86_64 SysV ABI. */
export const ARG_REGS = ['di', 'si', 'dx', 'cx', 'r8', 'r9'];
