// run: compile a script, load and attach it, print its events as they arrive, and on exit() /
// Ctrl-C / the traced command's end run END, print every map in bpftrace's format and release
// every kernel object.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { BpfkitError, NotSupportedError } from '../../errors/index.js';
import { hasAttachCookies } from '../../kernel/features.js';
import { detachAll, type Link } from '../../kernel/link.js';
import { possibleCpus } from '../../kernel/map-types.js';
import type { RecordView } from '../../kernel/record-view.js';
import { RingBuffer } from '../../kernel/ringbuf.js';
import { SysError } from '../../sys/errno.js';
import { type CheckOptions, type CookieProgramType, check } from '../check.js';
import { probeId } from '../codegen/builtins.js';
import { type Compiled, compile } from '../codegen/compile.js';
import { type Action, EVENTS_MAP, GLOBALS_MAP, Globals, stacksRef } from '../codegen/layout.js';
import { Source } from '../diagnostics.js';
import { formatMapJson, formatMapText, type RawEntry } from '../format/maps.js';
import { OutBuffer } from '../format/out-buffer.js';
import { compileRecordFormat, compileRecordWriter, type RecordWriter } from '../format/record.js';
import { argsJson, argsText, cString, jsonValue, readInt, textValue, toJson } from '../format/values.js';
import { parseSource } from '../parser.js';
import { globToRegExp, listProbes, type ProbeSpec } from '../probes.js';
import { align8, byteSize, STRLEN } from '../types.js';
import { type AttachOptions, attachSpec } from './attach.js';
import { type Loaded, load } from './load.js';
import { KernelResolver, strftimeAt } from './resolver.js';
import { KernelTypeSource } from './type-source.js';

/** READ_INTERVAL_MS is how often the event ring is read: prompt output, thousands of events per read. */
const READ_INTERVAL_MS = 10;
const JSON_PRINTF_HEAD = Buffer.from('{"type": "printf", "data": ');
const JSON_TAIL = Buffer.from('}\n');
/** FLUSH_BYTES bounds the output held back while one read's records are rendered. */
const FLUSH_BYTES = 1 << 20;

export interface RunOptions {
  text: string;
  file: string;
  params?: string[];
  format?: 'text' | 'json';
  pid?: number;
  /** command is run with `sh -c` once probes are attached; tracing stops when it exits. */
  command?: string;
  dryRun?: boolean;
  /** disasm prints each probe's bytecode before loading. */
  disasm?: boolean;
  unsafe?: boolean;
  write?: (s: string) => void;
  writeErr?: (s: string) => void;
  /** signal stops the run like Ctrl-C. */
  signal?: AbortSignal;
  /** onAttached is called once every probe is attached and BEGIN has run. */
  onAttached?: () => void;
}

