import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureIt } from '../testing/kernel.js';
import { diskDev, type Extension, extensionLines, formatBiolatency, runBiolatency } from './biolatency.js';
import type { Hist } from './hist-programs.js';
import { CaptureOutput } from './testing/capture.js';
import { gatedWorkload } from './testing/gated-workload.js';

const hasLoop = existsSync('/dev/loop-control') && existsSync('/usr/sbin/losetup');

/**
 * directWrites runs biolatency with `opts` around 100 direct 4 KiB writes to a fresh loop device and
 * returns its output, its reports and the device's name as in /dev.
 */
async function directWrites(
  opts: Parameters<typeof runBiolatency>[0],
  withDevice: (name: string) => Parameters<typeof runBiolatency>[0] = () => ({}),
  cgroupDir?: string,
) {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bio-'));
  const img = join(dir, 'disk.img');
  writeFileSync(img, '');
  truncateSync(img, 8 << 20);
  const dev = execFileSync('/usr/sbin/losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
  try {
    const out = new CaptureOutput();
    const reports: Hist[][] = [];
    const exts: Extension[] = [];
    const w = gatedWorkload(`exec /bin/dd if=/dev/zero of=${dev} bs=4k count=100 oflag=direct status=none`);
    if (cgroupDir) writeFileSync(join(cgroupDir, 'cgroup.procs'), String(w.pid));
    let go: (p: Promise<unknown>) => void = () => {};
    const ended = new Promise<Promise<unknown>>((r) => (go = r));
    await runBiolatency(
      {
        ...opts,
        ...withDevice(dev.replace('/dev/', '')),
        onReport: (h, e) => {
          reports.push(h);
          if (e) exts.push(e);
        },
        // O_DIRECT bypasses the page cache, so each 4 KiB write is one request to the device.
        ready: () => {
          w.release();
          go(w.exit);
        },
        done: ended.then((p) => p),
      },
      out,
    );
    return { out, reports, exts, name: dev.replace('/dev/', '') };
  } finally {
    execFileSync('/usr/sbin/losetup', ['-d', dev]);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('biolatency', () => {
  featureIt(
    'counts 100 direct writes to a loop device',
    hasLoop,
    'no loop device support (losetup)',
    async () => {
      const { out, reports, name } = await directWrites({ perDisk: true });
      // -D: the loop device has its own histogram, named as in /dev.
      const loop = reports.flat().filter((h) => h.comm === name);
      expect(loop).toHaveLength(1);
      expect(loop[0]!.slots.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100);
      expect(out.lines).toContain(`disk = ${name}\t`);
      expect(out.lines[0]).toBe('Tracing block device I/O... Hit Ctrl-C to end.');
      expect(out.lines).toContain('     usecs               : count    distribution');
    },
  );
});

describe('biolatency -F', () => {
  featureIt(
    'keys histograms by request flags: direct writes to a loop device are Write requests',
    hasLoop,
    'no loop device support (losetup)',
    async () => {
      const { out, reports } = await directWrites({ perFlag: true });
      // REQ_OP_WRITE is 1 in the low byte of cmd_flags.
      const writes = reports.flat().filter((h) => (h.key & 0xff) === 1);
      const n = writes.reduce((a, h) => a + h.slots.reduce((x, y) => x + y, 0), 0);
      expect(n).toBeGreaterThanOrEqual(100);
      expect(out.lines.some((l) => /^flags = ([A-Za-z]+-)*Write$/.test(l))).toBe(true);
    },
  );

  featureIt(
    'keys histograms by disk and flags together with -D -F',
    hasLoop,
    'no loop device support (losetup)',
    async () => {
      const { out, reports, name } = await directWrites({ perDisk: true, perFlag: true });
      const loop = reports.flat().filter((h) => h.comm === name);
      // REQ_OP_WRITE (1) in the low byte of the cmd_flags half of the key.
      const n = loop
        .filter((h) => (h.key & 0xff) === 1)
        .reduce((a, h) => a + h.slots.reduce((x, y) => x + y, 0), 0);
      expect(n).toBeGreaterThanOrEqual(100);
      expect(out.lines.some((l) => new RegExp(`^disk = ${name}\tflags = ([A-Za-z]+-)*Write$`).test(l))).toBe(
        true,
      );
    },
  );
});

describe('biolatency -e', () => {
  featureIt(
    "sums every request: the count equals the histograms' total, and the average fits their buckets",
    hasLoop,
    'no loop device support (losetup)',
    async () => {
      const { reports, exts, out } = await directWrites({ extension: true }, (dev) => ({
        disk: dev,
      }));
      const n = reports.flat().reduce((a, h) => a + h.slots.reduce((x, y) => x + y, 0), 0);
      expect(n).toBeGreaterThanOrEqual(100);
      expect(exts.reduce((a, e) => a + e.count, 0)).toBe(n);
      const line = out.lines.find((l) => l.startsWith('avg = '));
      expect(line).toMatch(new RegExp(`^avg = \\d+ usecs, total: \\d+ usecs, count: ${n}$`));
      expect(exts[0]!.totalNs / exts[0]!.count).toBeGreaterThan(0);
    },
  );

  it("prints BCC's summary line", () => {
    expect(extensionLines({ totalNs: 1_234_567, count: 10 }, false)).toEqual([
      '',
      'avg = 123 usecs, total: 1234 usecs, count: 10',
      '',
    ]);
    expect(extensionLines({ totalNs: 25_500_000, count: 2 }, true)).toEqual([
      '',
      'avg = 12 msecs, total: 25 msecs, count: 2',
      '',
    ]);
    expect(extensionLines({ totalNs: 0, count: 0 }, false)).toEqual([]);
  });
});

describe('biolatency -Q', () => {
  featureIt(
    'counts every request, from its insert with an I/O scheduler and from its issue without one',
    hasLoop && existsSync('/sys/block/loop0/queue/scheduler'),
    'no loop device or I/O schedulers',
    async () => {
      for (const scheduler of ['mq-deadline', 'none']) {
        const { reports, name } = await directWrites({ queued: true, perDisk: true }, (dev) => {
          writeFileSync(`/sys/block/${dev}/queue/scheduler`, scheduler);
          return {};
        });
        const loop = reports.flat().filter((h) => h.comm === name);
        const n = loop.reduce((a, h) => a + h.slots.reduce((x, y) => x + y, 0), 0);
        expect(n, scheduler).toBeGreaterThanOrEqual(100);
      }
    },
  );
});

describe('biolatency --disk-name', () => {
  featureIt(
    "counts only the named disk: all of the loop device's writes, none when another disk is named",
    hasLoop,
    'no loop device support (losetup)',
    async () => {
      const sum = (hs: Hist[][], name: string) =>
        hs
          .flat()
          .filter((h) => h.comm === name)
          .reduce((a, h) => a + h.slots.reduce((x, y) => x + y, 0), 0);
      const only = await directWrites({ perDisk: true }, (name) => ({ disk: name }));
      expect(sum(only.reports, only.name)).toBeGreaterThanOrEqual(100);
      expect(only.reports.flat().every((h) => h.comm === only.name)).toBe(true);
      const other = readdirSync('/sys/block').find((d) => !d.startsWith('loop'));
      if (other === undefined) return;
      const elsewhere = await directWrites({ perDisk: true, disk: other });
      expect(sum(elsewhere.reports, elsewhere.name)).toBe(0);
    },
  );

  it('names a missing disk or a partition in one line', () => {
    expect(() => diskDev('nonexistent0')).toThrow(/^--disk-name: no disk named 'nonexistent0'$/);
    expect(() => diskDev('../sda')).toThrow(/no disk named/);
    const part = readdirSync('/sys/class/block').find((d) => existsSync(`/sys/class/block/${d}/partition`));
    if (part) expect(() => diskDev(part)).toThrow(/is a partition/);
  });
});

describe('biolatency -c', () => {
  const CGROUP2 = '/sys/fs/cgroup/unified';
  featureIt(
    'counts I/O issued under a cgroup v2 directory, and none issued outside it',
    hasLoop && existsSync(CGROUP2),
    'no loop device or no cgroup v2',
    async () => {
      const dir = join(CGROUP2, `bpfkit-biolatency-${process.pid}`);
      const empty = join(CGROUP2, `bpfkit-biolatency-empty-${process.pid}`);
      mkdirSync(dir);
      mkdirSync(empty);
      try {
        const sum = (hs: Hist[][], name: string) =>
          hs
            .flat()
            .filter((h) => h.comm === name)
            .reduce((a, h) => a + h.slots.reduce((x, y) => x + y, 0), 0);
        const inside = await directWrites({ perDisk: true, cgroup: dir }, () => ({}), dir);
        expect(sum(inside.reports, inside.name)).toBeGreaterThanOrEqual(100);
        const outside = await directWrites({ perDisk: true, cgroup: empty });
        expect(sum(outside.reports, outside.name)).toBe(0);
      } finally {
        rmdirSync(dir);
        rmdirSync(empty);
      }
    },
  );
});

describe('biolatency format', () => {
  it('prints a timestamped millisecond histogram', () => {
    const slots = new Array(26).fill(0);
    slots[2] = 3;
    expect(
      formatBiolatency(
        [{ key: 0, comm: '', slots }],
        { milliseconds: true, timestamp: true },
        new Date(2026, 0, 1, 1, 2, 3),
      ),
    ).toEqual([
      '',
      '01:02:03',
      '',
      '     msecs               : count    distribution',
      '         0 -> 1          : 0        |                                        |',
      '         2 -> 3          : 0        |                                        |',
      '         4 -> 7          : 3        |****************************************|',
    ]);
  });

  it('spaces per-disk and per-flag histograms as libbpf-tools does', () => {
    const slots = [1, ...new Array(25).fill(0)];
    const hist = [
      '     usecs               : count    distribution',
      '         0 -> 1          : 1        |****************************************|',
    ];
    const two = [
      { key: 1, comm: 'vda', slots },
      { key: 0, comm: 'loop0', slots },
    ];
    // -D: "\ndisk = NAME\t\n" before each histogram.
    expect(formatBiolatency(two, { perDisk: true })).toEqual([
      '',
      '',
      'disk = loop0\t',
      ...hist,
      '',
      'disk = vda\t',
      ...hist,
    ]);
    // -D -F: both on the disk's line.
    expect(
      formatBiolatency([{ key: 1, key2: 7 << 20, comm: 'vda', slots }], { perDisk: true, perFlag: true }),
    ).toEqual(['', '', 'disk = vda\tflags = Write', ...hist]);
    // -F: "flags = ...\n" with no blank line, after the report's one.
    expect(formatBiolatency(two, { perFlag: true })).toEqual([
      '',
      'flags = Read',
      ...hist,
      'flags = Write',
      ...hist,
    ]);
  });
});
