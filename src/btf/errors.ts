// BtfError: a lookup in valid BTF that cannot be answered (no such type, member or enumerator).

import { BpfkitError } from '../errors/index.js';

/** BtfError is a failed BTF lookup; `suggestions` holds the closest existing names, best first. */
export class BtfError extends BpfkitError {
  readonly suggestions: string[];

  constructor(message: string, suggestions: string[] = [], options: { cause?: unknown } = {}) {
    const hint =
      suggestions.length > 0 ? `did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?` : undefined;
    super(message, hint === undefined ? options : { ...options, hint });
    this.suggestions = suggestions;
  }
}
