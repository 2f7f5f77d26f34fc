// Program: a loaded eBPF program as an owned object — load with the verifier's log on failure,
// map relocation, test runs, pinning.

import type { BuiltProgram } from '../asm/builder.js';
import { encode, type Insn } from '../asm/instruction.js';
import { LD_IMM64 } from '../asm/opcodes.js';
import { BpfkitError, NotSupportedError, VerifierError } from '../errors/index.js';
import { bpfError, getFdById, objGet, objPin, type ProgLoadAttr, progLoad, progTestRun } from '../sys/bpf.js';
import { ProgFlag } from '../sys/bpf-cmd.js';
import type { FD } from '../sys/fd.js';
import { type ProgInfo, progInfo } from './info.js';
import { sanitizeName } from './map.js';
import {
  type AttachTypeName,
  attachTypeNumber,
  defaultAttachType,
  type ProgTypeName,
  progTypeName,
  progTypeNumber,
} from './program-types.js';
import { track, untrack } from './resources.js';
import { parseVerifierLog, verifierIssues } from './verifier-log.js';

/** MapLike is anything with an open map fd (a BpfMap, or a raw `{ fd }`). */
export interface MapLike {
  readonly fd: number;
}

/** ProgramSpec describes a program to load. */
export interface ProgramSpec {
  type: ProgTypeName | number;
  /** insns are slots, a builder's BuiltProgram (its map names resolved from `maps`), or bytecode. */
  insns: readonly Insn[] | BuiltProgram | Uint8Array;
  /** license defaults to GPL, which the GPL-only helpers (most tracing ones) require. */
  license?: string;
  name?: string;
  /** maps resolves the builder's map names (`ldMap(r1, 'events')`) to open maps. */
  maps?: Record<string, MapLike>;
  expectedAttachType?: AttachTypeName | number;
  /** attachBtfId is the BTF id of the function or hook (tracing, LSM, ext). */
  attachBtfId?: number;
  /** attachBtfObjFd is the BTF object holding attachBtfId when it is a module's. */
  attachBtfObjFd?: number;
  attachProgFd?: number;
  kernVersion?: number;
  flags?: number;
  sleepable?: boolean;
  ifindex?: number;
  progBtfFd?: number;
  /** logLevel 1 or 2 always collects the verifier log (kept in `verifierLog`); 0 only on failure. */
  logLevel?: number;
}

/** TestRunOptions is the input of Program.testRun. */
export interface TestRunOptions {
  /** data is the packet (socket_filter, xdp, sched_cls, cgroup_skb...). */
  data?: Uint8Array;
  /** ctx is the context struct (raw_tracepoint args, __sk_buff, xdp_md...). */
  ctx?: Uint8Array;
  repeat?: number;
  /** dataOutSize bounds the returned packet; default: data length + 256 (room for head adjustments). */
  dataOutSize?: number;
  /** ctxOut asks for the context back (ignored when ctx is absent). */
  ctxOut?: boolean;
  flags?: number;
  cpu?: number;
}

/** TestRunResult is a PROG_TEST_RUN outcome. */
export interface TestRunResult {
  retval: number;
  /** duration is the average time per run in nanoseconds, as the kernel measured it. */
  duration: number;
  dataOut: Buffer | undefined;
  ctxOut: Buffer | undefined;
}

const LOG_START = 64 * 1024;
const LOG_MAX = 256 * 1024 * 1024;

