// bpfkit/tools: ready-made tracing tools (tcplife, strace, execsnoop, opensnoop) and their output
// formats, usable from TypeScript as well as from the CLI.

export * from './common/index.js';
export { type ExecsnoopOptions, runExecsnoop } from './execsnoop.js';
export * from './execsnoop-format.js';
export { type OpensnoopOptions, runOpensnoop } from './opensnoop.js';
export * from './opensnoop-format.js';
export { formatParts, formatSyscall } from './strace/format.js';
export { formatSummary, type SyscallStats } from './strace/summary.js';
export { runStrace, type StraceOptions, type StraceResult } from './strace/trace.js';
export { runTcplife, type TcplifeOptions } from './tcplife.js';
export * from './tcplife-format.js';
