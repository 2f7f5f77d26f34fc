import { interpret, type RunState } from './interpreter.js';
import type { VmProgram } from './program.js';
export function compile(_p: VmProgram): (s: RunState) => bigint {
  return interpret;
}
