// `bpfkit disasm FILE.bin`: print bytecode as the verifier log (or llvm-objdump) writes it.

import type { Command } from 'commander';
import { readInput } from './asm.js';

interface DisasmOptions {
  hex?: boolean;
  raw?: boolean;
  labels?: boolean;
  style: string;
  pc: boolean;
  opcode: boolean;
  strict?: boolean;
}

export function register(program: Command): void {
  program
    .command('disasm')
    .description('disassemble eBPF bytecode; exits 1 if any instruction is malformed')
    .argument('<file>', 'raw bytecode (or hex text with --hex), or - for stdin')
    .option('--hex', 'the input is hex text (whitespace ignored)')
    .option('--raw', 'show each instruction’s bytes, like llvm-objdump')
    .option('--labels', 'name jump and call targets L<pc>')
    .option('--style <style>', 'kernel (verifier log) or llvm (llvm-objdump)', 'kernel')
    .option('--no-pc', 'omit instruction indexes')
    .option('--no-opcode', 'omit the (opcode) column')
    .option('--strict', 'stop at the first malformed instruction instead of listing it')
    .action(async (file: string, opts: DisasmOptions) => {
      const { BpfkitError, DecodeError } = await import('../../errors/index.js');
      const { decode, disassembleListing, parseHex } = await import('../../asm/index.js');
      if (opts.style !== 'kernel' && opts.style !== 'llvm') {
        throw new BpfkitError(`unknown style '${opts.style}': use kernel or llvm`);
      }
      const name = file === '-' ? '<stdin>' : file;
      const input = await readInput(file);
      const bytes = opts.hex ? parseHex(input.toString('utf8'), name) : new Uint8Array(input);
      if (bytes.length === 0) throw new DecodeError(`${name}: no instructions (the input is empty)`, 0);
      if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
        throw new DecodeError(`${name} is an ELF object, not raw bytecode`, 0, {
          hint: 'extract a section with llvm-objcopy -O binary --only-section=SECTION',
        });
      }
      const where = (offset: number, what: string): string =>
        `${name}: byte ${offset} (instruction ${Math.floor(offset / 8)}): ${what}`;
      let listing: ReturnType<typeof disassembleListing>;
      try {
        listing = disassembleListing(decode(bytes), {
          style: opts.style,
          raw: opts.raw === true,
          labels: opts.labels === true,
          pc: opts.pc,
          opcode: opts.opcode,
          strict: opts.strict === true,
        });
      } catch (err) {
        if (err instanceof DecodeError) {
          throw new DecodeError(where(err.offset, err.message.replace(/^instruction \d+: /, '')), err.offset);
        }
        throw err;
      }
      process.stdout.write(listing.text);
      const first = listing.problems[0];
      if (first) {
        const more = listing.problems.length > 1 ? ` (and ${listing.problems.length - 1} more)` : '';
        throw new DecodeError(where(first.offset, `${first.message}${more}`), first.offset);
      }
    });
}