/** resolveInsns applies map relocations and encodes the program. */
export function resolveInsns(insns: ProgramSpec['insns'], maps: Record<string, MapLike> = {}): Uint8Array {
  if (insns instanceof Uint8Array) return insns;
  if (!Array.isArray(insns) && 'relocations' in insns) {
    const built = insns as BuiltProgram;
    const slots = built.insns.map((i) => ({ ...i }));
    for (const rel of built.relocations) {
      const slot = slots[rel.pc];
      if (!slot || slot.code !== LD_IMM64) {
        throw new BpfkitError(`map relocation at instruction ${rel.pc} does not point at an LD_IMM64`);
      }
      if (typeof rel.map === 'string') {
        const map = maps[rel.map];
        if (!map) {
          const known = Object.keys(maps);
          throw new BpfkitError(
            `the program uses map '${rel.map}' but no such map was given`,
            known.length
              ? { hint: `maps given: ${known.join(', ')}` }
              : { hint: 'pass it in the maps option' },
          );
        }
        slot.imm = map.fd;
      } else {
        slot.imm = rel.map.fd;
      }
    }
    return encode(slots);
  }
  return encode(insns as readonly Insn[]);
}

/** Program is a loaded program; closing it unloads it unless a link, map or pin still holds it. */
export class Program {
  readonly handle: FD;
  readonly type: number;
  readonly name: string;
  /** verifierLog is the log of a load with logLevel ≥ 1, else empty. */
  readonly verifierLog: string;

  private constructor(handle: FD, type: number, name: string, verifierLog = '') {
    this.handle = handle;
    this.type = type;
    this.name = name;
    this.verifierLog = verifierLog;
    track(this);
  }

  /**
   * load loads a program (PROG_LOAD). A rejected program throws VerifierError with the kernel's log
   * and the failing instruction; other failures throw SysError with a hint.
   */
  static load(spec: ProgramSpec): Program {
    const type = progTypeNumber(spec.type);
    const name = sanitizeName(spec.name ?? '');
    const insns = resolveInsns(spec.insns, spec.maps);
    if (insns.byteLength === 0) throw new BpfkitError('cannot load an empty program');
    const expected =
      spec.expectedAttachType !== undefined
        ? attachTypeNumber(spec.expectedAttachType)
        : defaultAttachType(type);
    const attr: ProgLoadAttr = {
      progType: type,
      insns,
      license: spec.license ?? 'GPL',
      name,
      flags: (spec.flags ?? 0) | (spec.sleepable ? ProgFlag.SLEEPABLE : 0),
    };
    if (expected !== undefined) attr.expectedAttachType = expected;
    if (spec.attachBtfId !== undefined) attr.attachBtfId = spec.attachBtfId;
    if (spec.attachBtfObjFd !== undefined) attr.attachBtfObjFd = spec.attachBtfObjFd;
    if (spec.attachProgFd !== undefined) attr.attachProgFd = spec.attachProgFd;
    if (spec.kernVersion !== undefined) attr.kernVersion = spec.kernVersion;
    if (spec.ifindex !== undefined) attr.ifindex = spec.ifindex;
    if (spec.progBtfFd !== undefined) attr.progBtfFd = spec.progBtfFd;

    const level = spec.logLevel ?? 0;
    // Fast path without a log; the log is only worth its cost when something went wrong.
    let size = level > 0 ? LOG_START : 0;
    for (;;) {
      const r = progLoad(attr, { level: size > 0 ? Math.max(level, 1) : 0, size });
      if ('fd' in r) return new Program(r.fd, type, name, r.log);
      if (size > 0 && r.errno === 28 /* ENOSPC: the log did not fit */ && size < LOG_MAX) {
        size = Math.min(LOG_MAX, Math.max(size * 4, r.logTrueSize + 1));
        continue;
      }
      if (size === 0) {
        size = LOG_START;
        continue;
      }
      throw loadError(name, type, r.errno, r.log);
    }
  }

  /** fromFd wraps an already open program fd, taking ownership. */
  static fromFd(fd: FD): Program {
    let info: ProgInfo;
    try {
      info = progInfo(fd.value);
    } catch (err) {
      fd.close();
      throw err;
    }
    return new Program(fd, info.type, info.name);
  }

  /** fromPin opens a program pinned in bpffs. */
  static fromPin(path: string): Program {
    return Program.fromFd(objGet(path, `bpf program ${path}`));
  }

