// bpfkit/asm: the eBPF instruction set — encoding, decoding, a typed builder, and text assembly.

export * from './assembler.js';
export * from './builder.js';
export * from './disassembler.js';
export * from './helpers.js';
export * from './hex.js';
export * from './instruction.js';
export * from './opcodes.js';
export * from './ringbuf-output.js';
export * from './ubpf.js';
