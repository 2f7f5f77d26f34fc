// `bpfkit vm FILE`: run a program in the userspace interpreter and print r0; `--plugin` speaks the
// bpf_conformance plugin contract (program hex on stdin, memory hex as the argument, r0 in hex).

import type { Command } from 'commander';
import { readInput } from './asm.js';

interface VmCliOptions {
  hex?: boolean;
  dialect: string;
  mem?: string;
  ctx?: string;
  trace?: boolean;
  tier: string;
  budget: string;
  plugin?: boolean;
  map: string[];
}

const hex64 = (v: bigint): string => v.toString(16);

/** plugin runs one bpf_conformance case: errors go to stdout, where the suite's runner reads them. */
async function plugin(memHex: string | undefined): Promise<void> {
  const { parseHex, decode } = await import('../../asm/index.js');
  const { Vm, conformanceHelpers } = await import('../../vm/index.js');
  const { formatError } = await import('../../errors/index.js');
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const program = parseHex(Buffer.concat(chunks).toString('utf8'), '<stdin>');
    if (program.length === 0)
      throw new (await import('../../errors/index.js')).DecodeError('no program on stdin', 0);
    const mem = parseHex(memHex ?? '', '<memory>');
    const r = new Vm(decode(program), { helpers: conformanceHelpers() }).run({ mem });
    process.stdout.write(`${hex64(r.r0)}\n`);
  } catch (err) {
    process.stdout.write(`${formatError(err).split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  program
    .command('vm')
    .description('run an eBPF program in the userspace interpreter and print r0')
    .argument(
      '[file]',
      'program: assembly (.s), raw bytecode (.bin), hex text (--hex), - for stdin; with --plugin: memory hex',
    )
    .argument('[plugin-options]', 'with --plugin: the suite runner’s plugin options (ignored)')
    .option('--hex', 'the program is hex text (whitespace ignored)')
    .option('--dialect <dialect>', 'assembly dialect: kernel (verifier log syntax) or ubpf', 'kernel')
    .option('--mem <hex>', 'memory r1 points at, as hex bytes (r2 is its length)')
    .option('--ctx <file>', 'memory r1 points at, read from a file')
    .option('--trace', 'print each executed instruction and the registers it changed, before r0')
    .option('--tier <tier>', 'compiled (translate to JavaScript) or interpreter', 'compiled')
    .option('--budget <n>', 'stop with an error after this many instructions', '100000000')
    .option(
      '--map <spec>',
      'a map the program names, as name:type:key-size:value-size:max-entries (repeatable); its contents print after r0',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--plugin', 'bpf_conformance plugin mode: program hex on stdin, memory hex as the argument')
    .action(async (file: string | undefined, extra: string | undefined, opts: VmCliOptions) => {
      if (opts.plugin) return plugin(file);
      const { BpfkitError, DecodeError } = await import('../../errors/index.js');
      const asm = await import('../../asm/index.js');
      const { Vm, VmError, VmMap, VmProgram, parseMapSpec, mapTypeLabel } = await import('../../vm/index.js');
      if (file === undefined) throw new BpfkitError('missing program file (use - for stdin)');
      if (extra !== undefined) throw new BpfkitError(`unexpected argument '${extra}': give one program file`);
      if (opts.tier !== 'compiled' && opts.tier !== 'interpreter') {
        throw new BpfkitError(`unknown tier '${opts.tier}': use compiled or interpreter`);
      }
      if (opts.dialect !== 'kernel' && opts.dialect !== 'ubpf') {
        throw new BpfkitError(`unknown dialect '${opts.dialect}': use kernel or ubpf`);
      }
      const budget = Number(opts.budget);
      if (!Number.isSafeInteger(budget) || budget <= 0)
        throw new BpfkitError(`invalid budget '${opts.budget}'`);
      if (opts.mem !== undefined && opts.ctx !== undefined)
        throw new BpfkitError('give --mem or --ctx, not both');

      const name = file === '-' ? '<stdin>' : file;
      const input = await readInput(file);
      if (input.length === 0) throw new DecodeError(`${name}: the file is empty`, 0);
      let insns: import('../../asm/index.js').Insn[];
      // Maps get fds from 1000 up; named references in kernel-syntax assembly resolve to them.
      const maps = new Map<number, InstanceType<typeof VmMap>>();
      const byName = new Map<string, number>();
      for (const text of opts.map) {
        const spec = parseMapSpec(text);
        if (byName.has(spec.name)) throw new BpfkitError(`map '${spec.name}' is given twice`);
        byName.set(spec.name, 1000 + maps.size);
        maps.set(1000 + maps.size, new VmMap(spec));
      }
      // Bytecode and run-time errors say which file they are about, as assembly errors already do.
      const inFile = <T>(fn: () => T): T => {
        try {
          return fn();
        } catch (err) {
          if (err instanceof DecodeError || err instanceof VmError) err.message = `${name}: ${err.message}`;
          throw err;
        }
      };
      if (opts.hex) insns = inFile(() => asm.decode(asm.parseHex(input.toString('utf8'), name)));
      else if (file.endsWith('.bin')) insns = inFile(() => asm.decode(new Uint8Array(input)));
      else if (opts.dialect === 'ubpf') insns = asm.assembleUbpf(input.toString('utf8'), { file: name });
      else {
        const built = asm.assemble(input.toString('utf8'), { file: name });
        insns = built.insns.map((i) => ({ ...i }));
        for (const rel of built.relocations) {
          if (typeof rel.map !== 'string') continue;
          const fd = byName.get(rel.map);
          if (fd === undefined) {
            throw new BpfkitError(`the program uses map '${rel.map}', which no --map gives`, {
              hint: `e.g. --map ${rel.map}:hash:4:8:1024`,
            });
          }
          insns[rel.pc]!.imm = fd;
        }
      }
      let mem: Uint8Array = new Uint8Array(0);
      if (opts.mem !== undefined) mem = asm.parseHex(opts.mem, '--mem');
      if (opts.ctx !== undefined) mem = new Uint8Array(await readInput(opts.ctx));

      const program = inFile(() => new VmProgram(insns));
      const vm = new Vm(program, {
        maps,
        tier: opts.tier,
        budget,
        printk: (line) => process.stderr.write(`trace_printk: ${line}\n`),
        ...(opts.trace
          ? {
              onStep: (pc: number, _i: unknown, before: readonly bigint[], after: readonly bigint[]) => {
                const changes: string[] = [];
                for (let r = 0; r <= 10; r++) {
                  if (before[r] !== after[r])
                    changes.push(`r${r} 0x${hex64(before[r]!)} -> 0x${hex64(after[r]!)}`);
                }
                const text = asm.formatInsn(insns, pc);
                const pad = text.length < 32 ? ' '.repeat(32 - text.length) : ' ';
                process.stdout.write(
                  `${String(pc).padStart(4)}: ${text}${changes.length ? `${pad}; ${changes.join(', ')}` : ''}\n`,
                );
              },
            }
          : {}),
      });
      const result = inFile(() => vm.run({ mem }));
      process.stdout.write(`0x${hex64(result.r0)}\n`);
      const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
      for (const [mapName, fd] of byName) {
        const map = maps.get(fd)!;
        const label = `map ${mapName} (${mapTypeLabel(map.spec.type)})`;
        if (map.isArray || map.isHash) {
          for (const [k, v] of map.entries()) {
            if (map.isArray && v.every((b) => b === 0)) continue;
            process.stdout.write(`${label}: ${hex(k)} = ${hex(v)}\n`);
          }
        } else for (const record of map.drain()) process.stdout.write(`${label}: record ${hex(record)}\n`);
      }
    });
}
