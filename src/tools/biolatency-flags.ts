// biolatency -F: a request's cmd_flags (blk_opf_t) printed as libbpf-tools does, `Sync-Write`.
// The flag bits and operation numbers change between kernels, so they come from the kernel's BTF
// (enum req_flag_bits, enum req_op); the defaults are those of Linux 6.18.

import type { Btf } from '../btf/btf.js';

/** CmdFlagBits are the bit numbers of the flags libbpf-tools prints and the operation names by number. */
export interface CmdFlagBits {
  flags: readonly (readonly [bit: number, label: string])[];
  ops: ReadonlyMap<number, string>;
}

// libbpf-tools' order and labels, with the kernel's enumerator for each.
const FLAG_LABELS = [
  ['__REQ_NOWAIT', 'NoWait-'],
  ['__REQ_BACKGROUND', 'Background-'],
  ['__REQ_RAHEAD', 'ReadAhead-'],
  ['__REQ_PREFLUSH', 'PreFlush-'],
  ['__REQ_FUA', 'FUA-'],
  ['__REQ_INTEGRITY', 'Integrity-'],
  ['__REQ_IDLE', 'Idle-'],
  ['__REQ_NOMERGE', 'NoMerge-'],
  ['__REQ_PRIO', 'Priority-'],
  ['__REQ_META', 'Metadata-'],
  ['__REQ_SYNC', 'Sync-'],
] as const;

const OP_LABELS: Record<string, string> = {
  REQ_OP_READ: 'Read',
  REQ_OP_WRITE: 'Write',
  REQ_OP_FLUSH: 'Flush',
  REQ_OP_DISCARD: 'Discard',
  REQ_OP_SECURE_ERASE: 'SecureErase',
  REQ_OP_ZONE_APPEND: 'ZoneAppend',
  REQ_OP_WRITE_ZEROES: 'WriteZeroes',
  REQ_OP_ZONE_OPEN: 'ZoneOpen',
  REQ_OP_ZONE_CLOSE: 'ZoneClose',
  REQ_OP_ZONE_FINISH: 'ZoneFinish',
  REQ_OP_ZONE_RESET: 'ZoneReset',
  REQ_OP_ZONE_RESET_ALL: 'ZoneResetAll',
  REQ_OP_DRV_IN: 'DrvIn',
  REQ_OP_DRV_OUT: 'DrvOut',
};

const V618_BITS: Record<string, number> = {
  __REQ_SYNC: 11,
  __REQ_META: 12,
  __REQ_PRIO: 13,
  __REQ_NOMERGE: 14,
  __REQ_IDLE: 15,
  __REQ_INTEGRITY: 16,
  __REQ_FUA: 17,
  __REQ_PREFLUSH: 18,
  __REQ_RAHEAD: 19,
  __REQ_BACKGROUND: 20,
  __REQ_NOWAIT: 21,
};
const V618_OPS: Record<string, number> = {
  REQ_OP_READ: 0,
  REQ_OP_WRITE: 1,
  REQ_OP_FLUSH: 2,
  REQ_OP_DISCARD: 3,
  REQ_OP_SECURE_ERASE: 5,
  REQ_OP_ZONE_APPEND: 7,
  REQ_OP_WRITE_ZEROES: 9,
  REQ_OP_ZONE_OPEN: 11,
  REQ_OP_ZONE_CLOSE: 13,
  REQ_OP_ZONE_FINISH: 15,
  REQ_OP_ZONE_RESET: 17,
  REQ_OP_ZONE_RESET_ALL: 19,
  REQ_OP_DRV_IN: 34,
  REQ_OP_DRV_OUT: 35,
};

function build(
  bit: (name: string) => number | undefined,
  op: (name: string) => number | undefined,
): CmdFlagBits {
  const flags: (readonly [number, string])[] = [];
  for (const [name, label] of FLAG_LABELS) {
    const b = bit(name);
    if (b !== undefined) flags.push([b, label]);
  }
  const ops = new Map<number, string>();
  for (const [name, label] of Object.entries(OP_LABELS)) {
    const n = op(name);
    if (n !== undefined) ops.set(n, label);
  }
  return { flags, ops };
}

/** DEFAULT_CMD_FLAG_BITS are Linux 6.18's numbers, for formatting without a kernel. */
export const DEFAULT_CMD_FLAG_BITS: CmdFlagBits = build(
  (n) => V618_BITS[n],
  (n) => V618_OPS[n],
);

/** cmdFlagBitsFromBtf reads the running kernel's numbers; enumerators it lacks are left out. */
export function cmdFlagBitsFromBtf(btf: Btf): CmdFlagBits {
  const read = (name: string, enumName: string): number | undefined => {
    try {
      return Number(btf.enumValue(name, enumName));
    } catch {
      return undefined;
    }
  };
  return build(
    (n) => read(n, 'req_flag_bits'),
    (n) => read(n, 'req_op'),
  );
}

/** REQ_OP_MASK selects the operation in the low bits of cmd_flags. */
const REQ_OP_MASK = 0xff;

/** formatCmdFlags prints cmd_flags as libbpf-tools biolatency -F: flags with dashes, then the operation. */
export function formatCmdFlags(cmdFlags: number, bits: CmdFlagBits = DEFAULT_CMD_FLAG_BITS): string {
  let out = 'flags = ';
  for (const [bit, label] of bits.flags) if ((cmdFlags >>> bit) & 1) out += label;
  return out + (bits.ops.get(cmdFlags & REQ_OP_MASK) ?? 'Unknown');
}
