// Count calls of a function in a binary or shared library with a uprobe, for one process: either a
// running one (-p PID) or a command started here, which is held stopped until the probe is attached.
//
//   npx tsx examples/uprobe-count.ts c malloc -- ls /
//   npx tsx examples/uprobe-count.ts /usr/bin/bash readline -p 1234     (Ctrl-C to stop)

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ProgramBuilder, r0, r1, r2, r10 } from '../src/asm/index.js';
import { formatError } from '../src/errors/index.js';
import { attachUprobe, BpfMap, codecs, type Link, Program } from '../src/kernel/index.js';

/** program: calls[0] += 1; the perf event's pid filter limits it to one process. */
function program() {
  return new ProgramBuilder()
    .st('u32', r10, -4, 0)
    .ldMap(r1, 'calls')
    .mov(r2, r10)
    .add(r2, -4)
    .call('map_lookup_elem')
    .jmp('JEQ', r0, 0, 'out')
    .mov(r1, 1)
    .atomic('add', 'u64', r0, 0, r1)
    .label('out')
    .mov(r0, 0)
    .exit()
    .build();
}

/** UprobeCounter counts calls of binary:symbol in process `pid` until close(). */
export class UprobeCounter {
  readonly #calls: BpfMap<number, number>;
  readonly #prog: Program;
  readonly #link: Link;
  readonly path: string;

  constructor(binary: string, symbol: string, pid: number) {
    this.#calls = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64n,
      maxEntries: 1,
      name: 'calls',
    });
    try {
      this.#prog = Program.load({
        type: 'kprobe',
        insns: program(),
        maps: { calls: this.#calls },
        name: 'uprobe_count',
      });
    } catch (err) {
      this.#calls.close();
      throw err;
    }
    try {
      this.#link = attachUprobe(this.#prog, { binary, symbol, pid });
    } catch (err) {
      this.#prog.close();
      this.#calls.close();
      throw err;
    }
    this.path = this.#link.target;
  }

  get count(): number {
    return this.#calls.get(0) ?? 0;
  }

  close(): void {
    this.#link.close();
    this.#prog.close();
    this.#calls.close();
  }
}

function stopped(pid: number): boolean {
  try {
    return /^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * countCommand runs `cmd` with a uprobe on binary:symbol limited to it and returns the number of calls.
 * The command is stopped before exec so that no call is missed.
 */
export async function countCommand(binary: string, symbol: string, cmd: string[]): Promise<number> {
  const child: ChildProcess = spawn('/bin/sh', ['-c', 'kill -STOP $$; exec "$@"', 'sh', ...cmd], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  while (!stopped(child.pid!)) await new Promise((r) => setTimeout(r, 5));
  let counter: UprobeCounter;
  try {
    counter = new UprobeCounter(binary, symbol, child.pid!);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  try {
    child.kill('SIGCONT');
    await exited;
    return counter.count;
  } finally {
    counter.close();
  }
}

async function main(): Promise<void> {
  const [binary, symbol, ...rest] = process.argv.slice(2);
  if (!binary || !symbol || rest.length === 0) {
    throw new Error('usage: uprobe-count.ts BINARY SYMBOL (-p PID | -- COMMAND ...)');
  }
  if (rest[0] === '-p') {
    const pid = Number(rest[1]);
    const counter = new UprobeCounter(binary, symbol, pid);
    console.log(`counting calls of ${counter.path} in pid ${pid}; Ctrl-C to stop`);
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
    console.log(`${symbol}: ${counter.count} calls by pid ${pid}`);
    counter.close();
    return;
  }
  const cmd = rest[0] === '--' ? rest.slice(1) : rest;
  const n = await countCommand(binary, symbol, cmd);
  console.log(`${symbol}: ${n} calls by ${cmd.join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`uprobe-count: ${formatError(err)}`);
    process.exitCode = 1;
  });
}
