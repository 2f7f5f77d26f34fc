// bpfkit/lang: the bpftrace language compiled to eBPF in TypeScript — lexer, parser, checker, code
// generator and output formats (pure); runtime/run.ts loads, attaches and prints against the kernel.

export * from './ast.js';
export { AGG_FUNCTIONS, BUILTINS, FUNCTIONS } from './builtins.js';
export {
  type CheckedProbe,
  type CheckedProgram,
  type CheckOptions,
  check,
  type MapInfo,
  type Variant,
} from './check.js';
export { type Compiled, type CompileOptions, compile, programType } from './codegen/compile.js';
export * from './codegen/layout.js';
export { didYouMean, editDistance, Source, suggest } from './diagnostics.js';
export { formatMapJson, formatMapText, type RawEntry } from './format/maps.js';
export { parseFormat, render } from './format/printf.js';
export { strftime } from './format/strftime.js';
export { jsonValue, type Resolver, textValue, toJson } from './format/values.js';
export { Lexer, type Token } from './lexer.js';
export { parse, parseSource } from './parser.js';
export {
  expandTracepoints,
  globToRegExp,
  listProbes,
  type ProbeSpec,
  type ProbeType,
  parseAttachPoint,
} from './probes.js';
export * from './types.js';
