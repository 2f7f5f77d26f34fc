// Probe specs: parse an attach point (`tracepoint:syscalls:sys_enter_*`, `uprobe:/bin/bash:readline`,
// `profile:hz:99`) into a typed spec, and expand wildcards against what the kernel offers.

import type { AttachPoint } from './ast.js';
import { didYouMean, type Source } from './diagnostics.js';
import type { TypeSource } from './types.js';

export type ProbeType =
  | 'begin'
  | 'end'
  | 'tracepoint'
  | 'rawtracepoint'
  | 'kprobe'
  | 'kretprobe'
  | 'fentry'
  | 'fexit'
  | 'uprobe'
  | 'uretprobe'
  | 'usdt'
  | 'profile'
  | 'interval'
  | 'software'
  | 'hardware';

/** ProbeSpec is one parsed attach point; `name` is its canonical text, which `probe` evaluates to. */
export interface ProbeSpec {
  type: ProbeType;
  name: string;
  pos: number;
  /** target is the tracepoint category, uprobe binary or usdt binary. */
  target: string;
  /** func is the event, function, usdt probe or symbol (possibly a glob before expansion). */
  func: string;
  /** offset is `+N` after a kprobe/uprobe function, or an absolute uprobe address. */
  offset?: number;
  address?: bigint;
  /** usdtArgs is the SDT argument spec of one usdt site (`-4@%edi 8@-8(%rbp)`). */
  usdtArgs?: string;
  /** unit and rate are for profile/interval/software/hardware: `hz` 99, `ms` 100, `cpu-clock` 1000. */
  unit?: string;
  rate?: number;
}

const ALIASES: Record<string, ProbeType> = {
  BEGIN: 'begin',
  begin: 'begin',
  END: 'end',
  end: 'end',
  tracepoint: 'tracepoint',
  t: 'tracepoint',
  rawtracepoint: 'rawtracepoint',
  rt: 'rawtracepoint',
  kprobe: 'kprobe',
  k: 'kprobe',
  kretprobe: 'kretprobe',
  kr: 'kretprobe',
  fentry: 'fentry',
  f: 'fentry',
  kfunc: 'fentry',
  fexit: 'fexit',
  fr: 'fexit',
  kretfunc: 'fexit',
  uprobe: 'uprobe',
  u: 'uprobe',
  uretprobe: 'uretprobe',
  ur: 'uretprobe',
  usdt: 'usdt',
  U: 'usdt',
  profile: 'profile',
  p: 'profile',
  interval: 'interval',
  i: 'interval',
  software: 'software',
  s: 'software',
  hardware: 'hardware',
  h: 'hardware',
};

const TIME_UNITS = ['hz', 's', 'ms', 'us', 'ns'];
export const SOFTWARE_EVENTS = [
  'cpu-clock',
  'cpu',
  'task-clock',
  'page-faults',
  'faults',
  'context-switches',
  'cs',
  'cpu-migrations',
  'minor-faults',
  'major-faults',
  'alignment-faults',
  'emulation-faults',
  'dummy',
  'bpf-output',
];
export const HARDWARE_EVENTS = [
  'cpu-cycles',
  'cycles',
  'instructions',
  'cache-references',
  'cache-misses',
  'branch-instructions',
  'branches',
  'branch-misses',
  'bus-cycles',
  'frontend-stalls',
  'backend-stalls',
  'ref-cycles',
];

