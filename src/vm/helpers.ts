// The helpers the interpreter implements, by kernel helper id; anything else is an unknown-helper
// fault. Failures return the kernel's negative errno, as the real helpers do.

import { helperId } from '../asm/helpers.js';
import { VmError } from './errors.js';
import { VmMapType } from './maps.js';
import { addressOf } from './memory.js';
import { type HelperFn, mapFromPointer, type Runtime, Stop } from './runtime.js';

const EFAULT = 14n;
const EINVAL = 22n;
const ENOENT = 2n;
const E2BIG = 7n;
const u64 = (v: bigint | number): bigint => BigInt.asUintN(64, BigInt(v));
const neg = (errno: bigint): bigint => u64(-errno);
/** MAX_TAIL_CALLS is the kernel's MAX_TAIL_CALL_CNT. */
export const MAX_TAIL_CALLS = 33;
/** MAX_RECORD bounds one ring buffer reservation, in bytes. */
const MAX_RECORD = 64 * 1024 * 1024;

function need(
  bytes: Uint8Array | undefined,
  rt: Runtime,
  what: string,
  pc: number,
  addr: bigint,
  len: number,
): Uint8Array {
  if (bytes !== undefined) return bytes;
  throw new VmError(
    'helper',
    pc,
    `${what}: ${rt.memory.fault(addr, 0, len, false, pc).message.replace(/^instruction \d+: /, '')}`,
  );
}

function mapArg(rt: Runtime, ptr: bigint, helper: string, pc: number) {
  const map = mapFromPointer(rt, ptr);
  if (!map)
    throw new VmError('unknown-map', pc, `${helper}: r1 (0x${ptr.toString(16)}) is not a map pointer`);
  return map;
}

/** mapLookup is bpf_map_lookup_elem; the compiled tier recognises it and takes a faster path. */
export const mapLookup: HelperFn = (rt, m, keyPtr, _3, _4, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_map_lookup_elem', pc);
  const key = need(
    rt.memory.slice(keyPtr, map.spec.keySize),
    rt,
    'bpf_map_lookup_elem key',
    pc,
    keyPtr,
    map.spec.keySize,
  );
  const value = map.lookup(key);
  return value ? addressOf(rt.memory.regionFor(map.valueName, value)) : 0n;
};

const mapUpdate: HelperFn = (rt, m, keyPtr, valuePtr, flags, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_map_update_elem', pc);
  const key = need(
    rt.memory.slice(keyPtr, map.spec.keySize),
    rt,
    'bpf_map_update_elem key',
    pc,
    keyPtr,
    map.spec.keySize,
  );
  const size = map.spec.valueSize;
  const value = need(rt.memory.slice(valuePtr, size), rt, 'bpf_map_update_elem value', pc, valuePtr, size);
  return u64(map.update(key, value, flags));
};

const mapDelete: HelperFn = (rt, m, keyPtr, _3, _4, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_map_delete_elem', pc);
  const key = need(
    rt.memory.slice(keyPtr, map.spec.keySize),
    rt,
    'bpf_map_delete_elem key',
    pc,
    keyPtr,
    map.spec.keySize,
  );
  const old = map.delete(key);
  if (typeof old === 'number') return u64(old);
  rt.memory.unmapBytes(old);
  return 0n;
};

/** probeSource finds `len` readable bytes at `addr`: supplied probe memory first, then vm regions. */
function probeSource(
  rt: Runtime,
  addr: bigint,
  len: number,
  kind: 'user' | 'kernel' | undefined,
): Uint8Array | undefined {
  for (const p of rt.probeMemory) {
    if (kind && p.kind && p.kind !== kind) continue;
    const off = addr - p.address;
    if (off >= 0n && off + BigInt(len) <= BigInt(p.bytes.length))
      return p.bytes.subarray(Number(off), Number(off) + len);
  }
  return rt.memory.slice(addr, len);
}

function probeRead(kind: 'user' | 'kernel' | undefined): HelperFn {
  return (rt, dstPtr, sizeArg, src, _4, _5, pc) => {
    const size = Number(sizeArg & 0xffffffffn);
    const dst = rt.memory.checked(dstPtr, size, true, pc);
    const bytes = probeSource(rt, src, size, kind);
    // On a fault the kernel zeroes the destination, so programs never see stale bytes.
    if (!bytes) {
      dst.fill(0);
      return neg(EFAULT);
    }
    dst.set(bytes);
    return 0n;
  };
}

