// strace's `-e trace=SET` expression: names, %classes, and a leading `!` for the complement.

import { ParseError } from '../../errors/index.js';
import { SYSCALL_CLASSES, syscallByName } from './syscalls.js';

/** TraceFilter is the parsed set: the syscall numbers it names and whether it is negated. */
export interface TraceFilter {
  numbers: Set<number>;
  negate: boolean;
}

/**
 * parseTraceExpr parses `trace=open,read`, `trace=%file`, `!write`, `none` (the `trace=` prefix is
 * optional).
 * `lookup` resolves names strace does not decode (from the full syscall table).
 */
export function parseTraceExpr(
  expr: string,
  lookup: (name: string) => number | undefined = () => undefined,
): TraceFilter {
  let body = expr.startsWith('trace=') ? expr.slice(6) : expr;
  const start = expr.length - body.length;
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  const numbers = new Set<number>();
  if (body === 'all') return { numbers, negate: !negate };
  // strace's `none` is the empty set: no call is printed, signals and +++ lines still are.
  if (body === 'none') return { numbers, negate };
  let column = start + (negate ? 2 : 1);
  for (const item of body.split(',')) {
    const fail = (what: string): never => {
      throw new ParseError(what, { file: '-e', line: 1, column, sourceLine: expr });
    };
    if (item === '') fail('empty syscall name in the trace set');
    // strace still takes a class by its old name, without the %, when no syscall has that name.
    const names = item.startsWith('%') ? classNamed(item.slice(1)) : (classNamed(item) ?? [item]);
    if (names === undefined)
      fail(
        `unknown syscall class '${item}' (known: ${Object.keys(SYSCALL_CLASSES)
          .map((k) => `%${k}`)
          .join(', ')})`,
      );
    const isClass = names !== undefined && (item.startsWith('%') || names[0] !== item);
    for (const name of names ?? []) {
      const nr = syscallByName(name)?.nr ?? lookup(name);
      // A class member the syscall table lacks is left out; a name the user typed must exist.
      if (nr === undefined && isClass) continue;
      if (nr === undefined) fail(`unknown syscall '${name}'`);
      numbers.add(nr ?? -1);
    }
    column += item.length + 1;
  }
  return { numbers, negate };
}

/** classNamed is the syscalls of a class, or undefined (not Object.prototype's members). */
const classNamed = (name: string): readonly string[] | undefined =>
  Object.hasOwn(SYSCALL_CLASSES, name) ? SYSCALL_CLASSES[name] : undefined;

/** traces says whether the filter keeps syscall nr. */
export const traces = (f: TraceFilter, nr: number): boolean => f.numbers.has(nr) !== f.negate;

/** StatusFilter is strace's `-e status=`: print only calls that failed, or only those that did not. */
export type StatusFilter = 'failed' | 'successful';

/** parseStatusExpr parses `status=failed` or `status=successful` (`all` keeps every call: undefined). */
export function parseStatusExpr(expr: string): StatusFilter | undefined {
  const body = expr.startsWith('status=') ? expr.slice(7) : expr;
  if (body === 'failed' || body === 'successful') return body;
  if (body === 'all') return undefined;
  throw new ParseError(`unknown status '${body}' (known: all, failed, successful)`, {
    file: '-e',
    line: 1,
    column: expr.length - body.length + 1,
    sourceLine: expr,
  });
}
