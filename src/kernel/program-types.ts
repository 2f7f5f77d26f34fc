// Program and attach types by their kernel names.

import { BpfkitError } from '../errors/index.js';
import { AttachType, ProgType } from '../sys/bpf-cmd.js';

/** ProgTypeName is a program type in the kernel's words, lower case: `xdp`, `sched_cls`, `tracing`. */
export type ProgTypeName = Lowercase<Exclude<keyof typeof ProgType, 'UNSPEC'>>;

/** AttachTypeName is an attach type in the kernel's words, lower case: `trace_fentry`, `lsm_mac`. */
export type AttachTypeName = Lowercase<keyof typeof AttachType>;

/** progTypeNumber resolves a name (or passes a number through) to enum bpf_prog_type. */
export function progTypeNumber(type: ProgTypeName | number): number {
  if (typeof type === 'number') return type;
  const n = (ProgType as Record<string, number>)[type.toUpperCase()];
  if (n === undefined || n === 0) throw new BpfkitError(`unknown program type '${type}'`);
  return n;
}

/** progTypeName is the lower-case kernel name of a program type number. */
export function progTypeName(type: number): string {
  for (const [k, v] of Object.entries(ProgType)) if (v === type) return k.toLowerCase();
  return `prog_type_${type}`;
}

/** attachTypeNumber resolves an attach type name (or number). */
export function attachTypeNumber(type: AttachTypeName | number): number {
  if (typeof type === 'number') return type;
  const n = (AttachType as Record<string, number>)[type.toUpperCase()];
  if (n === undefined) throw new BpfkitError(`unknown attach type '${type}'`);
  return n;
}

/** attachTypeName is the lower-case kernel name of an attach type number. */
export function attachTypeName(type: number): string {
  for (const [k, v] of Object.entries(AttachType)) if (v === type) return k.toLowerCase();
  return `attach_type_${type}`;
}

/**
 * defaultAttachType is the expected_attach_type a program type needs at load time when the caller
 * does not say (the kernel refuses some types without one).
 */
export function defaultAttachType(type: number): number | undefined {
  switch (type) {
    case ProgType.TRACING:
      return AttachType.TRACE_FENTRY;
    case ProgType.LSM:
      return AttachType.LSM_MAC;
    case ProgType.CGROUP_SOCK_ADDR:
      return AttachType.CGROUP_INET4_CONNECT;
    case ProgType.CGROUP_SOCKOPT:
      return AttachType.CGROUP_GETSOCKOPT;
    case ProgType.SK_LOOKUP:
      return AttachType.SK_LOOKUP;
    case ProgType.NETFILTER:
      return AttachType.NETFILTER;
    default:
      return undefined;
  }
}