function probeReadStr(kind: 'user' | 'kernel' | undefined): HelperFn {
  return (rt, dstPtr, sizeArg, src, _4, _5, pc) => {
    const size = Number(sizeArg & 0xffffffffn);
    if (size === 0) return 0n;
    const dst = rt.memory.checked(dstPtr, size, true, pc);
    let n = 0;
    for (; n < size - 1; n++) {
      const b = probeSource(rt, src + BigInt(n), 1, kind);
      if (!b) {
        if (n === 0) {
          dst.fill(0);
          return neg(EFAULT);
        }
        break;
      }
      if (b[0] === 0) break;
      dst[n] = b[0]!;
    }
    dst[n] = 0;
    return BigInt(n + 1);
  };
}

function readCString(rt: Runtime, addr: bigint, max = 256): string | undefined {
  const out: number[] = [];
  for (let i = 0; i < max; i++) {
    const b = probeSource(rt, addr + BigInt(i), 1, undefined);
    if (!b) return out.length ? Buffer.from(out).toString('latin1') : undefined;
    if (b[0] === 0) break;
    out.push(b[0]!);
  }
  return Buffer.from(out).toString('latin1');
}

/** formatPrintk renders a bpf_trace_printk format with up to three 64-bit arguments. */
export function formatPrintk(rt: Runtime, fmt: string, args: bigint[]): string {
  let next = 0;
  return fmt.replace(
    /%([-0-9]*)(ll|l|h|hh|z)?([diuxXpsc%])/g,
    (whole, _w: string, len: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const raw = args[next++];
      if (raw === undefined) return whole;
      const bits = len === 'll' || len === 'l' || len === 'z' ? 64 : 32;
      switch (conv) {
        case 'd':
        case 'i':
          return BigInt.asIntN(bits, raw).toString();
        case 'u':
          return BigInt.asUintN(bits, raw).toString();
        case 'x':
          return BigInt.asUintN(bits, raw).toString(16);
        case 'X':
          return BigInt.asUintN(bits, raw).toString(16).toUpperCase();
        case 'p':
          return `0x${BigInt.asUintN(64, raw).toString(16)}`;
        case 'c':
          return String.fromCharCode(Number(raw & 0xffn));
        default:
          return readCString(rt, raw) ?? '(efault)';
      }
    },
  );
}

const tracePrintk: HelperFn = (rt, fmtPtr, sizeArg, a, b, c, pc) => {
  const size = Number(sizeArg & 0xffffffffn);
  const bytes = need(rt.memory.slice(fmtPtr, size), rt, 'bpf_trace_printk format', pc, fmtPtr, size);
  const end = bytes.indexOf(0);
  const fmt = Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('latin1');
  const line = formatPrintk(rt, fmt, [a, b, c]);
  rt.printk(line.endsWith('\n') ? line.slice(0, -1) : line);
  return BigInt(line.length);
};

const tailCall: HelperFn = (rt, ctx, m, indexArg, _4, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_tail_call', pc);
  if (map.spec.type !== VmMapType.ProgArray)
    throw new VmError('helper', pc, `bpf_tail_call: ${map.name} is not a program array`);
  const target = map.programs.get(Number(indexArg & 0xffffffffn));
  // A failed tail call is not an error: execution continues after the call, as in the kernel.
  if (target === undefined || rt.tailCalls >= MAX_TAIL_CALLS) return neg(ENOENT);
  rt.tailCalls++;
  rt.tailTarget = target;
  rt.tailCtx = ctx;
  rt.stop = Stop.TailCall;
  return 0n;
};

const perfEventOutput: HelperFn = (rt, _ctx, m, _flags, data, sizeArg, pc) => {
  const map = mapArg(rt, m, 'bpf_perf_event_output', pc);
  if (map.spec.type !== VmMapType.PerfEventArray) return neg(EINVAL);
  const size = Number(sizeArg & 0xffffffffn);
  map.records.push(rt.memory.checked(data, size, false, pc).slice());
  return 0n;
};

const ringbufOutput: HelperFn = (rt, m, data, sizeArg, _flags, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_ringbuf_output', pc);
  if (map.spec.type !== VmMapType.RingBuf) return neg(EINVAL);
  const size = Number(sizeArg & 0xffffffffn);
  if (size > map.spec.maxEntries) return neg(E2BIG);
  map.records.push(rt.memory.checked(data, size, false, pc).slice());
  return 0n;
};

// Reserved records are regions of their own; submit and discard find them by address.

const ringbufReserve: HelperFn = (rt, m, sizeArg, _flags, _4, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_ringbuf_reserve', pc);
  if (map.spec.type !== VmMapType.RingBuf) return 0n;
  const size = Number(sizeArg & 0xffffffffn);
  // The kernel fails reservations larger than the ring; so does the vm (and it never allocates wildly).
  if (size > map.spec.maxEntries || size > MAX_RECORD) return 0n;
  const region = rt.memory.map(`${map.name} ring buffer record`, new Uint8Array(size));
  rt.reserved.set(region, map);
  return addressOf(region);
};

