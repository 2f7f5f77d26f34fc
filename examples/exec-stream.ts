// Stream every exec on the machine as it happens: a tracepoint program on sched:sched_process_exec
// writes { pid, old pid, comm, filename } into a ring buffer; JavaScript prints one line per exec.
//
//   npx tsx examples/exec-stream.ts        (Ctrl-C to stop)

import { pathToFileURL } from 'node:url';
import { ProgramBuilder, r0, r1, r2, r3, r6, r7 } from '../src/asm/index.js';
import { attachTracepoint, BpfMap, Program, RingBuffer } from '../src/kernel/index.js';

/** ExecEvent is one exec. */
export interface ExecEvent {
  pid: number;
  oldPid: number;
  comm: string;
  filename: string;
}

const COMM = 16;
const FILENAME = 128;
const RECORD = 8 + COMM + FILENAME;

/**
 * program: the tracepoint's record has `__data_loc char[] filename` at offset 8 (offset in the low
 * 16 bits), `pid` at 12 and `old_pid` at 16 (events/sched/sched_process_exec/format).
 */
function program() {
  return new ProgramBuilder()
    .mov(r6, r1)
    .ldMap(r1, 'events')
    .mov(r2, RECORD)
    .mov(r3, 0)
    .call('ringbuf_reserve')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r7, r0)
    .ldx('u32', r1, r6, 12)
    .st('u32', r7, 0, r1)
    .ldx('u32', r1, r6, 16)
    .st('u32', r7, 4, r1)
    .mov(r1, r7)
    .add(r1, 8)
    .mov(r2, COMM)
    .call('get_current_comm')
    .ldx('u32', r3, r6, 8)
    .and(r3, 0xffff)
    .add(r3, r6)
    .mov(r1, r7)
    .add(r1, 8 + COMM)
    .mov(r2, FILENAME)
    .call('probe_read_kernel_str')
    .mov(r1, r7)
    .mov(r2, 0)
    .call('ringbuf_submit')
    .label('out')
    .mov(r0, 0)
    .exit()
    .build();
}

const cstr = (b: Uint8Array): string => {
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end < 0 ? b.length : end).toString('utf8');
};

/** decodeExec turns one ring buffer record into an ExecEvent. */
export function decodeExec(d: Uint8Array): ExecEvent {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return {
    pid: v.getUint32(0, true),
    oldPid: v.getUint32(4, true),
    comm: cstr(d.subarray(8, 8 + COMM)),
    filename: cstr(d.subarray(8 + COMM, RECORD)),
  };
}

/** ExecStream is a running stream; `stop()` detaches and frees everything. */
export interface ExecStream {
  stop(): Promise<void>;
}

/** streamExecs calls `onExec` for every exec until stop(). */
export function streamExecs(onExec: (e: ExecEvent) => void): ExecStream {
  const events = BpfMap.create({ type: 'ringbuf', maxEntries: 1 << 20, name: 'events' });
  let prog: Program | undefined;
  let rb: RingBuffer | undefined;
  try {
    prog = Program.load({ type: 'tracepoint', insns: program(), maps: { events }, name: 'exec_stream' });
    rb = new RingBuffer(events);
    const reader = rb;
    const done = reader.start((d) => onExec(decodeExec(d)));
    const link = attachTracepoint(prog, 'sched', 'sched_process_exec');
    const loaded = prog;
    return {
      async stop() {
        link.close();
        await reader.closeAsync();
        await done;
        loaded.close();
        events.close();
      },
    };
  } catch (err) {
    rb?.close();
    prog?.close();
    events.close();
    throw err;
  }
}

function main(): void {
  const stream = streamExecs((e) => {
    console.log(
      `${String(e.pid).padStart(7)} ${String(e.oldPid).padStart(7)} ${e.comm.padEnd(16)} ${e.filename}`,
    );
  });
  console.log(`${'PID'.padStart(7)} ${'OLD PID'.padStart(7)} ${'COMM'.padEnd(16)} FILENAME`);
  process.once('SIGINT', () => {
    void stream.stop();
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (err) {
    console.error(`exec-stream: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
