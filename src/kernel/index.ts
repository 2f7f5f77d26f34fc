// bpfkit/kernel: live kernel objects — maps, programs, links, ring and perf buffers, feature probes,
// pins and cleanup — over bpf(2) and perf_event_open(2).

export * from './elf.js';
export * from './features.js';
export * from './features-report.js';
export * from './info.js';
export * from './link.js';
export * from './link-cgroup.js';
export * from './link-kprobe.js';
export * from './link-perf-event.js';
export * from './link-perf-sampling.js';
export * from './link-raw-tracepoint.js';
export * from './link-tracepoint.js';
export * from './link-tracing.js';
export * from './link-uprobe.js';
export * from './link-xdp.js';
export * from './map.js';
export { BpfMap as Map } from './map.js';
export * from './map-codecs.js';
export * from './map-types.js';
export * from './perfbuf.js';
export * from './pin.js';
export * from './program.js';
export * from './program-types.js';
export * from './resources.js';
export * from './ringbuf.js';
export * from './symbols.js';
export * from './tracefs-mount.js';
export * from './uprobe-resolve.js';
export * from './verifier-log.js';
