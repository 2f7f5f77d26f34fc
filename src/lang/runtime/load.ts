// load: create a compiled script's maps and load its programs; a verifier rejection is reported at
// the source expression that emitted the failing instruction.

import { NotSupportedError, VerifierError } from '../../errors/index.js';
import { tracepointAlternative } from '../../kernel/link-tracing.js';
import { BpfMap } from '../../kernel/map.js';
import { Program } from '../../kernel/program.js';
import type { Compiled } from '../codegen/compile.js';
import { type CompiledProgram, type MapLayout, posForPc } from '../codegen/layout.js';

/** Loaded holds every kernel object of a script; close() releases them all, idempotently. */
export class Loaded {
  readonly maps = new Map<string, BpfMap>();
  readonly programs: Array<{ compiled: CompiledProgram; prog: Program }> = [];

  close(): void {
    for (const p of this.programs) p.prog.close();
    for (const m of this.maps.values()) m.close();
  }
}

function mapName(l: MapLayout): string {
  if (!l.info) return l.ref.replace(/^__/, 'bt_');
  return l.info.name === '@' ? 'AT_' : `AT_${l.info.name.slice(1)}`;
}

/** load creates maps and loads programs; on failure everything created so far is closed. */
export function load(compiled: Compiled): Loaded {
  const out = new Loaded();
  try {
    for (const l of compiled.maps) {
      out.maps.set(
        l.ref,
        BpfMap.create({
          type: l.type,
          keySize: l.keySize,
          valueSize: l.valueSize,
          maxEntries: l.maxEntries,
          name: mapName(l),
        }),
      );
    }
    const maps = Object.fromEntries(out.maps);
    for (const p of compiled.programs) {
      let prog: Program;
      try {
        prog = Program.load({ type: p.type, insns: p.built, maps, name: progName(p), ...tracingLoad(p) });
      } catch (err) {
        throw sourceError(compiled, p, err);
      }
      out.programs.push({ compiled: p, prog });
    }
  } catch (err) {
    out.close();
    throw err;
  }
  return out;
}

/** tracingLoad is an fentry/fexit program's attach_btf_id and expected attach type. */
function tracingLoad(p: CompiledProgram): { attachBtfId?: number; expectedAttachType?: number } {
  const t = p.tracing;
  if (!t) return {};
  if (t.module) {
    // A module function's BTF id needs that module's BTF object fd at load time (attach_btf_obj_fd).
    throw new NotSupportedError(
      p.specs[0]!.type,
      `cannot load ${p.name}: fentry/fexit on module functions is not supported yet`,
      'trace a vmlinux function, or use a tracepoint',
    );
  }
  return { attachBtfId: t.btfId, expectedAttachType: t.expectedAttachType };
}

function progName(p: CompiledProgram): string {
  const s = p.specs[0]!;
  return `${s.type}_${s.func || s.unit || ''}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
}

/**
 * sourceError turns a verifier rejection into a positioned error on the script, and a kernel that
 * refuses fentry/fexit programs at load into one line naming the probe and its tracepoint.
 */
export function sourceError(compiled: Compiled, p: CompiledProgram, err: unknown): unknown {
  if (err instanceof NotSupportedError && err.feature === 'tracing' && p.tracing) {
    const spec = p.specs[0]!;
    const kind = spec.type === 'fexit' ? 'fexit' : 'fentry';
    // Program.load raises this NotSupportedError only for EPERM as root (kernel/program.ts).
    const e = new NotSupportedError(
      kind,
      `cannot load ${spec.name}: BPF_PROG_LOAD failed with EPERM: ${err.message}`,
      tracepointAlternative(kind, spec.func),
    );
    Object.defineProperty(e, 'cause', { value: err });
    return e;
  }
  if (!(err instanceof VerifierError)) return err;
  const pc = err.pc;
  const pos = pc === undefined ? undefined : posForPc(p, pc);
  const why = err.issues[0]?.message ?? err.log.filter((l) => l.trim()).at(-1) ?? err.message;
  const src = compiled.checked.source;
  if (pos === undefined) {
    return src.error(p.specs[0]!.pos, `the kernel rejected the program for ${p.name}: ${why}`);
  }
  return src.error(
    pos,
    `the kernel rejected this expression in ${p.name}: ${why}${pc === undefined ? '' : ` (instruction ${pc})`}`,
  );
}
