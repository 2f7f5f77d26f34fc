// usdt-args: the SystemTap SDT argument spec of one probe site (`-4@%edi 8@-8(%rbp) 4@$5`), parsed
// into what the code generator needs to fetch each argument from pt_regs or user memory.

import { ParseError } from '../errors/index.js';
import { X86_REGS } from './builtins.js';

/** UsdtArg is one argument: a register, memory at register+offset, or a constant. */
export type UsdtArg =
  | { kind: 'reg'; size: number; signed: boolean; reg: string }
  | { kind: 'mem'; size: number; signed: boolean; reg: string; offset: number }
  | { kind: 'const'; size: number; signed: boolean; value: bigint };

// x86 register spellings (any width) mapped to their pt_regs field.
const REG_ALIASES: Record<string, string> = {};
for (const r of ['ax', 'bx', 'cx', 'dx']) {
  for (const a of [`r${r}`, `e${r}`, r, `${r[0]}l`, `${r[0]}h`]) REG_ALIASES[a] = r;
}
for (const r of ['si', 'di', 'bp', 'sp']) {
  for (const a of [`r${r}`, `e${r}`, r, `${r}l`]) REG_ALIASES[a] = r;
}
for (let i = 8; i <= 15; i++) for (const s of ['', 'd', 'w', 'b']) REG_ALIASES[`r${i}${s}`] = `r${i}`;
REG_ALIASES.rip = 'ip';

function reg(name: string, spec: string): string {
  const r = REG_ALIASES[name];
  if (!r || X86_REGS[r] === undefined)
    throw new ParseError(`usdt argument '${spec}': unknown register %${name}`);
  return r;
}

/** parseUsdtArgs parses a whole spec; a malformed one is a ParseError naming the argument. */
export function parseUsdtArgs(spec: string): UsdtArg[] {
  const out: UsdtArg[] = [];
  for (const word of spec.split(' ')) {
    if (word === '') continue;
    const m = /^(-?)(1|2|4|8)@(.+)$/.exec(word);
    if (!m) throw new ParseError(`usdt argument '${word}' is not SIZE@OPERAND`);
    const signed = m[1] === '-';
    const size = Number(m[2]);
    const op = m[3]!;
    let o: RegExpExecArray | null;
    if ((o = /^%([a-z0-9]+)$/.exec(op))) out.push({ kind: 'reg', size, signed, reg: reg(o[1]!, word) });
    else if ((o = /^(-?(?:0x[0-9a-f]+|\d+))?\(%([a-z0-9]+)\)$/i.exec(op))) {
      const n = o[1] ?? '0';
      const offset = n.startsWith('-') ? -Number(n.slice(1)) : Number(n);
      out.push({ kind: 'mem', size, signed, reg: reg(o[2]!, word), offset });
    } else if ((o = /^\$(-?(?:0x[0-9a-f]+|\d+))$/i.exec(op))) {
      const v = o[1]!.startsWith('-') ? -BigInt(o[1]!.slice(1)) : BigInt(o[1]!);
      out.push({ kind: 'const', size, signed, value: v });
    } else throw new ParseError(`usdt argument '${word}': unsupported operand ${op}`);
  }
  return out;
}
