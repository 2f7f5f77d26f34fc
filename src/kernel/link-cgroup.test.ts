import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { featureIt, isRoot } from '../testing/kernel.js';
import { attachCgroup } from './link-cgroup.js';
import { countCalls } from './link-test-programs.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';

const ROOT = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find(
  (p) => existsSync(`${p}/cgroup.procs`) && existsSync(`${p}/cgroup.controllers`),
);

function stopped(pid: number): boolean {
  try {
    return /^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('cgroup links', () => {
  featureIt(
    'count sockets created by a process moved into a new cgroup',
    isRoot && ROOT !== undefined,
    'no cgroup v2 mount',
    async () => {
      const dir = `${ROOT}/bpfkit-test-${process.pid}`;
      mkdirSync(dir, { recursive: true });
      const counter = BpfMap.create({
        type: 'array',
        keySize: 4,
        valueSize: 8,
        maxEntries: 1,
        name: 'counter',
      });
      const read = () => counter.get(Buffer.alloc(4))!.readBigUInt64LE(0);
      // cgroup/sock programs return 1 to allow the socket.
      const insns = countCalls();
      const last = insns.insns.length - 2;
      insns.insns[last] = { ...insns.insns[last]!, imm: 1 };
      const prog = Program.load({
        type: 'cgroup_sock',
        insns,
        maps: { counter },
        expectedAttachType: 'cgroup_inet_sock_create',
      });
      // bash opens a UDP socket for the /dev/udp redirection; it waits stopped until it is in the cgroup.
      const child = spawn(
        'bash',
        ['-c', 'kill -STOP $$; for i in 1 2 3; do echo x > /dev/udp/127.0.0.1/9; done'],
        {
          stdio: 'ignore',
        },
      );
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        while (!stopped(child.pid!)) await new Promise((r) => setTimeout(r, 5));
        writeFileSync(`${dir}/cgroup.procs`, String(child.pid));
        const link = attachCgroup(prog, dir, 'cgroup_inet_sock_create');
        try {
          child.kill('SIGCONT');
          expect(await exited).toBe(0);
          expect(read()).toBe(3n);
        } finally {
          link.close();
        }
      } finally {
        child.kill('SIGKILL');
        prog.close();
        counter.close();
        rmdirSync(dir);
      }
    },
  );
});
