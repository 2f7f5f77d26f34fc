// bpfkit/kernel: live kernel objects — maps, programs, feature probes, pins and cleanup — over bpf(2).

export * from './features.js';
export * from './features-report.js';
export * from './info.js';
export * from './map.js';
export { BpfMap as Map } from './map.js';
export * from './map-codecs.js';
export * from './map-types.js';
export * from './pin.js';
export * from './program.js';
export * from './program-types.js';
export * from './resources.js';
export * from './verifier-log.js';
