// biolatency: block I/O latency — issue (or insert with -Q) to completion — as a log2 histogram, from
// the block_rq_insert/issue/complete raw tracepoints keyed by the request pointer, as libbpf-tools.

import { existsSync, readFileSync } from 'node:fs';
import { type BuiltProgram, ProgramBuilder, r0, r1, r2, r3, r8, r10 } from '../asm/index.js';
import { loadVmlinux } from '../btf/btf.js';
import { BpfkitError } from '../errors/index.js';
import {
  type CmdFlagBits,
  cmdFlagBitsFromBtf,
  DEFAULT_CMD_FLAG_BITS,
  formatCmdFlags,
} from './biolatency-flags.js';
import { CGROUP_MAP, CgroupFilter, cgroupMapSpec, filterCgroup } from './common/cgroup.js';
import { clock } from './common/format.js';
import { log2Histogram } from './common/histogram.js';
import type { Output } from './common/output.js';
import type { ToolOptions } from './common/session.js';
import { elapsedSince, stampStart } from './common/snippets.js';
import { runSummary } from './common/summary.js';
import type { TracerProgram } from './common/tracer.js';
import { decodeHist, emitHistAdd, type Hist, histMap } from './hist-programs.js';
import { emitReadKernel } from './tcp-event.js';

/** BiolatencyOptions are libbpf-tools biolatency's main options. */
export interface BiolatencyOptions extends ToolOptions {
  milliseconds?: boolean; // -m
  /** queued includes the time queued in the kernel (-Q). */
  queued?: boolean;
  timestamp?: boolean; // -T
  /** perDisk prints one histogram per disk (-D). */
  perDisk?: boolean;
  /** perFlag prints one histogram per set of request flags (-F). */
  perFlag?: boolean;
  /** extension prints the average, total and count of all requests after each report (-e, BCC's). */
  extension?: boolean;
  /** disk traces only this whole disk, by its name in /sys/block (libbpf-tools' -d DISK). */
  disk?: string;
  /** cgroup counts only requests issued by tasks under this cgroup v2 directory (-c). */
  cgroup?: string;
  interval?: number;
  count?: number;
  onReport?: (hists: Hist[], ext?: Extension) => void;
}

/** Extension is -e's sum: every request's latency in nanoseconds, and how many there were. */
export interface Extension {
  totalNs: number;
  count: number;
}

/**
 * extensionLines is -e's summary as BCC biolatency prints it after the histograms:
 * "\navg = %ld %s, total: %ld %s, count: %ld\n", from the total in the histogram's unit.
 */
export function extensionLines(ext: Extension, milliseconds: boolean): string[] {
  if (ext.count === 0) return [];
  const unit = milliseconds ? 'msecs' : 'usecs';
  const total = ext.totalNs / (milliseconds ? 1e6 : 1e3);
  return [
    '',
    `avg = ${Math.trunc(total / ext.count)} ${unit}, total: ${Math.trunc(total)} ${unit}, count: ${ext.count}`,
    '',
  ];
}

/**
 * diskDev is a whole disk's dev_t in the kernel's encoding (major << 20 | minor), from
 * /sys/class/block/NAME/dev, which is how the programs below name a request's disk.
 */
export function diskDev(name: string): number {
  const dir = `/sys/class/block/${name}`;
  if (name === '' || name.includes('/') || name.startsWith('.') || !existsSync(`${dir}/dev`)) {
    throw new BpfkitError(`--disk-name: no disk named '${name}'`, { hint: 'see the names in /sys/block' });
  }
  if (existsSync(`${dir}/partition`)) {
    throw new BpfkitError(`--disk-name: ${name} is a partition; give the whole disk`);
  }
  const [major, minor] = readFileSync(`${dir}/dev`, 'utf8').trim().split(':').map(Number);
  return ((major ?? 0) << 20) | (minor ?? 0);
}

const FP_RQ = -8;
const FP_TS = -16;
const FP_KEY = -20;
const FP_DISK = -32;
const FP_DEV = -40;
const FP_HIST = -48 - 128;
// With -D and -F the key is { u32 cmd_flags; u32 dev; }, in the 8 bytes between FP_HIST's end and FP_DEV.
const FP_KEY2 = -56;

/** DiskOffsets lead from a request to its disk: rq->q->disk, and the gendisk's numbers and name. */
interface DiskOffsets {
  q: number;
  disk: number;
  major: number;
  name: number;
}

/** QueueOffsets lead from a request to its queue's I/O scheduler: rq->q->elevator. */
interface QueueOffsets {
  q: number;
  elevator: number;
}

/**
 * startProgram stamps a request at block_rq_insert or block_rq_issue. With -Q the issue of a request
 * that went through an I/O scheduler keeps the insert's stamp, as in libbpf-tools; requests that
 * bypass the scheduler are never inserted, so their issue stamps them.
 */
