import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { BuiltProgram } from '../asm/index.js';
import { BpfkitError } from '../errors/index.js';
import { isRoot, kernelIt } from '../testing/kernel.js';
import { countCalls } from './link-test-programs.js';
import { attachTcx, attachXdp, ifindexOf } from './link-xdp.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

// A veth pair between this namespace and one the test creates: 10.201.x.1 here, 10.201.x.2 there.
const tag = process.pid % 250;
const NS = `bpfkit-${process.pid}`;
const HERE = `bk${process.pid}a`.slice(0, 15);
const THERE = `bk${process.pid}b`.slice(0, 15);
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

beforeAll(() => {
  if (!isRoot) return;
  ip('netns', 'add', NS);
  ip('link', 'add', HERE, 'type', 'veth', 'peer', 'name', THERE);
  ip('link', 'set', THERE, 'netns', NS);
  ip('addr', 'add', `10.201.${tag}.1/30`, 'dev', HERE);
  ip('link', 'set', HERE, 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', `10.201.${tag}.2/30`, 'dev', THERE);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', THERE, 'up');
});

afterAll(() => {
  if (!isRoot) return;
  try {
    ip('netns', 'del', NS);
  } catch {}
  try {
    ip('link', 'del', HERE);
  } catch {}
});

/** returning patches countCalls' final `r0 = 0` to the verdict the hook needs. */
function returning(verdict: number): BuiltProgram {
  const b = countCalls();
  const last = b.insns.length - 2;
  b.insns[last] = { ...b.insns[last]!, imm: verdict };
  return b;
}

function counter() {
  const m = BpfMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'counter' });
  return { m, read: () => m.get(Buffer.alloc(4))!.readBigUInt64LE(0) };
}

async function sendUdp(to: string, n: number): Promise<void> {
  const s = createSocket('udp4');
  for (let i = 0; i < n; i++) await new Promise<void>((r) => s.send('x', 9, to, () => r()));
  await new Promise<void>((r) => s.close(() => r()));
}

describe('network links', () => {
  kernelIt('XDP sees packets arriving on the veth from the other namespace', () => {
    const c = counter();
    const prog = Program.load({ type: 'xdp', insns: returning(2 /* XDP_PASS */), maps: { counter: c.m } });
    try {
      const link = attachXdp(prog, HERE, 'generic');
      try {
        for (let i = 0; i < 3; i++) {
          ip('netns', 'exec', NS, 'bash', '-c', `echo x > /dev/udp/10.201.${tag}.1/9`);
        }
        expect(c.read()).toBeGreaterThanOrEqual(3n);
      } finally {
        link.close();
      }
    } finally {
      prog.close();
      c.m.close();
    }
  });

  kernelIt('tcx egress sees packets this process sends', async () => {
    const c = counter();
    const prog = Program.load({
      type: 'sched_cls',
      insns: returning(0 /* TC_ACT_OK */),
      maps: { counter: c.m },
    });
    try {
      const link = attachTcx(prog, HERE, 'egress');
      try {
        await sendUdp(`10.201.${tag}.2`, 3);
        expect(c.read()).toBeGreaterThanOrEqual(3n);
      } finally {
        link.close();
      }
      const after = c.read();
      await sendUdp(`10.201.${tag}.2`, 2);
      expect(c.read()).toBe(after);
    } finally {
      prog.close();
      c.m.close();
    }
  });

  kernelIt('an unknown interface is a typed error', () => {
    expect(() => ifindexOf('bpfkit-nope0')).toThrow(BpfkitError);
  });
});
