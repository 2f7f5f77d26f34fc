// bpfkit/tools common: options, output, session life cycle and column formatting shared by the tools.

export * from './cgroup.js';
export * from './format.js';
export * from './histogram.js';
export * from './options.js';
export * from './output.js';
export * from './session.js';
export * from './summary.js';
export * from './tracer.js';
