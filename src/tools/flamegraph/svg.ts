// An SVG flame graph from a call tree, in the layout of Brendan Gregg's flamegraph.pl: the root at the
// bottom, each frame as wide as its share of the samples, siblings sorted by name, warm colours, and a
// tooltip per frame. Static SVG: no script, so it renders anywhere.

import type { FlameNode } from './folded.js';

/** FlameGraphOptions sizes the picture. */
export interface FlameGraphOptions {
  title?: string;
  width?: number;
  frameHeight?: number;
  /** minWidth drops frames narrower than this many pixels (they would be invisible). */
  minWidth?: number;
}

const FONT_WIDTH = 0.59; // average glyph width of a 12px Verdana, as a fraction of the font size
const FONT_SIZE = 12;

/** escapeXml makes text safe inside an SVG element or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** frameColor is a stable warm colour for a frame name (flamegraph.pl's "hot" palette; orange for `_[k]`). */
export function frameColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const a = (h >>> 0) / 0xffffffff;
  const b = ((h >>> 8) & 0xff) / 255;
  // Kernel frames annotated `_[k]` (profile -a) get flamegraph.pl's orange, as with --colors=java.
  if (name.endsWith('_[k]')) return `rgb(${215 + Math.round(40 * b)},${100 + Math.round(80 * a)},0)`;
  const r = 205 + Math.round(50 * b);
  const g = Math.round(230 * a);
  const bl = Math.round(55 * b);
  return `rgb(${r},${g},${bl})`;
}

function depthOf(n: FlameNode): number {
  let d = 0;
  for (const c of n.children) d = Math.max(d, depthOf(c));
  return d + 1;
}

/** renderFlameGraph draws the tree as an SVG document. */
export function renderFlameGraph(root: FlameNode, opts: FlameGraphOptions = {}): string {
  const width = opts.width ?? 1200;
  const fh = opts.frameHeight ?? 16;
  const minWidth = opts.minWidth ?? 0.1;
  const pad = 10;
  const top = 40;
  const depth = depthOf(root);
  const height = top + depth * fh + pad * 2;
  const scale = root.value > 0 ? (width - 2 * pad) / root.value : 0;
  const total = Math.max(root.value, 1);
  const parts: string[] = [
    '<?xml version="1.0" standalone="no"?>',
    `<svg version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f8f8f8"/>`,
    `<text x="${width / 2}" y="24" font-size="17" font-family="Verdana" text-anchor="middle">${escapeXml(opts.title ?? 'Flame Graph')}</text>`,
  ];
  const draw = (n: FlameNode, x: number, level: number): void => {
    const w = n.value * scale;
    if (w < minWidth) return;
    const y = height - pad - (level + 1) * fh;
    const pct = ((100 * n.value) / total).toFixed(2);
    const label = `${n.name} (${n.value} samples, ${pct}%)`;
    const chars = Math.floor((w - 6) / (FONT_SIZE * FONT_WIDTH));
    const text = chars < 3 ? '' : n.name.length <= chars ? n.name : `${n.name.slice(0, chars - 2)}..`;
    parts.push(
      `<g><title>${escapeXml(label)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${fh - 1}" fill="${level === 0 ? 'rgb(200,200,200)' : frameColor(n.name)}" rx="2"/>` +
        (text
          ? `<text x="${(x + 3).toFixed(1)}" y="${y + fh - 4}" font-size="${FONT_SIZE}" font-family="Verdana">${escapeXml(text)}</text>`
          : '') +
        '</g>',
    );
    let cx = x;
    for (const c of n.children) {
      draw(c, cx, level + 1);
      cx += c.value * scale;
    }
  };
  draw(root, pad, 0);
  parts.push('</svg>', '');
  return parts.join('\n');
}