/** parseAttachPoint parses one attach point, reporting mistakes at its position in `src`. */
export function parseAttachPoint(ap: AttachPoint, src: Source): ProbeSpec {
  const parts = ap.text.split(':');
  const head = parts[0]!;
  const type = ALIASES[head];
  const fail = (msg: string, hint?: string): never => {
    throw src.error(ap.pos, msg, hint);
  };
  if (type === undefined) {
    fail(
      `unknown probe type '${head}'`,
      didYouMean(
        head,
        Object.keys(ALIASES).filter((a) => a.length > 2),
      ) ??
        'probe types are BEGIN, END, tracepoint, rawtracepoint, kprobe, kretprobe, fentry, fexit, uprobe, uretprobe, usdt, profile, interval, software, hardware',
    );
  }
  const t = type as ProbeType;
  const base = { type: t, pos: ap.pos };
  switch (t) {
    case 'begin':
    case 'end':
      if (parts.length !== 1) fail(`${head} takes no arguments`);
      return { ...base, name: t.toUpperCase(), target: '', func: '' };
    case 'tracepoint': {
      if (parts.length !== 3 || !parts[1] || !parts[2]) {
        fail(
          `tracepoint probes are written 'tracepoint:category:event'`,
          "e.g. 'tracepoint:syscalls:sys_enter_openat'",
        );
      }
      return { ...base, name: `tracepoint:${parts[1]}:${parts[2]}`, target: parts[1]!, func: parts[2]! };
    }
    case 'rawtracepoint': {
      const func = parts.length === 3 ? parts[2] : parts[1];
      if (!func || parts.length > 3) fail(`rawtracepoint probes are written 'rawtracepoint:event'`);
      return {
        ...base,
        name: `rawtracepoint:${func}`,
        target: parts.length === 3 ? parts[1]! : '',
        func: func!,
      };
    }
    case 'kprobe':
    case 'kretprobe':
    case 'fentry':
    case 'fexit': {
      const fn = parts.length === 3 ? parts[2]! : (parts[1] ?? '');
      if (!fn || parts.length > 3) fail(`${t} probes are written '${t}:function'`);
      const m = /^([^+]+)(?:\+(\d+|0x[0-9a-fA-F]+))?$/.exec(fn);
      if (!m) fail(`malformed ${t} function '${fn}'`);
      const spec: ProbeSpec = {
        ...base,
        name: `${t}:${m![1]}`,
        target: parts.length === 3 ? parts[1]! : '',
        func: m![1]!,
      };
      if (m![2] !== undefined) {
        if (t !== 'kprobe') fail(`only kprobe takes a '+offset'`);
        spec.offset = Number(m![2]);
        spec.name += `+${m![2]}`;
      }
      return spec;
    }
    case 'uprobe':
    case 'uretprobe':
    case 'usdt': {
      if (parts.length < 3 || !parts[1] || !parts[parts.length - 1]) {
        fail(
          `${t} probes are written '${t}:binary:${t === 'usdt' ? '[provider:]probe' : 'function'}'`,
          "e.g. 'uprobe:/bin/bash:readline'",
        );
      }
      const target = parts[1]!;
      const func = parts.slice(2).join(':');
      const spec: ProbeSpec = { ...base, name: `${t}:${target}:${func}`, target, func };
      if (t !== 'usdt') {
        const addr = /^(0x[0-9a-fA-F]+|\d+)$/.exec(func);
        if (addr) spec.address = BigInt(addr[1]!);
        const off = /^(.+)\+(\d+|0x[0-9a-fA-F]+)$/.exec(func);
        if (off) {
          spec.func = off[1]!;
          spec.offset = Number(off[2]);
        }
      }
      return spec;
    }
    case 'profile':
    case 'interval': {
      // `interval:1s`-style shorthand is bpftrace >= 0.21; accept both.
      let unit = parts[1] ?? '';
      let rateText = parts[2] ?? '';
      if (parts.length === 2) {
        const m = /^(\d+)(hz|s|ms|us|ns)$/.exec(unit);
        if (m) {
          rateText = m[1]!;
          unit = m[2]!;
        }
      }
      if (!TIME_UNITS.includes(unit)) {
        fail(
          `${t} unit must be one of ${TIME_UNITS.join(', ')}`,
          `e.g. '${t}:${t === 'profile' ? 'hz:99' : 's:1'}'`,
        );
      }
      const rate = Number(rateText);
      if (!/^\d+$/.test(rateText) || rate <= 0)
        fail(`${t} needs a positive whole rate, as in '${t}:${unit}:1'`);
      return { ...base, name: `${t}:${unit}:${rate}`, target: '', func: '', unit, rate };
    }
    case 'software':
    case 'hardware': {
      const events = t === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS;
      const ev = parts[1] ?? '';
      if (!events.includes(ev))
        fail(`unknown ${t} event '${ev}'`, didYouMean(ev, events) ?? `known: ${events.join(', ')}`);
      const rateText = parts[2];
      const rate = rateText === undefined || rateText === '' ? undefined : Number(rateText);
      if (rate !== undefined && !(Number.isInteger(rate) && rate > 0))
        fail(`${t} count must be a positive integer`);
      const spec: ProbeSpec = {
        ...base,
        name: `${t}:${ev}:${rateText ?? ''}`,
        target: '',
        func: '',
        unit: ev,
      };
      if (rate !== undefined) spec.rate = rate;
      return spec;
    }
  }
  return fail('unreachable');
}

