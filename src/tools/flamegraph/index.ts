// bpfkit/tools/flamegraph: folded stacks and SVG flame graphs drawn from them.

export * from './folded.js';
export * from './svg.js';
