// bpfkit/verifier: a static eBPF verifier in TypeScript that follows the kernel's rules and explains rejections.

export { type CtxRules, ctxRules, PERF_MAX_TRACE_SIZE, tracepointRules } from './context.js';
export { disasm } from './disasm.js';
export { type ArgType, type HelperProto, helperProto, modelledHelpers } from './helper-protos.js';
export { type MapInfo, MapKind, type MapKindName, mapKindByNumber } from './maps.js';
export { isProgTypeName, PROG_TYPE_NAMES, ProgType, type ProgTypeName } from './program-types.js';
export {
  safeVerify,
  type Verifiable,
  type VerifyFailure,
  type VerifyOk,
  type VerifyOptions,
  type VerifyResult,
  verify,
} from './verify.js';
