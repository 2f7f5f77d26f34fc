// bpfkit/btf: BTF parsing and lookups (types, member offsets, enums, function signatures) and tracefs
// event formats; pure, given bytes or text (the only I/O is reading files by path).

export * from './btf.js';
export * from './closest.js';
export * from './encode.js';
export * from './errors.js';
export * from './format.js';
export * from './glob.js';
export * from './kinds.js';
export * from './lookup.js';
export * from './parse.js';
export * from './syscalls.js';
export * from './tracefs-events.js';
export * from './tracefs-format.js';
export * from './tracefs-print.js';
export * from './tracefs-record.js';
export * from './types.js';
export * from './value.js';
