// Reading the kernel verifier's log: which instruction failed and why, in one sentence.

import type { VerifierIssue } from '../errors/index.js';

const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;
const TRAILER = /^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/;

/** ParsedLog is the failing pc (if the log names one) and the verifier's reason. */
export interface ParsedLog {
  lines: string[];
  pc: number | undefined;
  reason: string;
}

/**
 * parseVerifierLog finds the last instruction the verifier reached (its `N: (op) ...` line) and the
 * reason it gave after it; the reason is the last non-trailer line of the log.
 */
export function parseVerifierLog(log: string): ParsedLog {
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  let pc: number | undefined;
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = INSN_LINE.exec(lines[i]!);
    if (m) {
      pc = Number(m[1]);
      at = i;
      break;
    }
  }
  let reason = '';
  for (let i = lines.length - 1; i > at; i--) {
    const l = lines[i]!.trim();
    if (!TRAILER.test(l)) {
      reason = l;
      break;
    }
  }
  if (reason === '' && at >= 0) reason = lines[at]!.trim();
  if (reason === '') reason = lines.find((l) => !TRAILER.test(l.trim()))?.trim() ?? '';
  return { lines, pc, reason };
}

/** verifierIssues turns a parsed log into the VerifierError issue list. */
export function verifierIssues(parsed: ParsedLog): VerifierIssue[] {
  if (parsed.pc === undefined && parsed.reason === '') return [];
  return [{ code: 'kernel', pc: parsed.pc ?? -1, message: parsed.reason }];
}