function startProgram(cgroup: boolean, keepQueued?: QueueOffsets): BuiltProgram {
  // block_rq_issue(struct request *rq) / block_rq_insert(struct request *rq)
  const b = new ProgramBuilder().ldx('u64', r1, r1, 0).st('u64', r10, FP_RQ, r1);
  // As libbpf-tools: the task that inserts or issues the request is the one checked.
  if (cgroup) filterCgroup(b, 'out');
  if (keepQueued) {
    b.st('u64', r10, FP_TS, 0);
    emitReadKernel(b, FP_TS, 8, FP_RQ, keepQueued.q);
    emitReadKernel(b, FP_TS, 8, FP_TS, keepQueued.elevator);
    b.ldx('u64', r1, r10, FP_TS).jmp('JNE', r1, 0, 'out');
  }
  stampStart(b, 'start', FP_RQ, FP_TS);
  return b.label('out').mov(r0, 0).exit().build();
}

function completeProgram(
  o: BiolatencyOptions,
  d?: DiskOffsets,
  cmdFlagsAt?: number,
  onlyDev?: number,
): BuiltProgram {
  // block_rq_complete(struct request *rq, blk_status_t error, unsigned int nr_bytes)
  const b = new ProgramBuilder().ldx('u64', r1, r1, 0).st('u64', r10, FP_RQ, r1);
  elapsedSince(b, 'start', FP_RQ, 'out', r8);
  b.jmp('JSLT', r8, 0, 'out').st('u32', r10, FP_KEY, 0);
  if (o.extension) {
    // -e: ext[0] = { total_ns, count }, before the delta is scaled to the histogram's unit.
    b.ldMap(r1, 'ext')
      .mov(r2, r10)
      .add(r2, FP_KEY)
      .call('map_lookup_elem')
      .jmp('JEQ', r0, 0, 'ext_done')
      .atomic('add', 'u64', r0, 0, r8)
      .mov(r1, 1)
      .atomic('add', 'u64', r0, 8, r1)
      .label('ext_done');
  }
  b.alu64('DIV', r8, o.milliseconds ? 1_000_000 : 1000);
  if (d) {
    // The key is the disk's dev_t (major << 20 | minor, the kernel's encoding); its name fills comm.
    b.st('u64', r10, FP_DISK, 0).st('u64', r10, FP_DEV, 0);
    emitReadKernel(b, FP_DISK, 8, FP_RQ, d.q);
    emitReadKernel(b, FP_DISK, 8, FP_DISK, d.disk);
    emitReadKernel(b, FP_DEV, 8, FP_DISK, d.major);
    b.ldx('u32', r1, r10, FP_DEV)
      .lsh(r1, 20)
      .ldx('u32', r2, r10, FP_DEV + 4)
      .or(r1, r2);
    if (onlyDev !== undefined) b.jmp('JNE', r1, onlyDev, 'out');
    if (o.perDisk) b.st('u32', r10, cmdFlagsAt !== undefined ? FP_KEY2 + 4 : FP_KEY, r1);
  }
  const keyAt = d && o.perDisk && cmdFlagsAt !== undefined ? FP_KEY2 : FP_KEY;
  if (cmdFlagsAt !== undefined) emitReadKernel(b, keyAt, 4, FP_RQ, cmdFlagsAt);
  emitHistAdd(b, r8, {
    keyAt,
    scratchAt: FP_HIST,
    label: 'hist',
    exit: 'out',
    ...(d && o.perDisk
      ? {
          fillComm: (bb: ProgramBuilder) =>
            bb.mov(r2, 16).ldx('u64', r3, r10, FP_DISK).add(r3, d.name).call('probe_read_kernel'),
        }
      : {}),
  });
  return b.label('out').mov(r0, 0).exit().build();
}

/** formatBiolatency prints one report: a blank line, the time with -T, the histogram. */
export function formatBiolatency(
  hists: Hist[],
  o: BiolatencyOptions,
  now = new Date(),
  bits: CmdFlagBits = DEFAULT_CMD_FLAG_BITS,
): string[] {
  const out = [''];
  if (o.timestamp) out.push(clock(now).padEnd(8));
  for (const h of [...hists].sort((a, b) => (a.key2 ?? 0) - (b.key2 ?? 0) || a.key - b.key)) {
    // libbpf-tools prints "\ndisk = NAME\t" with -D, "flags = ..." with -F, then "\n": so a blank line
    // precedes a histogram with -D or with neither, and none does with -F alone.
    if (o.perDisk) out.push('', `disk = ${h.comm}\t${o.perFlag ? formatCmdFlags(h.key, bits) : ''}`);
    else if (o.perFlag) out.push(formatCmdFlags(h.key, bits));
    else out.push('');
    out.push(...log2Histogram(h.slots, o.milliseconds ? 'msecs' : 'usecs'));
  }
  return out;
}

