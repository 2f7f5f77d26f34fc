// `bpfkit load FILE --type T`: load a program into the running kernel (the kernel's verifier decides),
// optionally attach it until Ctrl-C, then print the maps it filled. Everything is released on exit.

import type { Command } from 'commander';

interface LoadOptions {
  type: string;
  hex?: boolean;
  map: string[];
  license: string;
  attach?: string;
  log?: boolean;
}

const collect = (v: string, all: string[]) => [...all, v];

/** LOG_TAIL is how many lines of the kernel's verifier log a rejection shows without --log. */
const LOG_TAIL = 12;

export function register(program: Command): void {
  program
    .command('load')
    .description('load a program into the kernel (its verifier decides), optionally attach it until Ctrl-C')
    .argument('<file>', 'program: assembly (.s), raw bytecode (.bin), hex text (--hex)')
    .requiredOption(
      '--type <type>',
      'program type: socket_filter, tracepoint, raw_tracepoint, kprobe, xdp, ...',
    )
    .option('--hex', 'the program is hex text (whitespace ignored)')
    .option(
      '--map <spec>',
      'create a map the program names, NAME:TYPE:KEY:VALUE:MAX (repeatable)',
      collect,
      [],
    )
    .option('--license <license>', 'program license', 'GPL')
    .option(
      '--attach <target>',
      'tracepoint:CAT:NAME, raw_tracepoint:NAME, uprobe:BINARY:SYMBOL or uretprobe:BINARY:SYMBOL',
    )
    .option('--log', "print the kernel verifier's whole log (on success too)")
    .action(async (file: string, opts: LoadOptions) => {
      const { readFileSync } = await import('node:fs');
      const { BpfkitError, DecodeError, ParseError, VerifierError } = await import('../../errors/index.js');
      const asm = await import('../../asm/index.js');
      const k = await import('../../kernel/index.js');

      let input: Buffer;
      try {
        input = readFileSync(file);
      } catch (err) {
        throw new BpfkitError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
      if (input.length === 0) throw new DecodeError(`${file}: the file is empty`, 0);
      const insns =
        opts.hex || file.endsWith('.bin')
          ? asm.decode(opts.hex ? asm.parseHex(input.toString('utf8'), file) : new Uint8Array(input))
          : asm.assemble(input.toString('utf8'), { file });
      const target = opts.attach === undefined ? undefined : parseTarget(opts.attach, ParseError);

      if (!Array.isArray(insns)) {
        for (const rel of insns.relocations) {
          if (typeof rel.map === 'string' && !opts.map.some((m) => m.startsWith(`${rel.map}:`))) {
            throw new BpfkitError(`the program uses map '${rel.map}', which no --map creates`, {
              hint: `add --map ${rel.map}:hash:4:8:1024 (with its real type and sizes)`,
            });
          }
        }
      }

      const maps: Record<string, import('../../kernel/index.js').BpfMap> = {};
      for (const spec of opts.map) {
        const [name, type, key, value, max] = spec.split(':');
        const where = { file: '--map', line: 1, column: 1, sourceLine: spec };
        const nums = [key, value, max].map(Number);
        if (!name || !type || max === undefined || nums.some((x) => !Number.isInteger(x) || x < 0)) {
          throw new ParseError(`--map '${spec}' must be NAME:TYPE:KEY:VALUE:MAX with integer sizes`, where);
        }
        maps[name] = k.BpfMap.create({
          type: type as import('../../kernel/index.js').MapTypeName,
          keySize: nums[0]!,
          valueSize: nums[1]!,
          maxEntries: nums[2]!,
          name,
        });
      }

      let prog: import('../../kernel/index.js').Program;
      try {
        prog = k.Program.load({
          type: opts.type as import('../../kernel/index.js').ProgTypeName,
          insns,
          maps,
          license: opts.license,
          name: file.replace(/^.*\//, '').replace(/\W/g, '_'),
          ...(opts.log ? { logLevel: 1 } : {}),
        });
      } catch (err) {
        if (!(err instanceof VerifierError) || err.log.length === 0) throw err;
        // The sentence first, as for every error; then the kernel's own words, which it is based on.
        const lines = opts.log ? err.log : err.log.slice(-LOG_TAIL);
        const head = opts.log
          ? 'kernel verifier log:'
          : `kernel verifier log (last ${lines.length} lines; --log for all):`;
        process.stderr.write(
          `bpfkit: ${err.userMessage()}\n${head}\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
        );
        process.exitCode = 1;
        return;
      }
      const id = prog.info().id;
      if (opts.log && prog.verifierLog) process.stdout.write(prog.verifierLog.trimEnd().concat('\n'));
      process.stdout.write(`loaded ${opts.type} program, id ${id}\n`);
      if (!target) return;

      const link =
        target.kind === 'tracepoint'
          ? k.attachTracepoint(prog, target.a, target.b)
          : target.kind === 'raw_tracepoint'
            ? k.attachRawTracepoint(prog, target.a)
            : k.attachUprobe(prog, {
                binary: target.a,
                symbol: target.b,
                retprobe: target.kind === 'uretprobe',
              });
      process.stdout.write(`attached to ${opts.attach}; Ctrl-C to detach\n`);
      // A pending promise alone does not keep Node running; the timer does, until a signal arrives.
      const keepAlive = setInterval(() => {}, 1 << 30);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(keepAlive);
      link.close();
      for (const [name, map] of Object.entries(maps)) {
        const entries = [...map.entries()];
        process.stdout.write(`${name}: ${entries.length} entries\n`);
        for (const [key, value] of entries.slice(0, 20)) {
          process.stdout.write(`  ${hex(key)}: ${hex(value)}\n`);
        }
      }
    });
}

interface Target {
  kind: 'tracepoint' | 'raw_tracepoint' | 'uprobe' | 'uretprobe';
  a: string;
  b: string;
}

function parseTarget(text: string, ParseError: typeof import('../../errors/index.js').ParseError): Target {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  const last = rest.lastIndexOf(':');
  const where = { file: '--attach', line: 1, column: 1, sourceLine: text };
  if (kind === 'raw_tracepoint' && rest !== '') return { kind, a: rest, b: '' };
  if (
    (kind === 'tracepoint' || kind === 'uprobe' || kind === 'uretprobe') &&
    last > 0 &&
    last < rest.length - 1
  ) {
    return { kind, a: rest.slice(0, last), b: rest.slice(last + 1) };
  }
  throw new ParseError(`--attach '${text}' is not a target`, where, {
    hint: 'write tracepoint:CAT:NAME, raw_tracepoint:NAME, uprobe:BINARY:SYMBOL or uretprobe:BINARY:SYMBOL',
  });
}

function hex(v: unknown): string {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v);
}
