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
    .option('--plugin', 'bpf_conformance plugin mode: program hex on stdin, memory hex as the argument')
    .action(async (file: string | undefined, _pluginOptions: string | undefined, opts: VmCliOptions) => {
      if (opts.plugin) return plugin(file);
      const { BpfkitError, DecodeError } = await import('../../errors/index.js');
      const asm = await import('../../asm/index.js');
      const { Vm } = await import('../../vm/index.js');
      if (file === undefined) throw new BpfkitError('missing program file (use - for stdin)');
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
      if (opts.hex) insns = asm.decode(asm.parseHex(input.toString('utf8'), name));
      else if (file.endsWith('.bin')) insns = asm.decode(new Uint8Array(input));
      else if (opts.dialect === 'ubpf') insns = asm.assembleUbpf(input.toString('utf8'), { file: name });
      else {
        const built = asm.assemble(input.toString('utf8'), { file: name });
        const named = built.relocations.filter((r) => typeof r.map === 'string');
        if (named.length > 0) {
          throw new BpfkitError(
            `the program uses map '${String(named[0]!.map)}', and bpfkit vm has no maps to give it`,
          );
        }
        insns = built.insns;
      }
      let mem: Uint8Array = new Uint8Array(0);
      if (opts.mem !== undefined) mem = asm.parseHex(opts.mem, '--mem');
      if (opts.ctx !== undefined) mem = new Uint8Array(await readInput(opts.ctx));

      const vm = new Vm(insns, {
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
      const result = vm.run({ mem });
      process.stdout.write(`0x${hex64(result.r0)}\n`);
    });
}
