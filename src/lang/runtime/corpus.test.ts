import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { formatError } from '../../errors/index.js';
import { kernelIt } from '../../testing/kernel.js';
import { type CorpusCase, parseCorpus } from './corpus.js';
import { run } from './run.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, '..', 'testdata', 'runtime');

// Workloads run under unique names (comm is the basename of the exec'd path), so filters like
// comm == "bkcat" see only what the test started.
const TOOLS: Record<string, string> = {
  bkcat: '/bin/cat',
  bktrue: '/bin/true',
  bksleep: '/bin/sleep',
  bkdd: '/bin/dd',
  bksh: '/bin/sh',
  bkls: '/bin/ls',
  bkpy: '/usr/bin/python3',
  bkbash: '/bin/bash',
  bkecho: '/bin/echo',
};
let bin = '';

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'bpfkit-corpus-'));
  for (const [name, target] of Object.entries(TOOLS)) symlinkSync(target, join(bin, name));
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function sh(cmd: string): Promise<void> {
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', cmd],
      { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, BK: bin }, timeout: 30_000 },
      () => resolve(),
    );
  });
}

interface Outcome {
  out: string;
  err: string;
  code: number | undefined;
  error: unknown;
}

// ENV settings hold for the whole case; cases run one at a time.
async function runCase(c: CorpusCase): Promise<Outcome> {
  const saved = Object.keys(c.env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, c.env);
  try {
    return await runCaseWithEnv(c);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function runCaseWithEnv(c: CorpusCase): Promise<Outcome> {
  const ac = new AbortController();
  const o: Outcome = { out: '', err: '', code: undefined, error: undefined };
  let attached!: () => void;
  const ready = new Promise<void>((r) => {
    attached = r;
  });
  const done = run({
    text: c.prog.replaceAll('{{BIN}}', bin),
    file: `${c.name}.bt`,
    params: c.args,
    format: c.format,
    unsafe: c.unsafe,
    ...(c.command === undefined ? {} : { command: c.command.replaceAll('{{BIN}}', bin) }),
    write: (s) => {
      o.out += s;
    },
    writeErr: (s) => {
      o.err += s;
    },
    signal: ac.signal,
    onAttached: attached,
  }).then(
    (code) => {
      o.code = code;
    },
    (e) => {
      o.error = e;
    },
  );
  await Promise.race([ready, done]);
  if (o.code === undefined && o.error === undefined) {
    if (c.after) {
      await sh(c.after.replaceAll('{{BIN}}', bin));
      ac.abort();
    } else {
      // The program ends itself (exit()); TIMEOUT only bounds a broken one.
      const timer = setTimeout(() => ac.abort(), c.timeout * 1000);
      await done;
      clearTimeout(timer);
    }
  }
  await done;
  return o;
}

for (const f of readdirSync(corpusDir)
  .filter((n) => n.endsWith('.cases'))
  .sort()) {
  const cases = parseCorpus(readFileSync(join(corpusDir, f), 'utf8'), f);
  describe(`runtime corpus ${f}`, () => {
    for (const c of cases) {
      kernelIt(
        c.name,
        async () => {
          const o = await runCase(c);
          const where = `${c.file}:${c.line} ${c.name}\n--- output ---\n${o.out}\n--- stderr ---\n${o.err}`;
          if (c.expectError !== undefined) {
            expect(o.error, where).toBeDefined();
            expect(formatError(o.error), where).toContain(c.expectError);
            return;
          }
          if (o.error !== undefined)
            throw new Error(`${where}\n--- error ---\n${formatError(o.error)}`, { cause: o.error });
          // Corpus lines lose trailing blanks; so do output lines (bpftrace prints `@h: ` before a histogram).
          const lines = `${o.out}\n${o.err}`.split('\n').map((l) => l.trimEnd());
          for (const e of c.expect) expect(lines, where).toContain(e);
          for (const re of c.expectRegex)
            expect(
              lines.some((l) => re.test(l)),
              `${where}\nno line matches ${re}`,
            ).toBe(true);
          for (const re of c.notExpectRegex)
            expect(
              lines.some((l) => re.test(l)),
              `${where}\na line matches ${re}`,
            ).toBe(false);
        },
        (c.timeout + 30) * 1000,
      );
    }
  });
}
