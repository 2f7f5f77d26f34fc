// `bpfkit asm FILE.s -o FILE.bin`: assemble kernel-syntax eBPF text to raw little-endian bytecode.

import type { Command } from 'commander';

/** readInput reads a file, or stdin for `-`; a missing file is a one-line user error. */
export async function readInput(file: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  try {
    if (file !== '-') return await readFile(file);
    // Reading fd 0 synchronously fails with EAGAIN when stdin is a non-blocking pipe; stream it.
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (err) {
    const { BpfkitError } = await import('../../errors/index.js');
    const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    throw new BpfkitError(`cannot read ${file}: ${reason}`, { cause: err });
  }
}

/** writeOutput writes to a file, or stdout for `-`. */
export async function writeOutput(file: string, data: Uint8Array | string): Promise<void> {
  if (file === '-') {
    process.stdout.write(data);
    return;
  }
  const { writeFileSync } = await import('node:fs');
  try {
    writeFileSync(file, data);
  } catch (err) {
    const { BpfkitError } = await import('../../errors/index.js');
    const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    throw new BpfkitError(`cannot write ${file}: ${reason}`, { cause: err });
  }
}

interface AsmOptions {
  output?: string;
  hex?: boolean;
}

export function register(program: Command): void {
  program
    .command('asm')
    .description('assemble eBPF text (verifier-log / llvm-objdump syntax) to bytecode')
    .argument('<file>', 'assembly source, or - for stdin')
    .option('-o, --output <file>', 'write raw little-endian bytecode here (- for stdout)')
    .option('--hex', 'write hex text instead of raw bytes (the default when there is no -o)')
    .action(async (file: string, opts: AsmOptions) => {
      const { assemble, encode, formatHex } = await import('../../asm/index.js');
      const source = (await readInput(file)).toString('utf8');
      const program = assemble(source, { file: file === '-' ? '<stdin>' : file });
      const bytes = encode(program.insns);
      const named = program.relocations.filter((r) => typeof r.map === 'string');
      if (named.length > 0) {
        const list = named.map((r) => `${String(r.map)} at ${r.pc}`).join(', ');
        process.stderr.write(`bpfkit: note: raw bytecode keeps map references as fd 0 (${list})\n`);
      }
      if (opts.output === undefined || opts.hex) {
        await writeOutput(opts.output ?? '-', formatHex(bytes));
      } else {
        await writeOutput(opts.output, bytes);
      }
    });
}