/** runBiolatency prints block I/O latency histograms every interval and at the end. */
export async function runBiolatency(opts: BiolatencyOptions, out: Output): Promise<void> {
  let disk: DiskOffsets | undefined;
  let cmdFlagsAt: number | undefined;
  let bits = DEFAULT_CMD_FLAG_BITS;
  if (opts.perFlag) {
    const btf = loadVmlinux();
    cmdFlagsAt = btf.offsetOf('request.cmd_flags').offset;
    bits = cmdFlagBitsFromBtf(btf);
  }
  const onlyDev = opts.disk === undefined ? undefined : diskDev(opts.disk);
  if (opts.perDisk || onlyDev !== undefined) {
    const btf = loadVmlinux();
    disk = {
      q: btf.offsetOf('request.q').offset,
      disk: btf.offsetOf('request_queue.disk').offset,
      major: btf.offsetOf('gendisk.major').offset,
      name: btf.offsetOf('gendisk.disk_name').offset,
    };
  }
  const cgroupFilter = opts.cgroup !== undefined;
  let keepQueued: QueueOffsets | undefined;
  if (opts.queued) {
    const btf = loadVmlinux();
    keepQueued = {
      q: btf.offsetOf('request.q').offset,
      elevator: btf.offsetOf('request_queue.elevator').offset,
    };
  }
  const programs: TracerProgram[] = [
    {
      name: 'block_rq_issue',
      type: 'raw_tracepoint',
      insns: startProgram(cgroupFilter, keepQueued),
      attach: ['block_rq_issue'],
    },
    ...(opts.queued
      ? [
          {
            name: 'block_rq_insert',
            type: 'raw_tracepoint' as const,
            insns: startProgram(cgroupFilter),
            attach: ['block_rq_insert'],
          },
        ]
      : []),
    {
      name: 'block_rq_done',
      type: 'raw_tracepoint',
      insns: completeProgram(opts, disk, cmdFlagsAt, onlyDev),
      attach: ['block_rq_complete'],
    },
  ];
  const cgroup = opts.cgroup === undefined ? undefined : new CgroupFilter(opts.cgroup);
  try {
    await runSummary(
      {
        tool: 'biolatency',
        programs,
        maps: {
          ...(cgroup ? { [CGROUP_MAP]: cgroupMapSpec } : {}),
          start: { type: 'hash', keySize: 8, valueSize: 8, maxEntries: 10240, name: 'biolat_start' },
          hists: histMap('biolat_hists', opts.perDisk && opts.perFlag ? 8 : 4),
          ...(opts.extension
            ? {
                ext: { type: 'array' as const, keySize: 4, valueSize: 16, maxEntries: 1, name: 'biolat_ext' },
              }
            : {}),
        },
        ready: (maps) => {
          cgroup?.install(maps);
          if (!opts.json) out.line('Tracing block device I/O... Hit Ctrl-C to end.');
          opts.ready?.();
        },
        report: (maps) => {
          const hists = maps.hists!.lookupAndDeleteBatch().map(([k, v]) => decodeHist(k, v));
          let ext: Extension | undefined;
          if (maps.ext) {
            const zero = Buffer.alloc(4);
            const v = maps.ext.get(zero) ?? Buffer.alloc(16);
            // Cleared per report, as BCC does; a request completing in between is lost to both.
            maps.ext.set(zero, Buffer.alloc(16));
            ext = { totalNs: Number(v.readBigUInt64LE(0)), count: Number(v.readBigUInt64LE(8)) };
          }
          opts.onReport?.(hists, ext);
          if (opts.json) {
            for (const h of hists) {
              out.json({
                ...(opts.perDisk ? { disk: h.comm } : {}),
                ...(opts.perFlag ? { flags: formatCmdFlags(h.key, bits).slice('flags = '.length) } : {}),
                unit: opts.milliseconds ? 'msecs' : 'usecs',
                slots: h.slots,
              });
            }
            if (ext)
              out.json({
                unit: opts.milliseconds ? 'msecs' : 'usecs',
                total_ns: ext.totalNs,
                count: ext.count,
              });
          } else {
            for (const l of formatBiolatency(hists, opts, new Date(), bits)) out.line(l);
            if (ext) for (const l of extensionLines(ext, opts.milliseconds ?? false)) out.line(l);
          }
        },
      },
      out,
      { interval: opts.interval, count: opts.count, seconds: opts.seconds, done: opts.done },
    );
  } finally {
    cgroup?.close();
  }
}
