// `bpfkit verify FILE`: run bpfkit's static verifier on a program (assembly, .bin bytecode or --hex)
// for a program type, with the maps it uses, and print `OK (N insns, M states)` or the explanation.

import type { Command } from 'commander';
import { readInput } from './asm.js';

interface VerifyCliOptions {
  type: string;
  hex?: boolean;
  tracepoint?: string;
  map: string[];
  license: string;
  unprivileged?: boolean;
  btf?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** possibleCpus reads the kernel's nr_cpu_ids from sysfs, or undefined off Linux. */
async function possibleCpus(): Promise<number | undefined> {
  const { readFileSync } = await import('node:fs');
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const last = text.split(',').pop()?.split('-').pop();
    const n = Number(last);
    return Number.isInteger(n) ? n + 1 : undefined;
  } catch {
    return undefined;
  }
}

export function register(program: Command): void {
  program
    .command('verify')
    .description("check a program with bpfkit's static verifier (the kernel's rules, explained)")
    .argument('<file>', 'program: assembly (.s), raw bytecode (.bin), hex text (--hex), - for stdin')
    .requiredOption(
      '--type <type>',
      'program type: socket_filter, tracepoint, raw_tracepoint, perf_event, xdp, sched_cls, cgroup_skb, kprobe',
    )
    .option('--hex', 'the program is hex text (whitespace ignored)')
    .option(
      '--tracepoint <cat:name>',
      'tracepoint whose record layout bounds context reads (type tracepoint)',
    )
    .option(
      '--map <spec>',
      'a map the program uses, NAME:TYPE:KEY:VALUE:MAX (repeatable); bytecode map loads take them in order',
      collect,
      [],
    )
    .option('--license <license>', 'program license (GPL-only helpers need a GPL-compatible one)', 'GPL')
    .option('--unprivileged', 'reject reads of uninitialised stack, as unprivileged loads are')
    .option(
      '--btf <path>',
      'kernel BTF for loads through BTF-typed pointers (default: /sys/kernel/btf/vmlinux when the program needs it)',
    )
    .action(async (file: string, opts: VerifyCliOptions) => {
      const { BpfkitError, DecodeError, ParseError } = await import('../../errors/index.js');
      const asm = await import('../../asm/index.js');
      const v = await import('../../verifier/index.js');
      if (!v.isProgTypeName(opts.type)) {
        throw new BpfkitError(`unknown program type '${opts.type}'`, {
          hint: `use one of ${v.PROG_TYPE_NAMES.join(', ')}`,
        });
      }
      const maps = opts.map.map((spec, n) => {
        const [name, type, key, value, max] = spec.split(':');
        const where = { file: '--map', line: 1, column: 1, sourceLine: spec };
        if (!name || !type || key === undefined || value === undefined || max === undefined) {
          throw new ParseError(`--map '${spec}' must be NAME:TYPE:KEY:VALUE:MAX`, where);
        }
        if (!(type in v.MapKind)) {
          throw new ParseError(`unknown map type '${type}'`, where, {
            hint: `use one of ${Object.keys(v.MapKind).join(', ')}`,
          });
        }
        const nums = [key, value, max].map(Number);
        if (nums.some((x) => !Number.isInteger(x) || x < 0)) {
          throw new ParseError(`--map '${spec}': sizes must be non-negative integers`, where);
        }
        return {
          name,
          type: type as import('../../verifier/index.js').MapKindName,
          keySize: nums[0]!,
          valueSize: nums[1]!,
          maxEntries: nums[2]!,
          // Synthetic fds: the verifier only needs to tell maps apart.
          fd: 1000 + n,
        };
      });

      const name = file === '-' ? '<stdin>' : file;
      const input = await readInput(file);
      if (input.length === 0) throw new DecodeError(`${name}: the file is empty`, 0);
      let insns: import('../../asm/index.js').Insn[];
      if (opts.hex || file.endsWith('.bin')) {
        insns = asm.decode(opts.hex ? asm.parseHex(input.toString('utf8'), name) : new Uint8Array(input));
        // Bytecode carries fds from some other process: give the maps to its map loads in order.
        const seen = new Map<number, number>();
        for (let pc = 0; pc < insns.length; pc++) {
          const i = insns[pc]!;
          if (i.code === asm.LD_IMM64 && (i.src === 1 || i.src === 2)) {
            if (!seen.has(i.imm)) seen.set(i.imm, seen.size);
            const m = maps[seen.get(i.imm)!];
            if (m) i.imm = m.fd;
          }
          if (asm.isWide(i)) pc++;
        }
      } else {
        const built = asm.assemble(input.toString('utf8'), { file: name });
        insns = built.insns;
        for (const rel of built.relocations) {
          if (typeof rel.map !== 'string') continue;
          const m = maps.find((x) => x.name === rel.map);
          if (!m) {
            throw new BpfkitError(`the program uses map '${rel.map}', which no --map describes`, {
              hint: `add --map ${rel.map}:hash:4:8:1024 (with its real type and sizes)`,
            });
          }
          insns[rel.pc]!.imm = m.fd;
        }
      }

      const options: import('../../verifier/index.js').VerifyOptions = {
        type: opts.type,
        maps,
        license: opts.license,
        privileged: !opts.unprivileged,
      };
      const cpus = await possibleCpus();
      if (cpus !== undefined) options.possibleCpus = cpus;
      if (opts.tracepoint !== undefined) {
        if (opts.type !== 'tracepoint') throw new BpfkitError('--tracepoint needs --type tracepoint');
        const { readEventFormat } = await import('../../btf/tracefs-events.js');
        const { ensureTracefs } = await import('../../kernel/tracefs-mount.js');
        const format = readEventFormat(opts.tracepoint, ensureTracefs());
        const all = [...format.commonFields, ...format.fields];
        options.tracepointSize = Math.max(8, ...all.map((f) => f.offset + f.size));
        options.tracepointName = `${opts.tracepoint} record`;
      }
      // Reading vmlinux BTF takes a moment: only programs that get BTF-typed pointers need it.
      const taskBtf = asm.helperId('get_current_task_btf');
      const needsBtf = insns.some((i) => i.code === 0x85 && i.src === 0 && i.imm === taskBtf);
      const { existsSync } = await import('node:fs');
      const btfMod = await import('../../btf/btf.js');
      const btfPath =
        opts.btf ?? (needsBtf && existsSync(btfMod.VMLINUX_BTF_PATH) ? btfMod.VMLINUX_BTF_PATH : undefined);
      if (opts.btf !== undefined && !existsSync(opts.btf)) {
        throw new BpfkitError(`--btf ${opts.btf}: no such file`, {
          hint: `the running kernel's BTF is ${btfMod.VMLINUX_BTF_PATH}`,
        });
      }
      if (btfPath !== undefined) options.btf = btfMod.Btf.load(btfPath);
      const r = v.safeVerify(insns, options);
      if (r.ok) {
        process.stdout.write(`OK (${r.insns} insns, ${r.states} states)\n`);
        return;
      }
      process.stderr.write(`bpfkit: ${name}: rejected\n${r.error.log.join('\n')}\n`);
      process.exitCode = 1;
    });
}
