// Folded stacks (Brendan Gregg's stackcollapse format): one line per stack, `root;...;leaf count`,
// and the call tree a flame graph draws from them.

import { ParseError } from '../../errors/index.js';

/** FoldedStack is one stack, root first, and how many samples had it. */
export interface FoldedStack {
  frames: string[];
  count: number;
}

/** FlameNode is a frame in the merged call tree; value counts the samples at or under it. */
export interface FlameNode {
  name: string;
  value: number;
  children: FlameNode[];
}

/** formatFoldedStacks writes stacks as folded lines. */
export function formatFoldedStacks(stacks: FoldedStack[]): string {
  return stacks.map((s) => `${s.frames.join(';')} ${s.count}\n`).join('');
}

/**
 * parseFolded reads folded lines; blank lines are skipped. A line without a trailing count, or with
 * an empty stack, is a ParseError naming the line.
 */
export function parseFolded(text: string, file?: string): FoldedStack[] {
  const out: FoldedStack[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const m = /^(.*\S)\s+(\d+)\s*$/.exec(line);
    const at = (column: number) => ({ ...(file ? { file } : {}), line: i + 1, column, sourceLine: line });
    if (!m) throw new ParseError('expected "frame;frame;... COUNT"', at(line.length + 1));
    const count = Number(m[2]);
    if (!Number.isSafeInteger(count))
      throw new ParseError(`count ${m[2]} is too large`, at(m[1]!.length + 2));
    const frames = m[1]!.split(';');
    if (frames.some((f) => f === '')) throw new ParseError('empty frame name', at(1));
    out.push({ frames, count });
  });
  return out;
}

/** foldStacks merges stacks into one call tree under a root named "all". */
export function foldStacks(stacks: FoldedStack[]): FlameNode {
  const root: FlameNode = { name: 'all', value: 0, children: [] };
  const index = new Map<FlameNode, Map<string, FlameNode>>();
  for (const s of stacks) {
    if (s.count <= 0) continue;
    root.value += s.count;
    let node = root;
    for (const name of s.frames) {
      let kids = index.get(node);
      if (!kids) index.set(node, (kids = new Map()));
      let child = kids.get(name);
      if (!child) {
        child = { name, value: 0, children: [] };
        kids.set(name, child);
        node.children.push(child);
      }
      child.value += s.count;
      node = child;
    }
  }
  // Flame graphs sort siblings by name so that the same stacks always draw in the same place.
  const sort = (n: FlameNode): void => {
    n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of n.children) sort(c);
  };
  sort(root);
  return root;
}