/** compileScript parses, checks and generates code against the running kernel's types. */
export function compileScript(
  text: string,
  file: string,
  params: string[] = [],
  unsafe = false,
  hasCommand = false,
  elf?: ElfLoader,
): Compiled {
  const source = new Source(text, file);
  const types = new KernelTypeSource();
  const options: CheckOptions = { types, params, unsafe, hasCommand, attachCookies };
  if (elf) {
    options.usdtSites = (spec) => usdtSites(spec, source, elf);
    options.uprobeFunctions = (spec) => uprobeFunctions(spec, source, elf);
  }
  // bpftrace's environment knobs: str()'s size (at most 200: strings live on the 512-byte stack)
  // and the entries of each map.
  const strlen = envInt('BPFTRACE_STRLEN', 200);
  if (strlen !== undefined) options.strlen = strlen;
  const maxMapKeys = envInt('BPFTRACE_MAP_KEYS_MAX');
  const checked = check(parseSource(source), source, options);
  return compile(checked, {
    ...(maxMapKeys === undefined ? {} : { maxMapKeys }),
    possibleCpus: possibleCpus(),
    resolveCgroupId: (path) => BigInt(statSync(path, { bigint: true }).ino),
    resolveKaddr: (name) => {
      const table = readFileSync('/proc/kallsyms', 'utf8');
      const m = new RegExp(`^([0-9a-f]+) \\w ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(
        table,
      );
      return m ? BigInt(`0x${m[1]}`) : undefined;
    },
  });
}

/** envInt reads a positive integer from the environment variable `name`, bounded by `max`. */
function envInt(name: string, max = 2 ** 31 - 1): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) === 0)
    throw new BpfkitError(`${name} must be a positive integer, not '${v}'`);
  if (Number(v) > max) throw new BpfkitError(`${name} ${v} exceeds the maximum of ${max}`);
  return Number(v);
}

/** attachCookies asks the kernel (once) whether programs of `type` can share by attach cookie. */
function attachCookies(type: CookieProgramType): boolean {
  try {
    return hasAttachCookies(type);
  } catch {
    return false; // the load will report a missing privilege in its own words
  }
}

/** ElfLoader is the part of kernel/uprobe-resolve that usdt and uprobe globs need, loaded only for them. */
type ElfLoader = Pick<
  typeof import('../../kernel/uprobe-resolve.js'),
  'resolveBinary' | 'loadElf' | 'functionNames' | 'UprobeTargetError'
>;

/** uprobeFunctions expands `uprobe:binary:glob*` to one spec per function symbol that matches. */
function uprobeFunctions(spec: ProbeSpec, source: Source, elf: ElfLoader): ProbeSpec[] {
  let path: string;
  try {
    path = elf.resolveBinary(spec.target);
  } catch (e) {
    if (e instanceof elf.UprobeTargetError) throw source.error(spec.pos, e.message, e.hint);
    throw e;
  }
  const names = elf.functionNames(elf.loadElf(path), globToRegExp(spec.func));
  if (names.length === 0) throw source.error(spec.pos, `no functions in ${path} match '${spec.func}'`);
  return names.map((func) => ({ ...spec, func, name: `${spec.type}:${spec.target}:${func}` }));
}

/** usdtSites expands `usdt:binary:[provider:]name` (globs allowed) to one spec per SDT note. */
function usdtSites(spec: ProbeSpec, source: Source, elf: ElfLoader): ProbeSpec[] {
  const path = elf.resolveBinary(spec.target);
  const re = globToRegExp(spec.func);
  const out: ProbeSpec[] = [];
  for (const n of elf.loadElf(path).usdtNotes()) {
    if (!re.test(`${n.provider}:${n.name}`) && !re.test(n.name)) continue;
    out.push({ ...spec, name: `usdt:${path}:${n.provider}:${n.name}`, address: n.pc, usdtArgs: n.args });
  }
  if (out.length === 0) throw source.error(spec.pos, `no usdt probe in ${path} matches '${spec.func}'`);
  return out;
}

/** usesElf says whether a script may name a usdt probe or a uprobe, so the ELF reader loads only then. */
const usesElf = (text: string): boolean => /\b(usdt|U|uprobe|uretprobe|u|ur):/.test(text);

/**
 * listScriptProbes implements `-l`: tracepoints and perf events matching a glob, a binary's function
 * symbols (`uprobe:/bin/bash:read*`) or usdt probes, one per line; `verbose` (-v) adds tracepoint fields.
 */
export async function listScriptProbes(glob: string | undefined, verbose = false): Promise<string[]> {
  const m = glob === undefined ? null : /^(usdt|U|uprobe|u|uretprobe|ur):([^:]+)(?::(.*))?$/.exec(glob);
  if (m) {
    const elf = await import('../../kernel/uprobe-resolve.js');
    const re = globToRegExp(m[3] || '*');
    const file = elf.loadElf(elf.resolveBinary(m[2]!));
    if (m[1] === 'usdt' || m[1] === 'U') {
      return file
        .usdtNotes()
        .map((n) => `${n.provider}:${n.name}`)
        .filter((n, i, all) => all.indexOf(n) === i && re.test(n))
        .map((n) => `usdt:${m[2]}:${n}`);
    }
    const type = m[1]!.startsWith('ur') ? 'uretprobe' : 'uprobe';
    return elf.functionNames(file, re).map((n) => `${type}:${m[2]}:${n}`);
  }
  return listProbes(new KernelTypeSource(), glob, verbose);
}

/**
 * preflight fails before anything is loaded for probe types this kernel cannot attach (kprobes
 * without CONFIG_KPROBES, fentry without function tracing, usdt), naming the alternative. A dry
 * run skips the fentry/fexit check: it exists to ask the kernel, so it goes on to the load and
 * reports the kernel's own answer.
 */
async function preflight(compiled: Compiled, dryRun: boolean): Promise<void> {
  for (const p of compiled.programs) {
    for (const spec of p.specs) {
      const t = spec.type;
      if ((t === 'fentry' || t === 'fexit') && !dryRun) await attachSpec({ fd: -1 }, spec);
      if (t === 'kprobe' || t === 'kretprobe') {
        const { kprobesSupported, kprobeUnsupported } = await import('../../kernel/link-kprobe.js');
        if (!kprobesSupported()) {
          // Name the tracepoint for this function (vfs_read → sys_enter_read), not a generic example.
          const { tracepointAlternative } = await import('../../kernel/link-tracing.js');
          const e = kprobeUnsupported(t, spec.func);
          throw new NotSupportedError(
            t,
            e.message,
            tracepointAlternative(t === 'kprobe' ? 'fentry' : 'fexit', spec.func),
          );
        }
      }
    }
  }
}

/**
 * checkUprobes checks every uprobe's binary and symbol before anything attaches, so a missing one is
 * an error at its probe's position (globs were expanded against the binary by check).
 */
async function checkUprobes(compiled: Compiled): Promise<void> {
  const uprobes = compiled.programs
    .flatMap((p) => p.specs)
    .filter((s) => s.type === 'uprobe' || s.type === 'uretprobe');
  if (uprobes.length === 0) return;
  const { resolveUprobe, UprobeTargetError } = await import('../../kernel/uprobe-resolve.js');
  for (const s of uprobes) {
    try {
      resolveUprobe(s.target, s.func);
    } catch (e) {
      if (!(e instanceof UprobeTargetError)) throw e;
      throw compiled.checked.source.error(s.pos, e.message, e.hint);
    }
  }
}

/** sharing is -d's note on a program that several attach points share: how many, and how told apart. */
function sharing(compiled: Compiled, p: Compiled['programs'][number]): string {
  if (p.specs.length === 1 && !compiled.byCookie.has(p)) return '';
  const how = compiled.byCookie.has(p) ? ", `probe` read from each link's attach cookie" : '';
  return ` (one program for ${p.specs.length} attach point${p.specs.length === 1 ? '' : 's'}${how})`;
}

/** run executes a script to completion and returns the exit code. */
export async function run(opts: RunOptions): Promise<number> {
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  const writeErr = opts.writeErr ?? ((s: string) => process.stderr.write(s));
  const json = opts.format === 'json';
  const elf = usesElf(opts.text) ? await import('../../kernel/uprobe-resolve.js') : undefined;
  const compiled = compileScript(
    opts.text,
    opts.file,
    opts.params ?? [],
    opts.unsafe ?? false,
    opts.command !== undefined,
    elf,
  );

  if (opts.disasm) {
    const { disassemble } = await import('../../asm/disassembler.js');
    for (const p of compiled.programs)
      write(`${p.name}:${sharing(compiled, p)}\n${disassemble(p.built.insns)}\n\n`);
  }
  await preflight(compiled, opts.dryRun ?? false);
  await checkUprobes(compiled);
  const loaded = load(compiled);
  const links: Link[] = [];
  let ring: RingBuffer | undefined;
  let child: ChildProcess | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  // Ctrl-C handlers stay until the end: a second Ctrl-C while detaching or printing the maps would
  // otherwise kill the process with its output unprinted.
  let releaseSignals: (() => void) | undefined;
  try {
    if (opts.dryRun) {
      const n = compiled.programs.length;
      const points = compiled.programs.reduce((k, p) => k + p.specs.length, 0);
      const of = points === n ? '' : ` for ${points} attach points`;
      write(`${n} program${n === 1 ? '' : 's'} verified${of}, nothing attached\n`);
      return 0;
    }
    // The command starts now, held before exec until the probes are attached, so `cpid` is known
    // to BEGIN and the probes see the command from its first instruction (as bpftrace does).
    let childExited = false;
    let onChildExit = () => {
      childExited = true;
    };
    if (opts.command !== undefined) {
      // A plain `prog args` command is exec'd in place so `cpid` is the program's own pid (dash
      // forks even for the last command of `sh -c`); anything else runs under its own shell.
      const simple = /^[\w@%+=:,./ -]+$/.test(opts.command);
      const start = simple ? 'eval "exec $1"' : 'exec sh -c "$1"';
      child = spawn('sh', ['-c', `read _ <&3; exec 3<&-; ${start}`, 'bpfkit-c', opts.command], {
        stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      });
      child.on('exit', () => onChildExit());
      child.on('error', () => onChildExit());
    }
    const globals = loaded.maps.get(GLOBALS_MAP)!;
    const g = Buffer.alloc(Globals.COUNT * 8);
    g.writeBigUInt64LE(process.hrtime.bigint(), Globals.START * 8);
    g.writeBigUInt64LE(BigInt(child?.pid ?? 0), Globals.CPID * 8);
    globals.set(Buffer.alloc(4), g);
    const readGlobal = (slot: number): bigint =>
      globals.get(Buffer.alloc(4))?.readBigUInt64LE(slot * 8) ?? 0n;

    // The symbol tables (kallsyms, ELF) load only for scripts that print symbols or stacks.
    const symbols = needsSymbols(compiled) ? await import('../../kernel/symbols.js') : undefined;
    const resolver = new KernelResolver(
      (limit) => loaded.maps.get(stacksRef(limit)),
      compiled.probeNames,
      symbols,
    );
    // Session output goes out as bytes; a caller's string writer gets it decoded.
    const sink = opts.write
      ? (chunk: Buffer) => write(chunk.toString())
      : (chunk: Buffer) => process.stdout.write(chunk);
    const session = new Session(compiled, loaded, resolver, sink, writeErr, json, opts.unsafe ?? false);

    const begin = loaded.programs.filter((p) => p.compiled.specs[0]!.type === 'begin');
    const end = loaded.programs.filter((p) => p.compiled.specs[0]!.type === 'end');
    const attachable = loaded.programs.filter((p) => !['begin', 'end'].includes(p.compiled.specs[0]!.type));
    const nProbes = compiled.programs.reduce((n, p) => n + p.specs.length, 0);
    if (json) write(`${toJson({ type: 'attached_probes', data: { probes: nProbes } })}\n`);
    else write(`Attaching ${nProbes} probe${nProbes === 1 ? '' : 's'}...\n`);

    ring = new RingBuffer(loaded.maps.get(EVENTS_MAP)! as unknown as { fd: number; maxEntries: number }, {
      lostCounter: () => Number(readGlobal(Globals.LOST_EVENTS)),
      // Producers skip wake-ups until the ring is half full (codegen/output.ts), so the ring is read
      // on a short timer; a forced wake-up still drains at once.
      wakeup: 'timer',
      intervalMs: READ_INTERVAL_MS,
    });
    for (const p of attachable) {
      const byCookie = compiled.byCookie.has(p.compiled);
      for (const spec of p.compiled.specs) {
        const o: AttachOptions = {};
        if (opts.pid !== undefined) o.pid = opts.pid;
        // A shared program learns which spec fired from the cookie: the index `probe` prints by.
        if (byCookie) o.cookie = BigInt(probeId(compiled.probeNames, spec.name));
        try {
          links.push(await attachSpec(p.prog, spec, o));
        } catch (e) {
          // Perf-event probes share the kernel's array of at most 64 programs per event, other
          // tools' included: say so at the probe rather than as a bare E2BIG.
          if (e instanceof SysError && e.code === 'E2BIG' && spec.type !== 'rawtracepoint') {
            throw compiled.checked.source.error(
              spec.pos,
              `cannot attach ${spec.name}: the kernel allows at most 64 BPF programs on one event, counting other tools' (E2BIG)`,
              'merge the probes on this event into one, with if/else in its body',
            );
          }
          throw e;
        }
      }
    }

    const stopped = new Promise<void>((resolve) => {
      session.onExit = resolve;
      const stop = () => resolve();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      opts.signal?.addEventListener('abort', stop, { once: true });
      if (opts.signal?.aborted) stop();
      releaseSignals = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      };
    });

    const onRecord = (rec: RecordView) => session.event(rec);
    const reading = ring.startViews(onRecord);
    // The -c/-p target's maps are kept each tick, so its addresses resolve after it exits.
    const target = symbols ? (child?.pid ?? opts.pid) : undefined;
    if (target !== undefined) {
      symbols!.rememberMaps(target);
      ticker = setInterval(() => symbols!.rememberMaps(target), 50);
    }
    session.stopTicker = () => clearInterval(ticker);
    for (const p of begin) p.prog.testRun({ ctx: Buffer.alloc(8) });
    ring.pollViews(onRecord);

    opts.onAttached?.();
    if (child) {
      onChildExit = () => session.onExit?.();
      if (childExited) session.onExit?.();
      // Closing the gate lets the held command exec; an exit() in BEGIN ends it unstarted instead.
      const gate = child.stdio[3] as NodeJS.WritableStream | null;
      if (session.exited) child.kill('SIGTERM');
      else gate?.end('\n');
    }
    if (!session.exited) await stopped;
    session.stopTicker?.();

    await detachAll(links.splice(0));
    // Events already in the ring belong before END's output; after exit() they are dropped.
    ring.pollViews(onRecord);
    session.ending = true;
    for (const p of end) p.prog.testRun({ ctx: Buffer.alloc(8) });
    ring.pollViews(onRecord);
    await ring.closeAsync();
    await reading.catch(() => {});
    session.flush();

    session.printAllMaps();
    const drops = readGlobal(Globals.MAP_DROPS);
    const lost = readGlobal(Globals.LOST_EVENTS);
    if (readGlobal(Globals.STR_TRUNCATED) !== 0n)
      writeErr(
        `bpfkit: note: some strings were longer than the ${envInt('BPFTRACE_STRLEN', 200) ?? STRLEN}-byte limit and were truncated\n`,
      );
    if (drops > 0n)
      writeErr(
        `bpfkit: warning: ${drops} map update${drops === 1n ? ' was' : 's were'} dropped because a map was full (raise max_map_keys)\n`,
      );
    if (lost > 0n)
      writeErr(
        `bpfkit: warning: ${lost} event${lost === 1n ? ' was' : 's were'} lost because the ring buffer was full\n`,
      );
    session.flush();
    return session.exitCode;
  } finally {
    releaseSignals?.();
    clearInterval(ticker);
    for (const l of links) l.close();
    ring?.close();
    if (child && child.exitCode === null) child.kill('SIGTERM');
    (child?.stdio[3] as (NodeJS.WritableStream & { destroy(): void }) | null)?.destroy();
    loaded.close();
  }
}

