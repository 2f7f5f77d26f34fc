// Typed errors shared by every bpfkit layer: each carries a human sentence, and where it applies the
// errno, the source position or the verifier log.

/** BpfkitError is the base of every error bpfkit throws on purpose; anything else is a bug. */
export class BpfkitError extends Error {
  /** hint is a short suggestion for the user ("use tracepoint:syscalls:sys_enter_openat"). */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  /** userMessage is the one-line text the CLI prints after `bpfkit: `. */
  userMessage(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

/** NotSupportedError says the running kernel (or machine) lacks a feature, and what to use instead. */
export class NotSupportedError extends BpfkitError {
  readonly feature: string;

  constructor(feature: string, message: string, hint?: string) {
    super(message, hint === undefined ? {} : { hint });
    this.feature = feature;
  }
}

/** SourcePosition locates a user mistake in a file or string: 1-based line and column. */
export interface SourcePosition {
  file?: string;
  line: number;
  column: number;
  /** sourceLine is the text of that line, used to draw a caret under the column. */
  sourceLine?: string;
}

/** ParseError is a user mistake in text bpfkit reads: assembly, scripts, configs, hex, formats. */
export class ParseError extends BpfkitError {
  readonly position: SourcePosition | undefined;

  constructor(message: string, position?: SourcePosition, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options);
    this.position = position;
  }

  override userMessage(): string {
    const p = this.position;
    const where = p ? `${p.file ?? '<input>'}:${p.line}:${p.column}: ` : '';
    let text = `${where}error: ${super.userMessage()}`;
    if (p?.sourceLine !== undefined) {
      // Keep the source's tabs in the caret's indentation so the caret lines up in a terminal.
      const lead = p.sourceLine.slice(0, Math.max(0, p.column - 1)).replace(/[^\t]/g, ' ');
      text += `\n${p.sourceLine}\n${lead}^`;
    }
    return text;
  }
}

/** DecodeError is malformed binary input (bytecode, BTF, ELF, ring records) at a byte offset. */
export class DecodeError extends BpfkitError {
  readonly offset: number;

  constructor(message: string, offset: number, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options);
    this.offset = offset;
  }
}

/** VerifierIssue is one reason a program was rejected, at instruction index pc. */
export interface VerifierIssue {
  code: string;
  pc: number;
  message: string;
}

/** VerifierError is a rejected program, from bpfkit's verifier or the kernel's (then log is its log). */
export class VerifierError extends BpfkitError {
  readonly log: string[];
  readonly issues: VerifierIssue[];
  readonly errno: number | undefined;

  constructor(
    message: string,
    details: {
      log?: string[];
      issues?: VerifierIssue[];
      errno?: number;
      cause?: unknown;
      hint?: string;
    } = {},
  ) {
    const opts: { cause?: unknown; hint?: string } = {};
    if (details.cause !== undefined) opts.cause = details.cause;
    if (details.hint !== undefined) opts.hint = details.hint;
    super(message, opts);
    this.log = details.log ?? [];
    this.issues = details.issues ?? [];
    this.errno = details.errno;
  }

  /** pc is the index of the first failing instruction, when known. */
  get pc(): number | undefined {
    return this.issues[0]?.pc;
  }
}

/** formatError turns any thrown value into the CLI's one-line (or caret-annotated) message. */
export function formatError(err: unknown): string {
  if (err instanceof BpfkitError) return err.userMessage();
  if (err instanceof Error) return err.message;
  return String(err);
}
