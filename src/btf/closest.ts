// closest: "did you mean" suggestions by edit distance, shared by member, type and event lookups.

/**
 * levenshtein is the edit distance between a and b, counting a swap of two adjacent characters as one
 * edit (optimal string alignment), giving up (returning max+1) beyond max.
 */
export function levenshtein(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const ca = a.charCodeAt(i - 1);
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb)
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/**
 * closest returns up to `limit` candidates near `name`, nearest first. A candidate qualifies within
 * a third of the name's length (at least 1 edit), or when it contains the name.
 */
export function closest(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const max = Math.max(1, Math.floor(name.length / 3));
  const scored: { c: string; d: number }[] = [];
  const seen = new Set<string>();
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (seen.has(c) || c === name || c === '') continue;
    seen.add(c);
    let d = levenshtein(lower, c.toLowerCase(), max);
    if (d > max && lower.length >= 4 && c.toLowerCase().includes(lower)) d = max;
    if (d <= max) scored.push({ c, d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.length - y.c.length || (x.c < y.c ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.c);
}
