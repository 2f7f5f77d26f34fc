// bpfkit/vm: a userspace eBPF interpreter (reference tier) and translate-to-JavaScript tier, with
// bounds-checked memory regions, in-memory maps and the common helpers — pure, no kernel needed.

export * from './compiler.js';
export * from './conformance-case.js';
export * from './errors.js';
export * from './helpers.js';
export * from './interpreter.js';
export * from './map-spec.js';
export * from './maps.js';
export * from './memory.js';
export * from './program.js';
export * from './runtime.js';
export * from './validate.js';
export * from './vm.js';
