// `bpfkit btf ...`: inspect kernel types and tracepoint layouts — dump a type as C, locate a member
// path, read an enumerator, list types or tracepoints by glob, show raw tracepoint arguments and a
// tracepoint's record layout.

import type { Command } from 'commander';

interface BtfFileOptions {
  file?: string;
  base?: string;
}

async function loadBtf(opts: BtfFileOptions) {
  const { Btf, loadVmlinux } = await import('../../btf/index.js');
  const { BpfkitError, DecodeError } = await import('../../errors/index.js');
  const load = (path: string, base?: import('../../btf/index.js').Btf) => {
    try {
      return base
        ? Btf.load(path, { base })
        : path === '/sys/kernel/btf/vmlinux'
          ? loadVmlinux()
          : Btf.load(path);
    } catch (err) {
      if (err instanceof DecodeError) {
        throw new BpfkitError(`${path}: ${err.message} (byte ${err.offset})`, { cause: err });
      }
      if (err instanceof BpfkitError) throw err;
      const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
      throw new BpfkitError(`cannot read BTF from ${path}: ${reason}`, { cause: err });
    }
  };
  const base = opts.base === undefined ? undefined : load(opts.base);
  // A module's BTF is split on vmlinux; default its base so `--file /sys/kernel/btf/<mod>` just works.
  const file = opts.file ?? '/sys/kernel/btf/vmlinux';
  const needsBase = base === undefined && file.startsWith('/sys/kernel/btf/') && !file.endsWith('/vmlinux');
  return load(file, needsBase ? load('/sys/kernel/btf/vmlinux') : base);
}

function fileOptions(cmd: Command): Command {
  return cmd
    .option('--file <path>', 'BTF file to read', '/sys/kernel/btf/vmlinux')
    .option('--base <path>', 'base BTF for a split (module) BTF file');
}

async function tracefsRoot(): Promise<string> {
  const { ensureTracefs } = await import('../../kernel/tracefs-mount.js');
  return ensureTracefs();
}

export function register(program: Command): void {
  const btf = program.command('btf').description('inspect kernel types (BTF) and tracepoint formats');

  fileOptions(
    btf
      .command('dump')
      .description(
        "print a type as C with member offsets: 'task_struct', 'struct sock', 'tcp_v4_connect', an id",
      )
      .argument('<type>', 'type or function name, optionally with struct/union/enum, or a numeric type id'),
  ).action(async (type: string, opts: BtfFileOptions) => {
    const spec = await loadBtf(opts);
    const { dumpType } = await import('../../btf/index.js');
    const id = /^\d+$/.test(type) ? Number(type) : spec.typeByName(type).id;
    process.stdout.write(`${dumpType(spec, id)}\n`);
  });

  fileOptions(
    btf
      .command('offset')
      .description(
        "locate a member path: 'task_struct.real_parent', 'sock.__sk_common.skc_dport', 'a.b->c[2]'",
      )
      .argument('<path>', 'type.member[.member|[index]|->member]...'),
  ).action(async (path: string, opts: BtfFileOptions) => {
    const spec = await loadBtf(opts);
    const m = /^\s*((?:struct|union)\s+)?([A-Za-z_]\w*)\s*(?:\.|->)(.*)$/s.exec(path);
    if (!m) {
      const { ParseError } = await import('../../errors/index.js');
      throw new ParseError(`bad path '${path}': expected 'type.member'`, {
        line: 1,
        column: 1,
        sourceLine: path,
      });
    }
    const hops = spec.memberPath(`${m[1] ?? ''}${m[2]}`, m[3]!);
    hops.forEach((h, i) => {
      const via = i === 0 ? m[2] : `*(${hops[i - 1]!.path})`;
      const bits = h.bitSize > 0 ? ` bits ${h.bitOffset - h.offset * 8}..+${h.bitSize}` : '';
      process.stdout.write(`${via}.${h.path}: offset ${h.offset} size ${h.size}${bits} type ${h.typeName}\n`);
    });
  });

  fileOptions(
    btf
      .command('enum')
      .description(
        "print an enumerator's value ('BPF_MAP_TYPE_RINGBUF') or every value of an enum ('bpf_map_type')",
      )
      .argument('<name>', 'enumerator or enum name'),
  ).action(async (name: string, opts: BtfFileOptions) => {
    const spec = await loadBtf(opts);
    const t = spec.findType(name, 'enum');
    if (t && (t.kind === 'enum' || t.kind === 'enum64')) {
      for (const v of t.values) process.stdout.write(`${v.name} = ${v.value}\n`);
      return;
    }
    process.stdout.write(`${spec.enumValue(name)}\n`);
  });

  fileOptions(
    btf
      .command('list')
      .description("list types matching a glob: 'tcp_v4_*' --kind func, '*_sock' --kind struct")
      .argument('<glob>', 'type name glob')
      .option('--kind <kind>', 'only this kind: struct, union, enum, typedef, func, ...'),
  ).action(async (glob: string, opts: BtfFileOptions & { kind?: string }) => {
    const spec = await loadBtf(opts);
    const { kindNames } = await import('../../btf/index.js');
    const kind = kindNames.find((k) => k === opts.kind);
    if (opts.kind !== undefined && kind === undefined) {
      const { BpfkitError } = await import('../../errors/index.js');
      throw new BpfkitError(`unknown BTF kind '${opts.kind}'`, {
        hint: `one of ${kindNames.slice(1).join(', ')}`,
      });
    }
    const found = spec.findTypes(glob, kind);
    process.stdout.write(found.map((t) => `${t.id}\t${t.kind}\t${t.name}\n`).join(''));
  });

  fileOptions(
    btf
      .command('args')
      .description("print the argument types of a BTF raw tracepoint (tp_btf): 'sched_switch'")
      .argument('<tracepoint>', 'raw tracepoint name'),
  ).action(async (name: string, opts: BtfFileOptions) => {
    const spec = await loadBtf(opts);
    const args = spec.rawTracepointArgs(name.replace(/^.*:/, ''));
    process.stdout.write(
      args.map((a, i) => `arg${i}: ${a.typeName}${a.name ? ` ${a.name}` : ''}\n`).join(''),
    );
  });

  btf
    .command('tracepoints')
    .description("list tracepoints matching a glob: 'syscalls:sys_enter_*', '*:sched_*'")
    .argument('[glob]', 'category:name glob', '*:*')
    .action(async (glob: string) => {
      const { listEvents } = await import('../../btf/index.js');
      const events = listEvents(glob, await tracefsRoot());
      if (events.length === 0) {
        const { BpfkitError } = await import('../../errors/index.js');
        throw new BpfkitError(`no tracepoint matches '${glob}'`);
      }
      process.stdout.write(events.map((e) => `${e.category}:${e.name}\n`).join(''));
    });

  btf
    .command('format')
    .description("show a tracepoint's record layout: 'syscalls:sys_enter_openat'")
    .argument('<event>', 'category:name')
    .action(async (event: string) => {
      const { readEventFormat } = await import('../../btf/index.js');
      const f = readEventFormat(event, await tracefsRoot());
      const lines = [`${f.category}:${f.name} id ${f.id}`, '  offset size  field'];
      for (const x of [...f.commonFields, ...f.fields]) {
        const array = x.arrayLength === undefined ? '' : `[${x.arrayLength || ''}]`;
        const kind = x.dataLoc ? `__${x.dataLoc} ${x.type}[]` : `${x.type}${array}`;
        lines.push(`  ${String(x.offset).padStart(6)} ${String(x.size).padStart(4)}  ${kind} ${x.name}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
