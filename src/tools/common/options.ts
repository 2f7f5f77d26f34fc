// Argument parsers shared by the tools: each turns a bad value into a one-line BpfkitError naming the
// option, so the CLI prints `bpfkit: -p: ...` and exits 1.

import { BpfkitError } from '../../errors/index.js';

/** parseInteger reads a decimal integer option within [min, max]. */
export function parseInteger(option: string, value: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(value.trim())) {
    throw new BpfkitError(`${option}: expected an integer, got '${value}'`);
  }
  const n = Number(value);
  if (n < min || n > max) throw new BpfkitError(`${option}: ${n} is out of range ${min}..${max}`);
  return n;
}

/** parsePid reads a process id. */
export const parsePid = (option: string, value: string): number => parseInteger(option, value, 1, 4194304);

/** parsePorts reads a comma-separated port list (`80,443`). */
export function parsePorts(option: string, value: string): number[] {
  const ports = value.split(',').map((p) => parseInteger(option, p, 0, 65535));
  if (ports.length > 64) throw new BpfkitError(`${option}: at most 64 ports, got ${ports.length}`);
  return ports;
}

/** parseSeconds reads a positive duration in seconds (fractions allowed). */
export function parseSeconds(option: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new BpfkitError(`${option}: expected a positive number of seconds, got '${value}'`);
  }
  return n;
}

/** RawOptions is what commander hands an action: strings for valued options, true for flags. */
export type RawOptions = Record<string, string | boolean | undefined>;

/** CommonOptions are the options every tool takes the same way. */
export interface CommonOptions {
  json: boolean;
  pid?: number;
  seconds?: number;
}

/** commonOptions reads --json, -p PID and -d SECONDS, which every tool spells and checks alike. */
export function commonOptions(o: RawOptions): CommonOptions {
  const out: CommonOptions = { json: o.json === true };
  if (typeof o.pid === 'string') out.pid = parsePid('-p', o.pid);
  if (typeof o.duration === 'string') out.seconds = parseSeconds('-d', o.duration);
  return out;
}