/** Session turns event records into output and owns the end-of-run map printing. */
class Session {
  exited = false;
  ending = false;
  exitCode = 0;
  onExit: (() => void) | undefined;
  stopTicker: (() => void) | undefined;
  private readonly ob = new OutBuffer();
  /** text is scratch space for a printf rendered before JSON escaping. */
  private readonly text = new OutBuffer();
  private readonly renderers = new Map<Action, (b: Buffer) => string>();
  private readonly writers = new Map<Action, RecordWriter>();
  private scheduled = false;
  /** ring and ringBuf are the last ring mapping seen and a Buffer over it, made once. */
  private ring: Uint8Array | undefined;
  private ringBuf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly c: Compiled,
    private readonly l: Loaded,
    private readonly r: KernelResolver,
    private readonly sink: (chunk: Buffer) => void,
    private readonly writeErr: (s: string) => void,
    private readonly json: boolean,
    private readonly unsafe: boolean,
  ) {}

  private out(s: string): void {
    this.ob.str(s);
    this.schedule();
  }

  /** schedule flushes once the current batch of records is done: one write per ring read. */
  private schedule(): void {
    if (this.ob.length >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.ob.length === 0) return;
    this.sink(this.ob.take());
  }

  event(rec: RecordView): void {
    if (this.exited && !this.ending) return;
    if (rec.length < 8) return;
    // Action ids are small: the low word of the u64 is enough.
    const a = this.c.actions[rec.u32(0)];
    if (!a) return;
    if (a.kind === 'printf') {
      // The common case, rendered from the ring in place into the output buffer.
      if (rec.bytes !== this.ring) {
        this.ring = rec.bytes;
        this.ringBuf = Buffer.from(rec.bytes.buffer, rec.bytes.byteOffset, rec.bytes.byteLength);
      }
      let w = this.writers.get(a);
      if (!w) this.writers.set(a, (w = compileRecordWriter(a.fmt, a.args, this.r)));
      if (this.json) {
        // {"type": "printf", "data": "..."}, as toJson writes it.
        this.text.clear();
        w(this.ringBuf, rec.offset, this.text);
        this.ob.bytes(JSON_PRINTF_HEAD, 0, JSON_PRINTF_HEAD.length);
        this.ob.json(this.text);
        this.ob.bytes(JSON_TAIL, 0, JSON_TAIL.length);
      } else w(this.ringBuf, rec.offset, this.ob);
      this.schedule();
      return;
    }
    this.action(a, rec.subarray());
  }

  private action(a: Action, rec: Uint8Array): void {
    switch (a.kind) {
      case 'printf':
      case 'system':
      case 'cat': {
        let renderRecord = this.renderers.get(a);
        if (!renderRecord) this.renderers.set(a, (renderRecord = compileRecordFormat(a.fmt, a.args, this.r)));
        const text = renderRecord(Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength));
        if (a.kind === 'printf') {
          this.out(this.json ? `${toJson({ type: 'printf', data: text })}\n` : text);
        } else if (a.kind === 'system') {
          if (!this.unsafe) return;
          const r = spawnSync('sh', ['-c', text], { encoding: 'utf8' });
          this.out(r.stdout ?? '');
        } else {
          try {
            this.out(readFileSync(text, 'utf8'));
          } catch (err) {
            this.writeErr(`bpfkit: cat: ${(err as Error).message}\n`);
          }
        }
        return;
      }
      case 'printArgs':
        this.out(
          this.json
            ? `${toJson({ type: 'value', data: argsJson(a.fields, rec) })}\n`
            : `${argsText(a.fields, rec)}\n`,
        );
        return;
      case 'printValue': {
        const t = a.arg.ty;
        const bytes = rec.subarray(a.arg.offset, a.arg.offset + align8(Math.max(byteSize(t), 8)));
        this.out(
          this.json
            ? `${toJson({ type: 'value', data: jsonValue(t, bytes, this.r) })}\n`
            : `${textValue(t, bytes, this.r)}\n`,
        );
        return;
      }
      case 'print': {
        const layout = this.c.maps.find((m) => m.info?.name === a.map);
        if (layout) this.out(this.mapText(layout.ref, a.top, a.div));
        return;
      }
      case 'clear':
      case 'zero': {
        const layout = this.c.maps.find((m) => m.info?.name === a.map);
        if (!layout) return;
        const m = this.l.maps.get(layout.ref)!;
        const keys = [...m.keys()];
        if (a.kind === 'clear') for (const k of keys) m.delete(k);
        else if (layout.type === 'percpu_hash') {
          const n = [...m.entriesPerCpu()][0]?.[1].length ?? 1;
          for (const k of keys)
            m.setPerCpu(
              k,
              Array.from({ length: n }, () => Buffer.alloc(layout.valueSize)),
            );
        } else for (const k of keys) m.set(k, Buffer.alloc(layout.valueSize));
        return;
      }
      case 'time': {
        const t = strftimeAt(a.fmt, process.hrtime.bigint());
        this.out(this.json ? `${toJson({ type: 'time', data: t })}\n` : t);
        return;
      }
      case 'join': {
        const parts: string[] = [];
        for (let i = 0; i < a.count; i++) {
          const s = cString(rec.subarray(8 + i * a.width, 8 + (i + 1) * a.width));
          if (s === '') break;
          parts.push(s);
        }
        const text = `${parts.join(a.delim)}\n`;
        this.out(this.json ? `${toJson({ type: 'join', data: text.slice(0, -1) })}\n` : text);
        return;
      }
      case 'exit':
        if (a.code)
          this.exitCode = Number(readInt(rec.subarray(a.code.offset, a.code.offset + 8), a.code.ty));
        this.exited = true;
        this.onExit?.();
        return;
    }
  }

  private entries(ref: string): RawEntry[] {
    const layout = this.c.maps.find((m) => m.ref === ref)!;
    const m = this.l.maps.get(ref)!;
    if (layout.type === 'percpu_hash') {
      return [...m.entriesPerCpu()].map(([key, values]) => ({ key, values }));
    }
    return [...m.entries()].map(([key, value]) => ({ key, values: [value] }));
  }

  private mapText(ref: string, top = 0, div = 0): string {
    const layout = this.c.maps.find((m) => m.ref === ref)!;
    const entries = this.entries(ref);
    if (this.json) return formatMapJson(layout, entries, this.r, top, div);
    return formatMapText(layout, entries, this.r, top, div);
  }

  printAllMaps(): void {
    // bpftrace separates the run's output from the maps with a blank line pair, even with no maps.
    this.out('\n\n');
    const layouts = this.c.maps
      .filter((m) => m.info)
      .sort((a, b) => (a.info!.name < b.info!.name ? -1 : a.info!.name > b.info!.name ? 1 : 0));
    for (const layout of layouts) this.out(this.mapText(layout.ref));
  }
}

/** needsSymbols says whether any expression of the script has a symbol or stack type. */
function needsSymbols(compiled: Compiled): boolean {
  for (const p of compiled.checked.probes) {
    for (const v of p.variants) {
      for (const t of v.types.values()) {
        if (t.k === 'ksym' || t.k === 'usym' || t.k === 'stack') return true;
        if (t.k === 'tuple' && t.elems.some((e) => e.k === 'ksym' || e.k === 'usym' || e.k === 'stack'))
          return true;
      }
    }
  }
  return false;
}
