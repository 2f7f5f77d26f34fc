// bpfkit/asm: the eBPF instruction set — encoding, decoding, a typed builder, and text assembly.

export * from './builder.js';
export * from './helpers.js';
export * from './instruction.js';
export * from './opcodes.js';
