import { describe, expect } from 'vitest';
import { loadVmlinux } from '../../btf/index.js';
import { BpfMap } from '../../kernel/map.js';
import { codecs } from '../../kernel/map-codecs.js';
import { Program } from '../../kernel/program.js';
import { btfLoad } from '../../sys/bpf.js';
import { AttachType } from '../../sys/bpf-cmd.js';
import { kernelIt } from '../../testing/kernel.js';
import {
  forkProgram,
  MAX_NR,
  SCRATCH_VALUE_SIZE,
  STASH_VALUE_SIZE,
  type StraceProgramOptions,
  signalProgram,
  sysEnterProgram,
  sysExitProgram,
} from './programs.js';
import { stashBtf } from './trace.js';

/** withMaps creates the maps the programs use and closes them after fn. */
function withMaps(summary: boolean, fn: (maps: Record<string, BpfMap<number, Buffer>>) => void): void {
  const made: BpfMap<number, Buffer>[] = [];
  const m = (spec: Parameters<typeof BpfMap.create>[0]) => {
    const map = BpfMap.create(spec.type === 'ringbuf' ? spec : { ...spec, key: codecs.u32 }) as BpfMap<
      number,
      Buffer
    >;
    made.push(map);
    return map;
  };
  const types = stashBtf();
  const btf = btfLoad(types.blob);
  try {
    const maps = {
      pids: m({ type: 'hash', valueSize: 4, maxEntries: 16 }),
      spec: m({ type: 'array', valueSize: 4, maxEntries: MAX_NR }),
      stash: m({
        type: 'task_storage',
        valueSize: STASH_VALUE_SIZE,
        maxEntries: 0,
        flags: 1,
        btf: { fd: btf.value, keyTypeId: types.key, valueTypeId: types.value },
      }),
      lost: m({ type: 'array', valueSize: 8, maxEntries: 1 }),
      config: m({ type: 'array', valueSize: 4, maxEntries: 1 }),
      scratch: m({ type: 'percpu_array', valueSize: SCRATCH_VALUE_SIZE, maxEntries: 1 }),
      [summary ? 'stats' : 'events']: summary
        ? m({ type: 'percpu_array', valueSize: 24, maxEntries: MAX_NR })
        : m({ type: 'ringbuf', maxEntries: 1 << 16 }),
    };
    fn(maps);
  } finally {
    btf.close();
    for (const map of made) map.close();
  }
}

describe('strace programs', () => {
  // Every variant the CLI can pick must pass the verifier: -c or records, timed or not, and sys_enter
  // both as a BTF-typed raw tracepoint and as the plain one kernels without vmlinux BTF get.
  kernelIt('pass the verifier in every variant', () => {
    let loaded = 0;
    for (const summary of [false, true]) {
      withMaps(summary, (maps) => {
        // -s 32 copies buffers through the stack, -s 100 straight into the record.
        for (const [timed, strSize] of [
          [false, 32],
          [true, 100],
        ] as const) {
          const opts: StraceProgramOptions = { strSize, summary, timed };
          const progs = [
            Program.load({
              type: 'raw_tracepoint',
              insns: sysEnterProgram(opts),
              maps,
              name: 'strace_enter',
            }),
            Program.load({ type: 'raw_tracepoint', insns: sysExitProgram(opts), maps, name: 'strace_exit' }),
            Program.load({ type: 'tracepoint', insns: forkProgram(12), maps, name: 'strace_fork' }),
          ];
          if (!summary) {
            progs.push(
              Program.load({ type: 'raw_tracepoint', insns: signalProgram(), maps, name: 'strace_signal' }),
            );
          }
          loaded += progs.length;
          for (const p of progs) p.close();
        }
      });
    }
    expect(loaded).toBe(14);
  });

  // The CLI loads sys_enter as tp_btf when it can, and falls back silently: check that variant loads.
  kernelIt('pass the verifier as a BTF-typed sys_enter', () => {
    const attachBtfId = loadVmlinux().findType('btf_trace_sys_enter', 'typedef')?.id;
    expect(attachBtfId).toBeDefined();
    withMaps(false, (maps) => {
      for (const strSize of [32, 100]) {
        Program.load({
          type: 'tracing',
          expectedAttachType: AttachType.TRACE_RAW_TP,
          ...(attachBtfId !== undefined ? { attachBtfId } : {}),
          insns: sysEnterProgram({ strSize, summary: false, timed: true, btfRegs: true }),
          maps,
          name: 'strace_enter',
        }).close();
      }
    });
  });
});
