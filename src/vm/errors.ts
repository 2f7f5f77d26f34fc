// VmError: a fault of the userspace interpreter, always at an instruction index.

import { BpfkitError } from '../errors/index.js';

/** VmFault names the kind of fault, so callers can tell a bad program from a bad run. */
export type VmFault =
  | 'invalid-instruction'
  | 'out-of-bounds'
  | 'read-only'
  | 'budget'
  | 'unknown-helper'
  | 'helper'
  | 'call-depth'
  | 'fell-off-end'
  | 'unknown-map';

/** VmError is a program the interpreter rejects at load, or a fault while running it, at slot `pc`. */
export class VmError extends BpfkitError {
  readonly pc: number;
  readonly fault: VmFault;

  constructor(fault: VmFault, pc: number, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(`instruction ${pc}: ${message}`, options);
    this.pc = pc;
    this.fault = fault;
  }
}
