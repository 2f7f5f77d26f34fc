// trace: BCC trace's probe specs — tracepoints, uprobes and uretprobes (kprobes where the kernel has
// them) with a predicate and a printf message — one line per hit: PID TID COMM FUNC message.

import { closeSync, existsSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { disassemble } from '../asm/disassembler.js';
import type { BuiltProgram } from '../asm/index.js';
import { BtfError } from '../btf/errors.js';
import { readEventFormat } from '../btf/tracefs-events.js';
import { eventField, type TraceField } from '../btf/tracefs-format.js';
import { BpfkitError, DecodeError, ParseError } from '../errors/index.js';
import type { UsdtNote } from '../kernel/elf.js';
import { requireKprobes } from '../kernel/features.js';
import { detachAll, type Link } from '../kernel/link.js';
import { attachKprobe } from '../kernel/link-kprobe.js';
import { attachTracepoint } from '../kernel/link-tracepoint.js';
import { attachUprobe, attachUsdt } from '../kernel/link-uprobe.js';
import { BpfMap, type MapSpec } from '../kernel/map.js';
import { Program } from '../kernel/program.js';
import { RingBuffer } from '../kernel/ringbuf.js';
import { kernelSymbols, type ResolvedSymbol, UserSymbolizer } from '../kernel/symbols.js';
import { ensureTracefs } from '../kernel/tracefs-mount.js';
import { loadElf, resolveBinary, resolveUprobe, UprobeTargetError } from '../kernel/uprobe-resolve.js';
import { parseUsdtArgs, type UsdtArg } from '../lang/usdt-args.js';
import { clock, cString } from './common/format.js';
import type { Output } from './common/output.js';
import { lostMessage, requireRoot, type StopReason, waitForStop } from './common/session.js';
import { generateProbe, layoutOf, type ProbeLayout, ringBytesFor, TRACE_HEADER } from './trace/codegen.js';
import {
  applyFormat,
  type FormatPart,
  parseFormat,
  type SymbolConversion,
  symbolConversions,
} from './trace/printf.js';
import { type ProbeSpec, parseProbe } from './trace/spec.js';

/** TraceOptions are BCC trace's options. */
export interface TraceOptions {
  probes: string[];
  pid?: number; // -p
  tid?: number; // -L
  /** maxEvents ends the trace after this many events (-M). */
  maxEvents?: number;
  timestamp?: boolean; // -t: seconds since the trace started (wins over -T, as in BCC)
  clock?: boolean; // -T: HH:MM:SS
  unixTimestamp?: boolean; // -u with -t: seconds since the epoch
  /** includeSelf keeps events of bpfkit's own process (-S); BCC drops them by default. */
  includeSelf?: boolean;
  uid?: number; // --uid
  /** stringSize is the bytes read for each %s (-Z, default 80). */
  stringSize?: number;
  address?: boolean; // -a: addresses in stacks
  /** binaryCompare makes STRCMP compare only the literal's bytes (-B). */
  binaryCompare?: boolean;
  /** bufferPages is BCC's -b: pages of buffer per CPU (the ring buffer is sized from it). */
  bufferPages?: number;
  /** verbose prints each probe's program before tracing (-v; BCC prints its C). */
  verbose?: boolean;
  /** aggregate counts identical events (line and stacks) and prints them at the end, most first (-A). */
  aggregate?: boolean;
  kernelStack?: boolean; // -K
  userStack?: boolean; // -U
  printCpu?: boolean; // -C
  /** cgroup traces only tasks under this cgroup v2 directory (-c). */
  cgroup?: string;
  /** name keeps events whose comm contains it (-n); filter those whose message does (-f). */
  name?: string;
  filter?: string;
  json?: boolean;
  seconds?: number;
  done?: Promise<unknown>;
  ready?: () => void;
  onEvent?: (e: TraceEvent) => void;
}

/** TraceEvent is one decoded hit. */
export interface TraceEvent {
  probe: number;
  func: string;
  tsNs: number;
  pid: number;
  tid: number;
  cpu: number;
  comm: string;
  values: (bigint | string)[];
  message: string;
}

/** PreparedProbe is a parsed probe with its format and the kinds of its arguments. */
export interface PreparedProbe {
  spec: ProbeSpec;
  format: FormatPart[];
  stringArgs: boolean[];
  /** symbols marks the %K and %U arguments: numbers read as addresses, printed as symbols. */
  symbols: (SymbolConversion | undefined)[];
}

/** prepareProbe parses a spec and checks its format against its arguments. */
export function prepareProbe(text: string, index = 0): PreparedProbe {
  const spec = parseProbe(text, `probe ${index + 1}`);
  const fmtAt = text.indexOf('"');
  const at = (col: number) => ({ file: `probe ${index + 1}`, line: 1, column: col + 1, sourceLine: text });
  const parts = parseFormat(spec.format ?? '');
  if (!Array.isArray(parts)) throw new ParseError(parts.error, at(fmtAt + 1 + parts.at));
  const convs = parts.filter((p) => typeof p !== 'string');
  if (convs.length !== spec.args.length) {
    throw new ParseError(
      `the format has ${convs.length} directive${convs.length === 1 ? '' : 's'} but ${spec.args.length} argument${spec.args.length === 1 ? ' is' : 's are'} given`,
      at(fmtAt),
    );
  }
  const symbols = symbolConversions(spec.format ?? '');
  return { spec, format: parts, stringArgs: convs.map((c, k) => c.conv === 's' && !symbols[k]), symbols };
}

/** traceHeader is BCC trace's header line. */
export function traceHeader(
  o: Pick<TraceOptions, 'timestamp' | 'clock' | 'printCpu' | 'unixTimestamp'>,
  anyFormat: boolean,
): string {
  let s = '';
  if (o.timestamp || o.clock) s += `${'TIME'.padEnd(o.unixTimestamp ? 17 : 8)} `;
  if (o.printCpu) s += `${'CPU'.padEnd(3)} `;
  return `${s}${'PID'.padEnd(7)} ${'TID'.padEnd(7)} ${'COMM'.padEnd(15)} ${'FUNC'.padEnd(16)} ${anyFormat ? '-' : ''}`;
}

/**
 * formatTraceLine is one hit's line as BCC prints it; `startNs` is the monotonic time the trace
 * started (for -t) and `startUnix` the wall-clock seconds then (for -u). BCC cuts the time column
 * to its width (8, or 17 with -u): 12.345678 prints as 12.34567.
 */
export function formatTraceLine(
  e: TraceEvent,
  o: Pick<TraceOptions, 'timestamp' | 'clock' | 'printCpu' | 'unixTimestamp'>,
  startNs: number,
  now = new Date(),
  startUnix = 0,
): string {
  let s = '';
  if (o.timestamp || o.clock) {
    const offset = (e.tsNs - startNs) / 1e9;
    const t = !o.timestamp ? clock(now) : (o.unixTimestamp ? offset + startUnix : offset).toFixed(6);
    const w = o.unixTimestamp ? 17 : 8;
    s += `${t.slice(0, w).padEnd(w)} `;
  }
  if (o.printCpu) s += `${String(e.cpu).padEnd(3)} `;
  return `${s}${String(e.pid).padEnd(7)} ${String(e.tid).padEnd(7)} ${e.comm.slice(0, 15).padEnd(15)} ${e.func.padEnd(16)} ${e.message}`;
}

/** bccSymbol renders a stack frame as BCC's sym(show_module, show_offset) does: "name+0x1a [module]". */
export function bccSymbol(sym: ResolvedSymbol | undefined, kernel: boolean): string {
  const module = kernel ? (sym?.module?.replace(/^\[|\]$/g, '') ?? 'kernel') : sym?.module?.split('/').pop();
  // A user address outside any symbol comes back named "<file>+0x..": BCC calls that [unknown].
  const known = sym && !(sym.module !== undefined && sym.name.startsWith(`${sym.module}+0x`));
  const name = known ? `${sym.name}+0x${sym.offset.toString(16)}` : '[unknown]';
  return module === undefined ? name : `${name} [${module}]`;
}

function decode(
  data: Uint8Array,
  p: PreparedProbe,
  layout: ProbeLayout,
): Omit<TraceEvent, 'message'> & { kstack: number; ustack: number } {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const H = TRACE_HEADER;
  return {
    probe: v.getUint32(H.probe, true),
    func: p.spec.func,
    tsNs: Number(v.getBigUint64(H.tsNs, true)),
    pid: v.getUint32(H.tgid, true),
    tid: v.getUint32(H.tid, true),
    cpu: v.getUint32(H.cpu, true),
    kstack: v.getInt32(H.kstack, true),
    ustack: v.getInt32(H.ustack, true),
    comm: cString(data.subarray(H.comm, H.comm + 16)),
    values: layout.args.map((a) =>
      a.string ? cString(data.subarray(a.offset, a.offset + a.size)) : v.getBigUint64(a.offset, true),
    ),
  };
}

interface Loaded {
  prepared: PreparedProbe;
  layout: ProbeLayout;
  /** programs are the probe's programs: one, or one per site of a USDT probe (with its pc). */
  programs: { insns: BuiltProgram; pc?: bigint }[];
  fields?: Map<string, TraceField>;
  /** binary is the resolved file of a uprobe. */
  binary?: string;
}

/** runTrace traces until Ctrl-C, SIGTERM, -d, -M events, or `done`. */
export async function runTrace(
  opts: TraceOptions,
  out: Output,
): Promise<{ reason: StopReason | 'max'; lost: number; events: number }> {
  if (opts.probes.length === 0)
    throw new ParseError(
      'give at least one probe, e.g. \'t:syscalls:sys_enter_openat "%s", args->filename\'',
    );
  if (opts.aggregate && opts.maxEvents === undefined)
    throw new BpfkitError('-M/--max-events should be specified with -A/--aggregate');
  if (opts.pid !== undefined && opts.tid !== undefined)
    throw new BpfkitError('only one of -p and -L may be specified');
  // A pid that names no process would trace nothing until stopped: say so instead (BCC waits).
  for (const [flag, id] of [
    ['-p', opts.pid],
    ['-L', opts.tid],
  ] as const) {
    if (id !== undefined && !existsSync(`/proc/${id}`)) throw new BpfkitError(`${flag}: no process ${id}`);
  }
  const prepared = opts.probes.map((t, i) => prepareProbe(t, i));
  const ringBytes = ringBytesFor(opts.bufferPages, availableParallelism());
  requireRoot('trace');
  const loaded: Loaded[] = prepared.map((p, index) => {
    const { spec } = p;
    // A target that does not exist is the probe's mistake: point at it.
    const pointAt = <T>(column: number, f: () => T): T => {
      try {
        return f();
      } catch (err) {
        if (!(err instanceof BtfError || err instanceof UprobeTargetError || err instanceof ParseError))
          throw err;
        throw new ParseError(
          err.message,
          { file: `probe ${index + 1}`, line: 1, column: column + 1, sourceLine: spec.text },
          err.hint === undefined ? { cause: err } : { cause: err, hint: err.hint },
        );
      }
    };
    let fieldOf: ((name: string, at: number) => TraceField) | undefined;
    let binary: string | undefined;
    // u:lib:probe is a USDT probe, as in BCC; where the binary has none of that name, a function.
    let sites: UsdtNote[] = [];
    if (spec.kind !== 't' && spec.library !== '') {
      const path = pointAt(spec.libraryAt, () => resolveBinary(spec.library));
      binary = path;
      if (spec.kind === 'u') {
        const [provider, name] = spec.func.includes(':') ? spec.func.split(':') : [undefined, spec.func];
        sites = pointAt(spec.libraryAt, () => {
          try {
            return loadElf(path).usdtNotes();
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
            throw new UprobeTargetError(`${path} is not an ELF binary (a script or a wrapper?)`, {
              hint: 'give the real program, e.g. its path under /usr/bin',
            });
          }
        }).filter((n) => n.name === name && (provider === undefined || n.provider === provider));
        if (sites.length === 0 && provider !== undefined)
          pointAt(spec.funcAt, () => {
            throw new UprobeTargetError(`${path} has no USDT probe ${spec.func}`);
          });
      }
      if (sites.length === 0)
        pointAt(spec.funcAt, () => {
          try {
            return resolveUprobe(path, spec.func);
          } catch (err) {
            if (spec.kind !== 'u' || !(err instanceof UprobeTargetError)) throw err;
            throw new UprobeTargetError(`${path} has no USDT probe or function named ${spec.func}`);
          }
        });
    }
    if (spec.kind === 't') {
      ensureTracefs();
      const fmt = pointAt(spec.libraryAt, () => readEventFormat(`${spec.library}:${spec.func}`));
      fieldOf = (name, at) => {
        try {
          return eventField(fmt, name);
        } catch (err) {
          throw new ParseError((err as Error).message, {
            file: `probe ${index + 1}`,
            line: 1,
            column: at + 1,
            sourceLine: spec.text,
          });
        }
      };
    } else if (spec.library === '') {
      requireKprobes(`${spec.kind === 'r' ? 'r' : 'p'}::${spec.func}`, 'a tracepoint (t:category:event)');
    }
    const generate = (usdtArgs?: UsdtArg[]) =>
      generateProbe(spec, p.stringArgs, {
        ...(usdtArgs ? { usdtArgs } : {}),
        index,
        file: `probe ${index + 1}`,
        ringBytes,
        pid: opts.pid,
        tid: opts.tid,
        skipTgid: opts.includeSelf ? undefined : process.pid,
        uid: opts.uid,
        stringSize: opts.stringSize,
        binaryCompare: opts.binaryCompare ?? false,
        cgroup: opts.cgroup !== undefined,
        kernelStack: opts.kernelStack ?? false,
        userStack: opts.userStack ?? false,
        ...(fieldOf ? { fields: fieldOf } : {}),
        userStrings: spec.library !== '' && (spec.kind !== 't' || spec.library === 'syscalls'),
      });
    // Each site of a USDT probe may keep its arguments in other registers: one program per site.
    const programs =
      sites.length === 0
        ? [{ insns: generate().insns }]
        : sites.map((n) => ({
            insns: generate(pointAt(spec.funcAt, () => parseUsdtArgs(n.args))).insns,
            pc: n.pc,
          }));
    const layout = layoutOf(p.stringArgs, opts.stringSize);
    return { prepared: p, layout, programs, ...(binary !== undefined ? { binary } : {}) };
  });
  if (opts.verbose) {
    loaded.forEach((l, k) => {
      out.line(`; probe ${k + 1}: ${l.prepared.spec.text}`);
      for (const prog of l.programs) out.line(disassemble(prog.insns.insns));
    });
  }
  const maps: BpfMap[] = [];
  const progs: Program[] = [];
  const links: Link[] = [];
  let ring: RingBuffer | undefined;
  let cgroupFd: number | undefined;
  const make = (spec: MapSpec<Buffer, Buffer>): BpfMap => {
    const m = BpfMap.create(spec);
    maps.push(m);
    return m;
  };
  try {
    const events = make({ type: 'ringbuf', maxEntries: ringBytes, name: 'trace_events' });
    const lost = make({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'trace_lost' });
    const heap = make({
      type: 'percpu_array',
      keySize: 4,
      valueSize: Math.max(...loaded.map((l) => l.layout.size)),
      maxEntries: 1,
      name: 'trace_heap',
    });
    const all: Record<string, BpfMap> = { events, lost, heap };
    if (opts.kernelStack || opts.userStack) {
      all.stacks = make({
        type: 'stack_trace',
        keySize: 4,
        valueSize: 127 * 8,
        maxEntries: 1024,
        name: 'trace_stacks',
      });
    }
    if (opts.cgroup !== undefined) {
      all.cgroup = make({
        type: 'cgroup_array',
        keySize: 4,
        valueSize: 4,
        maxEntries: 1,
        name: 'trace_cgroup',
      });
      cgroupFd = openSync(opts.cgroup, 'r');
      all.cgroup.setFd(Buffer.alloc(4), cgroupFd);
    }
    for (const l of loaded)
      for (const site of l.programs) {
        const { spec } = l.prepared;
        const type = spec.kind === 't' ? 'tracepoint' : 'kprobe';
        const name = `trace_${spec.func.replace(/\W/g, '_')}`.slice(0, 15);
        const prog = Program.load({ type, insns: site.insns, maps: all, name });
        progs.push(prog);
        if (site.pc !== undefined)
          links.push(
            attachUsdt(prog, { binary: l.binary!, pc: site.pc, ...(opts.pid ? { pid: opts.pid } : {}) }),
          );
        else if (spec.kind === 't') links.push(attachTracepoint(prog, spec.library, spec.func));
        else if (spec.library === '')
          links.push(attachKprobe(prog, spec.func, { retprobe: spec.kind === 'r' }));
        else {
          links.push(
            attachUprobe(prog, {
              binary: l.binary ?? resolveBinary(spec.library),
              symbol: spec.func,
              retprobe: spec.kind === 'r',
              ...(opts.pid ? { pid: opts.pid } : {}),
            }),
          );
        }
      }
    const anyFormat = prepared.some((p) => p.spec.format !== undefined);
    if (!opts.json) out.line(traceHeader(opts, anyFormat));
    out.flush();
    opts.ready?.();
    let count = 0;
    // -t counts from the start of the trace, as BCC's does (CLOCK_MONOTONIC, bpf_ktime_get_ns's clock).
    const startNs = Number(process.hrtime.bigint());
    const startUnix = Date.now() / 1000;
    let stopMax: () => void = () => {};
    const maxed = new Promise<void>((r) => (stopMax = r));
    const userSyms = new Map<number, UserSymbolizer>();
    // Stack lines as BCC's trace prints them: "name+0xoff [module]", the address first with -a.
    const counts = new Map<string, number>();
    let lines: string[] = [];
    // stackFrames reads one stack: its frames, or its negative id alone when it could not be taken.
    const stackFrames = (id: number, pid: number | undefined): string[] => {
      if (id < 0) return [`${id}`];
      const frames: string[] = [];
      const v = all.stacks!.get(Buffer.from(Uint32Array.of(id).buffer));
      for (let at = 0; v && at + 8 <= v.length; at += 8) {
        const ip = v.readBigUInt64LE(at);
        if (ip === 0n) break;
        let sym: ResolvedSymbol | undefined;
        if (pid === undefined) sym = kernelSymbols().lookup(ip);
        else {
          let u = userSyms.get(pid);
          if (!u) userSyms.set(pid, (u = new UserSymbolizer(pid)));
          sym = u.lookup(ip);
        }
        const addr = opts.address ? `${ip.toString(16).padStart(16)} ` : '';
        frames.push(`${addr}${bccSymbol(sym, pid === undefined)}`);
      }
      return frames;
    };
    const printStack = (id: number, pid: number | undefined): void => {
      for (const f of stackFrames(id, pid)) lines.push(`        ${f}`);
    };
    // %K is BCC's ksym(addr, show_offset); %U its sym(addr, tgid, show_module, show_offset).
    const symbolOf = (addr: bigint, kind: SymbolConversion, pid: number): string => {
      if (kind === 'K') {
        const sym = kernelSymbols().lookup(addr);
        return sym ? `${sym.name}+0x${sym.offset.toString(16)}` : '[unknown]';
      }
      let u = userSyms.get(pid);
      if (!u) userSyms.set(pid, (u = new UserSymbolizer(pid)));
      return bccSymbol(u.lookup(addr), false);
    };
    const onRecord = (data: Uint8Array): void => {
      if (opts.maxEvents !== undefined && count >= opts.maxEvents) return;
      const index = new DataView(data.buffer, data.byteOffset).getUint32(TRACE_HEADER.probe, true);
      const l = loaded[index];
      if (!l) return;
      const d = decode(data, l.prepared, l.layout);
      const syms = l.prepared.symbols;
      const message = applyFormat(
        l.prepared.format,
        d.values.map((v, k) => (syms[k] && typeof v === 'bigint' ? symbolOf(v, syms[k], d.pid) : v)),
      );
      if (opts.name && !d.comm.includes(opts.name)) return;
      if (opts.filter && !message.includes(opts.filter)) return;
      const e: TraceEvent = { ...d, message };
      count++;
      opts.onEvent?.(e);
      if (opts.json) {
        out.json({
          time_ns: e.tsNs,
          pid: e.pid,
          tid: e.tid,
          cpu: e.cpu,
          comm: e.comm,
          func: e.func,
          message,
          values: e.values,
          ...(opts.kernelStack ? { kernel_stack: stackFrames(d.kstack, undefined) } : {}),
          ...(opts.userStack ? { user_stack: stackFrames(d.ustack, e.pid) } : {}),
        });
      } else {
        lines = [formatTraceLine(e, opts, startNs, new Date(), startUnix)];
        if (opts.kernelStack) printStack(d.kstack, undefined);
        if (opts.userStack) printStack(d.ustack, e.pid);
        if (opts.aggregate) {
          const key = lines.join('\n');
          counts.set(key, (counts.get(key) ?? 0) + 1);
        } else {
          for (const line of lines) out.line(line);
          if (opts.kernelStack || opts.userStack) out.line('');
        }
      }
      if (opts.maxEvents !== undefined && count >= opts.maxEvents) stopMax();
    };
    let queued = false;
    const onRecordFlushing = (data: Uint8Array): void => {
      onRecord(data);
      if (!queued) {
        queued = true;
        queueMicrotask(() => {
          queued = false;
          out.flush();
        });
      }
    };
    ring = new RingBuffer(
      { fd: events.fd, maxEntries: events.maxEntries, name: events.name },
      {
        lostCounter: () => Number(lost.get(Buffer.alloc(4))?.readBigUInt64LE(0) ?? 0n),
        wakeup: 'timer',
        intervalMs: 10,
      },
    );
    const reading = ring.start(onRecordFlushing);
    const done = opts.done ? Promise.race([opts.done, maxed]) : maxed;
    const reason = await waitForStop({
      ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
      done,
    });
    await detachAll(links.splice(0).reverse());
    while (ring.poll(onRecordFlushing) > 0) {
      // Drain what was produced before the probes were detached.
    }
    await ring.closeAsync();
    await reading.catch(() => {});
    for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1])) {
      out.line(key);
      out.line(`-->COUNT ${n}`);
      out.line('');
    }
    out.flush();
    const lostCount = Number(lost.get(Buffer.alloc(4))?.readBigUInt64LE(0) ?? 0n);
    const msg = lostMessage(lostCount);
    if (msg) process.stderr.write(`trace: ${msg}\n`);
    const hitMax = opts.maxEvents !== undefined && count >= opts.maxEvents;
    return { reason: hitMax && reason === 'done' ? 'max' : reason, lost: lostCount, events: count };
  } finally {
    for (const l of links.reverse()) l.close();
    ring?.close();
    for (const p of progs) p.close();
    for (const m of maps) m.close();
    if (cgroupFd !== undefined) closeSync(cgroupFd);
  }
}
