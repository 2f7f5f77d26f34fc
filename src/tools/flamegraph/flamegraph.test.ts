import { describe, expect, it } from 'vitest';
import { BpfkitError, ParseError } from '../../errors/index.js';
import { foldStacks, formatFoldedStacks, parseFolded } from './folded.js';
import { escapeXml, frameColor, renderFlameGraph } from './svg.js';

describe('folded stacks', () => {
  it('round-trip through text', () => {
    const stacks = [
      { frames: ['sh', 'main', 'spin'], count: 7 },
      { frames: ['sh', 'main'], count: 1 },
    ];
    const text = formatFoldedStacks(stacks);
    expect(text).toBe('sh;main;spin 7\nsh;main 1\n');
    expect(parseFolded(`${text}\n`)).toEqual(stacks);
  });

  it('keep spaces inside frame names', () => {
    expect(parseFolded('java;Foo::bar(int, long) 3')).toEqual([
      { frames: ['java', 'Foo::bar(int, long)'], count: 3 },
    ]);
  });

  it('report a bad line with its position', () => {
    try {
      parseFolded('a;b 1\na;b\n', 'x.folded');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).userMessage()).toBe(
        'x.folded:2:4: error: expected "frame;frame;... COUNT"\na;b\n   ^',
      );
    }
    expect(() => parseFolded('a;;b 1')).toThrow(/empty frame name/);
  });

  it('merge into a call tree with sorted siblings', () => {
    const t = foldStacks([
      { frames: ['p', 'z'], count: 2 },
      { frames: ['p', 'a'], count: 3 },
      { frames: ['p', 'z'], count: 1 },
      { frames: ['q'], count: 0 },
    ]);
    expect(t).toEqual({
      name: 'all',
      value: 6,
      children: [
        {
          name: 'p',
          value: 6,
          children: [
            { name: 'a', value: 3, children: [] },
            { name: 'z', value: 3, children: [] },
          ],
        },
      ],
    });
  });

  it('throw only typed errors on random input (fuzz)', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = 'ab;; 0123456789\n\r\t;x-_[]';
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = rnd(60);
      for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
      try {
        const stacks = parseFolded(s);
        renderFlameGraph(foldStacks(stacks));
      } catch (err) {
        expect(err).toBeInstanceOf(BpfkitError);
      }
    }
  });
});

describe('SVG flame graph', () => {
  it('draws one box per frame, as wide as its share, with escaped tooltips', () => {
    const svg = renderFlameGraph(
      foldStacks([
        { frames: ['sh', 'a<b>'], count: 3 },
        { frames: ['sh', 'c&d'], count: 1 },
      ]),
      { width: 420, title: 'T' },
    );
    expect(svg).toContain('<title>all (4 samples, 100.00%)</title>');
    expect(svg).toContain('<title>a&#60;b&#62; (3 samples, 75.00%)</title>');
    expect(svg).toContain('<title>c&#38;d (1 samples, 25.00%)</title>');
    // 400 px for 4 samples: the 3-sample frame is 300 px wide and the 1-sample frame follows it.
    expect(svg).toMatch(/<title>a&#60;b&#62;[^<]*<\/title><rect x="10.0" y="\d+" width="300.0"/);
    expect(svg).toMatch(/<title>c&#38;d[^<]*<\/title><rect x="310.0" y="\d+" width="100.0"/);
    expect(svg.match(/<rect /g)).toHaveLength(5); // background + 4 frames
    expect(svg).toContain('>T</text>');
  });

  it('colours frames stably, kernel frames orange', () => {
    expect(frameColor('main')).toBe(frameColor('main'));
    expect(frameColor('vfs_read_[k]')).toMatch(/^rgb\(\d+,\d+,0\)$/);
  });

  it('escapes XML', () => {
    expect(escapeXml(`<&>"'`)).toBe('&#60;&#38;&#62;&#34;&#39;');
  });
});
