// The runtime test corpus format, after bpftrace's runtime tests: blocks of
//   NAME x / PROG ... / AFTER shell command / EXPECT line / EXPECT_REGEX re / NOT_EXPECT_REGEX re /
//   EXPECT_ERROR text / ARGS a b / TIMEOUT seconds / FORMAT json / UNSAFE (allow system()) /
//   COMMAND shell command (run as `-c`) / ENV NAME=value (set while the case runs)
// separated by blank lines; `#` starts a comment line.

export interface CorpusCase {
  file: string;
  line: number;
  name: string;
  prog: string;
  after: string | undefined;
  command: string | undefined;
  expect: string[];
  expectRegex: RegExp[];
  notExpectRegex: RegExp[];
  expectError: string | undefined;
  args: string[];
  timeout: number;
  format: 'text' | 'json';
  unsafe: boolean;
  env: Record<string, string>;
}

/** parseCorpus reads one corpus file. */
export function parseCorpus(text: string, file: string): CorpusCase[] {
  const out: CorpusCase[] = [];
  let cur: CorpusCase | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (line.startsWith('#')) return;
    if (line === '') {
      cur = undefined;
      return;
    }
    const m = /^([A-Z_]+)\s?(.*)$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected a DIRECTIVE`);
    const [, key, rest] = m as unknown as [string, string, string];
    if (key === 'NAME') {
      cur = {
        file,
        line: i + 1,
        name: rest,
        prog: '',
        after: undefined,
        command: undefined,
        expect: [],
        expectRegex: [],
        notExpectRegex: [],
        expectError: undefined,
        args: [],
        timeout: 10,
        format: 'text',
        unsafe: false,
        env: {},
      };
      out.push(cur);
      return;
    }
    if (!cur) throw new Error(`${file}:${i + 1}: ${key} before NAME`);
    switch (key) {
      case 'PROG':
        cur.prog = cur.prog ? `${cur.prog}\n${rest}` : rest;
        break;
      case 'AFTER':
        cur.after = rest;
        break;
      case 'COMMAND':
        cur.command = rest;
        break;
      case 'EXPECT':
        cur.expect.push(rest);
        break;
      case 'EXPECT_REGEX':
        cur.expectRegex.push(new RegExp(rest));
        break;
      case 'NOT_EXPECT_REGEX':
        cur.notExpectRegex.push(new RegExp(rest));
        break;
      case 'EXPECT_ERROR':
        cur.expectError = rest;
        break;
      case 'ARGS':
        cur.args = rest.split(/\s+/).filter((a) => a);
        break;
      case 'TIMEOUT':
        cur.timeout = Number(rest);
        break;
      case 'ENV': {
        const eq = rest.indexOf('=');
        if (eq <= 0) throw new Error(`${file}:${i + 1}: ENV needs NAME=value`);
        cur.env[rest.slice(0, eq)] = rest.slice(eq + 1);
        break;
      }
      case 'UNSAFE':
        cur.unsafe = true;
        break;
      case 'FORMAT':
        cur.format = rest === 'json' ? 'json' : 'text';
        break;
      default:
        throw new Error(`${file}:${i + 1}: unknown directive ${key}`);
    }
  });
  for (const c of out) {
    if (!c.prog) throw new Error(`${c.file}:${c.line}: case ${c.name} has no PROG`);
    if (!c.expect.length && !c.expectRegex.length && !c.expectError && !c.notExpectRegex.length) {
      throw new Error(`${c.file}:${c.line}: case ${c.name} checks nothing`);
    }
  }
  return out;
}
