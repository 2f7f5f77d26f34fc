// Diagnostics for the tracing language: turn a byte offset into file:line:col with the source line and
// a caret, and suggest the nearest known name ("did you mean 'pid'?").

import { ParseError, type SourcePosition } from '../errors/index.js';

/** Source is a script's text and the name it is reported under (a file path, or `stdin`/`-e`). */
export class Source {
  readonly text: string;
  readonly file: string;
  private readonly lineStarts: number[];

  constructor(text: string, file = 'stdin') {
    this.text = text;
    this.file = file;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  /** position maps a character offset to a 1-based line and column with that line's text. */
  position(offset: number): SourcePosition {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    const start = this.lineStarts[lo]!;
    const end = this.text.indexOf('\n', start);
    return {
      file: this.file,
      line: lo + 1,
      column: at - start + 1,
      sourceLine: this.text.slice(start, end === -1 ? undefined : end),
    };
  }

  /** error builds the ParseError for a mistake at `offset`. */
  error(offset: number, message: string, hint?: string): ParseError {
    return new ParseError(message, this.position(offset), hint === undefined ? {} : { hint });
  }
}

/** editDistance is the Levenshtein distance between two short names. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** suggest returns the known name closest to `name`, if it is close enough to be a typo. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return bestDist <= limit ? best : undefined;
}

/** didYouMean formats a suggestion as the hint text, or undefined when there is none. */
export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  const s = suggest(name, known);
  return s === undefined ? undefined : `did you mean '${s}'?`;
}