/** globToRegExp turns a bpftrace wildcard (`*`, `?`, `[abc]`) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[' || c === ']') re += c;
    else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export const hasWildcard = (s: string): boolean => /[*?[]/.test(s);

/** expandTracepoints resolves a tracepoint spec (maybe with wildcards) to concrete events. */
export function expandTracepoints(spec: ProbeSpec, types: TypeSource, src: Source): ProbeSpec[] {
  // A plain name needs only its own format file; listing every event is for globs and suggestions.
  if (
    !hasWildcard(spec.target) &&
    !hasWildcard(spec.func) &&
    types.tracepointFields(spec.target, spec.func)
  ) {
    return [spec];
  }
  const all = types.tracepoints();
  const catRe = globToRegExp(spec.target);
  const evRe = globToRegExp(spec.func);
  const out: ProbeSpec[] = [];
  for (const tp of all) {
    const [cat, ev] = tp.split(':') as [string, string];
    if (catRe.test(cat) && evRe.test(ev))
      out.push({ ...spec, name: `tracepoint:${cat}:${ev}`, target: cat, func: ev });
  }
  if (out.length === 0) {
    if (hasWildcard(spec.target) || hasWildcard(spec.func)) {
      throw src.error(spec.pos, `no tracepoints match '${spec.name}'`);
    }
    const sameCat = all
      .filter((t) => t.startsWith(`${spec.target}:`))
      .map((t) => t.slice(spec.target.length + 1));
    const hint =
      sameCat.length > 0
        ? didYouMean(spec.func, sameCat)?.replace(/'(.*)'/, `'tracepoint:${spec.target}:$1'`)
        : didYouMean(spec.target, new Set(all.map((t) => t.split(':')[0]!)))?.replace(
            /'(.*)'/,
            "category '$1'",
          );
    throw src.error(spec.pos, `unknown tracepoint '${spec.name}'`, hint);
  }
  return out;
}

/**
 * listProbes implements `-l GLOB`: tracepoints, raw tracepoints and software/hardware events whose
 * full name matches. A glob with no `:` is matched against every full name (`*sleep*`); a bare word
 * with no wildcard is a substring search. `verbose` adds each tracepoint's fields, indented, as
 * bpftrace's `-lv` prints them.
 */
export function listProbes(types: TypeSource, glob: string | undefined, verbose = false): string[] {
  const events = types.tracepoints();
  const tps = events.map((t) => `tracepoint:${t}`);
  const perf = [
    ...SOFTWARE_EVENTS.map((e) => `software:${e}:`),
    ...HARDWARE_EVENTS.map((e) => `hardware:${e}:`),
  ];
  let names: string[];
  if (glob === undefined || glob === '') names = [...tps, ...perf];
  else if (!glob.includes(':')) {
    const re = globToRegExp(hasWildcard(glob) ? glob : `*${glob}*`);
    names = [...tps, ...perf].filter((t) => re.test(t));
  } else {
    const head = glob.slice(0, glob.indexOf(':'));
    const type = Object.hasOwn(ALIASES, head) ? ALIASES[head] : undefined;
    // `sched:*` means tracepoints in category sched, as `tracepoint:sched:*` does.
    const g = type ? `${type}${glob.slice(head.length)}` : hasWildcard(head) ? glob : `tracepoint:${glob}`;
    const re = globToRegExp(g);
    // A software/hardware glob without the trailing count field still names the event.
    const rePerf = globToRegExp(g.split(':').length === 2 ? `${g}:` : g);
    const raw = events.map((e) => `rawtracepoint:${e.slice(e.indexOf(':') + 1)}`);
    names = [
      ...tps.filter((t) => re.test(t)),
      ...(type === 'rawtracepoint' ? raw.filter((t) => re.test(t)) : []),
      ...perf.filter((t) => rePerf.test(t)),
    ];
  }
  if (!verbose) return names;
  return names.flatMap((n) => {
    const m = /^tracepoint:([^:]+):(.+)$/.exec(n);
    const fields = m ? types.tracepointFields(m[1]!, m[2]!) : undefined;
    return [n, ...(fields ?? []).map((f) => `    ${f.type}`)];
  });
}