function ringbufFinish(submit: boolean): HelperFn {
  const name = submit ? 'bpf_ringbuf_submit' : 'bpf_ringbuf_discard';
  return (rt, ptr, _2, _3, _4, _5, pc) => {
    const region = rt.memory.regionAt(ptr);
    const map = region && (ptr & 0xffffffffn) === 0n ? rt.reserved.get(region) : undefined;
    if (!region || !map)
      throw new VmError('helper', pc, `${name}: 0x${ptr.toString(16)} is not a reserved record`);
    rt.reserved.delete(region);
    rt.memory.unmap(region);
    if (submit) map.records.push(region.bytes);
    return 0n;
  };
}

const mapPush: HelperFn = (rt, m, valuePtr, flags, _4, _5, pc) => {
  const map = mapArg(rt, m, 'bpf_map_push_elem', pc);
  const size = map.spec.valueSize;
  return u64(map.push(rt.memory.checked(valuePtr, size, false, pc), flags));
};

function mapPop(peek: boolean): HelperFn {
  return (rt, m, valuePtr, _3, _4, _5, pc) => {
    const map = mapArg(rt, m, peek ? 'bpf_map_peek_elem' : 'bpf_map_pop_elem', pc);
    const dst = rt.memory.checked(valuePtr, map.spec.valueSize, true, pc);
    const value = map.pop(peek);
    if (!value) return neg(ENOENT);
    dst.set(value);
    return 0n;
  };
}

const getCurrentComm: HelperFn = (rt, buf, sizeArg, _3, _4, _5, pc) => {
  const size = Number(sizeArg & 0xffffffffn);
  const dst = rt.memory.checked(buf, size, true, pc);
  dst.fill(0);
  const comm = Buffer.from(rt.task.comm, 'latin1').subarray(0, Math.max(0, Math.min(15, size - 1)));
  dst.set(comm);
  return 0n;
};

const id = (name: string): number => {
  const n = helperId(name);
  if (n === undefined) throw new Error(`bpfkit bug: unknown helper ${name}`);
  return n;
};

/** standardHelpers returns the helper table of a vm, keyed by kernel helper id. */
export function standardHelpers(): Map<number, HelperFn> {
  return new Map<number, HelperFn>([
    [id('map_lookup_elem'), mapLookup],
    [id('map_update_elem'), mapUpdate],
    [id('map_delete_elem'), mapDelete],
    [id('map_push_elem'), mapPush],
    [id('map_pop_elem'), mapPop(false)],
    [id('map_peek_elem'), mapPop(true)],
    [id('probe_read'), probeRead(undefined)],
    [id('probe_read_str'), probeReadStr(undefined)],
    [id('probe_read_user'), probeRead('user')],
    [id('probe_read_kernel'), probeRead('kernel')],
    [id('probe_read_user_str'), probeReadStr('user')],
    [id('probe_read_kernel_str'), probeReadStr('kernel')],
    [id('ktime_get_ns'), (rt) => u64(rt.clock())],
    [id('ktime_get_boot_ns'), (rt) => u64(rt.clock())],
    [id('trace_printk'), tracePrintk],
    [id('get_prandom_u32'), (rt) => BigInt(rt.random() >>> 0)],
    [id('get_smp_processor_id'), (rt) => BigInt(rt.cpu >>> 0)],
    [id('tail_call'), tailCall],
    [id('get_current_pid_tgid'), (rt) => (BigInt(rt.task.tgid >>> 0) << 32n) | BigInt(rt.task.pid >>> 0)],
    [id('get_current_uid_gid'), (rt) => (BigInt(rt.task.gid >>> 0) << 32n) | BigInt(rt.task.uid >>> 0)],
    [id('get_current_comm'), getCurrentComm],
    [id('perf_event_output'), perfEventOutput],
    [id('ringbuf_output'), ringbufOutput],
    [id('ringbuf_reserve'), ringbufReserve],
    [id('ringbuf_submit'), ringbufFinish(true)],
    [id('ringbuf_discard'), ringbufFinish(false)],
  ]);
}

/** UNWIND_HELPER is the bpf_conformance suite's helper 5: returns r1, and stops the run when r1 is 0. */
export const UNWIND_HELPER = 5;

/** unwindHelper implements the conformance suite's "unwind" helper. */
export const unwindHelper: HelperFn = (rt, r1) => {
  if (r1 === 0n) rt.stop = Stop.Unwind;
  return r1;
};

/** conformanceHelpers is the standard table with helper 5 replaced by the suite's unwind helper. */
export function conformanceHelpers(): Map<number, HelperFn> {
  const table = standardHelpers();
  table.set(UNWIND_HELPER, unwindHelper);
  return table;
}
