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

/** editDistance is the optimal-string-alignment distance: Levenshtein plus adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** suggest returns the known name closest to `name`, if it is close enough to be a typo. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(name, k);
    // Ties go to the name of the same length: 'prinft' is 'printf' rather than 'print'.
    const better =
      d < bestDist ||
      (d === bestDist &&
        best !== undefined &&
        Math.abs(k.length - name.length) < Math.abs(best.length - name.length));
    if (better) {
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
