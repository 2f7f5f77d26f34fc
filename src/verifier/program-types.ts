// The program types bpfkit's verifier knows, with their kernel numbers and the helper families each
// may call (as the running kernel 6.18 allows them to root).

/** ProgType numbers, as in the kernel's enum bpf_prog_type. */
export const ProgType = {
  socket_filter: 1,
  kprobe: 2,
  sched_cls: 3,
  tracepoint: 5,
  xdp: 6,
  perf_event: 7,
  cgroup_skb: 8,
  raw_tracepoint: 17,
} as const;
export type ProgTypeName = keyof typeof ProgType;

export const PROG_TYPE_NAMES = Object.keys(ProgType) as ProgTypeName[];

/** isProgTypeName narrows a user-supplied string. */
export const isProgTypeName = (s: string): s is ProgTypeName => Object.hasOwn(ProgType, s);

/** isTracing says the program runs in tracing context (kprobe, tracepoints, perf events). */
export const isTracing = (t: ProgTypeName): boolean =>
  t === 'kprobe' || t === 'tracepoint' || t === 'raw_tracepoint' || t === 'perf_event';

/** isSkb says the context is a `struct __sk_buff`. */
export const isSkb = (t: ProgTypeName): boolean =>
  t === 'socket_filter' || t === 'sched_cls' || t === 'cgroup_skb';

/**
 * returnRange is the range r0 must be in at exit, when the type checks it. Of these types only
 * cgroup_skb does (ingress attach: 0 drop, 1 pass).
 */
export function returnRange(t: ProgTypeName): [number, number] | undefined {
  return t === 'cgroup_skb' ? [0, 1] : undefined;
}