  /** fromId opens a program by its kernel id; undefined if no such program exists. */
  static fromId(id: number): Program | undefined {
    const fd = getFdById('prog', id);
    return fd ? Program.fromFd(fd) : undefined;
  }

  /** fd is the raw descriptor, for attach calls and prog arrays. */
  get fd(): number {
    return this.handle.value;
  }

  get closed(): boolean {
    return this.handle.closed;
  }

  get typeName(): string {
    return progTypeName(this.type);
  }

  /**
   * testRun runs the program in the kernel on `data` and/or `ctx` (BPF_PROG_TEST_RUN) and returns
   * its return value, the average duration, and the possibly modified packet and context.
   */
  testRun(options: TestRunOptions = {}): TestRunResult {
    const data = options.data;
    const dataOut = data ? Buffer.alloc(options.dataOutSize ?? data.byteLength + 256) : undefined;
    const ctx = options.ctx;
    const ctxOut = ctx && options.ctxOut ? Buffer.alloc(ctx.byteLength) : undefined;
    const out = progTestRun({
      progFd: this.fd,
      ...(data ? { dataIn: data } : {}),
      ...(dataOut ? { dataOut } : {}),
      ...(ctx ? { ctxIn: ctx } : {}),
      ...(ctxOut ? { ctxOut } : {}),
      ...(options.repeat !== undefined ? { repeat: options.repeat } : {}),
      ...(options.flags !== undefined ? { flags: options.flags } : {}),
      ...(options.cpu !== undefined ? { cpu: options.cpu } : {}),
    });
    return {
      retval: out.retval,
      duration: out.durationNs,
      dataOut: dataOut?.subarray(0, Math.min(out.dataSizeOut, dataOut.length)),
      ctxOut: ctxOut?.subarray(0, Math.min(out.ctxSizeOut, ctxOut.length)),
    };
  }

  /** pin makes the program outlive this process at a bpffs path. */
  pin(path: string): void {
    objPin(this.fd, path);
  }

  /** info asks the kernel for this program's id, tag, maps and run statistics. */
  info(): ProgInfo {
    return progInfo(this.fd);
  }

  /** close releases the program. Idempotent. */
  close(): void {
    untrack(this);
    this.handle.close();
  }
}

/** ALTERNATIVES names what to use when a program type is refused outright. */
const ALTERNATIVES: Record<string, string> = {
  tracing: 'a tracepoint or raw_tracepoint program',
  lsm: 'a tracepoint on the matching syscall, or a cgroup hook',
  ext: 'a tail call through a prog_array',
  kprobe: 'a tracepoint or raw_tracepoint program',
};

/** loadError turns a failed PROG_LOAD into a VerifierError (log present) or a SysError (no log). */
function loadError(name: string, type: number, errno: number, log: string): Error {
  const sys = bpfError('load program', errno);
  if (errno === 1 && process.geteuid?.() === 0) {
    // Root was refused: not a privilege problem but a kernel that will not run this kind of program.
    const kind = progTypeName(type);
    const alt = ALTERNATIVES[kind];
    if (alt) {
      return new NotSupportedError(
        kind,
        `this kernel refuses ${kind} programs even for root`,
        `use ${alt} instead`,
      );
    }
    return bpfError(
      'load program',
      errno,
      undefined,
      'refused even for root: kernel lockdown or an LSM policy',
    );
  }
  if (log.trim() === '') return sys;
  const parsed = parseVerifierLog(log);
  const what = `${progTypeName(type)} program${name ? ` '${name}'` : ''}`;
  const where = parsed.pc !== undefined ? ` at instruction ${parsed.pc}` : '';
  return new VerifierError(`the kernel verifier rejected ${what}${where}: ${parsed.reason}`, {
    log: parsed.lines,
    issues: verifierIssues(parsed),
    errno,
    cause: sys,
  });
}
