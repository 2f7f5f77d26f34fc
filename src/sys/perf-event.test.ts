import { describe, expect, it } from 'vitest';
import { kernelIt } from '../testing/kernel.js';
import { isErrno } from './errno.js';
import { ioctl, PerfIoctl } from './ioctl.js';
import { liveMappings, Mapping, PROT_READ, PROT_WRITE, pageSize } from './mmap.js';
import {
  encodePerfEventAttr,
  PERF_ATTR_SIZE,
  PerfType,
  perfEventOpen,
  SampleType,
  SwEvent,
} from './perf-event.js';

describe('perf_event_attr', () => {
  it('puts each field at its uapi offset', () => {
    const keep: Buffer[] = [];
    const b = encodePerfEventAttr(
      {
        type: 7,
        config: 1n,
        samplePeriod: 99,
        sampleType: SampleType.RAW,
        disabled: true,
        freq: true,
        watermark: true,
        wakeupEvents: 3,
        config1: '/bin/true',
        config2: 0x1234n,
      },
      keep,
    );
    expect(b.length).toBe(PERF_ATTR_SIZE);
    expect(b.readUInt32LE(0)).toBe(7);
    expect(b.readUInt32LE(4)).toBe(PERF_ATTR_SIZE);
    expect(b.readBigUInt64LE(8)).toBe(1n);
    expect(b.readBigUInt64LE(16)).toBe(99n);
    expect(b.readBigUInt64LE(24)).toBe(BigInt(SampleType.RAW));
    expect(b.readBigUInt64LE(40)).toBe((1n << 0n) | (1n << 10n) | (1n << 14n));
    expect(b.readUInt32LE(48)).toBe(3);
    expect(b.readBigUInt64LE(56)).not.toBe(0n); // the path's address, kept alive in `keep`
    expect(keep[0]?.toString()).toBe('/bin/true\0');
    expect(b.readBigUInt64LE(64)).toBe(0x1234n);
  });
});

describe('perf events', () => {
  kernelIt('open a software event, enable it through ioctl and map its ring', () => {
    const ev = perfEventOpen(
      { type: PerfType.SOFTWARE, config: SwEvent.CPU_CLOCK, samplePeriod: 1_000_000, disabled: true },
      0,
      -1,
      'cpu-clock of this process',
    );
    try {
      ioctl(ev.value, PerfIoctl.ENABLE, 0, 'enable');
      ioctl(ev.value, PerfIoctl.DISABLE, 0, 'disable');
      const m = Mapping.map(ev.value, 2 * pageSize, PROT_READ | PROT_WRITE, 0, 'perf ring');
      const before = liveMappings;
      // perf_event_mmap_page.version is 0 and data_offset points past the header page.
      const meta = new DataView(m.buffer);
      expect(meta.getBigUint64(1040, true)).toBe(BigInt(pageSize));
      m.unmap();
      m.unmap();
      expect(liveMappings).toBe(before - 1);
    } finally {
      ev.close();
    }
  });

  kernelIt('a bad attribute fails with a SysError naming the event', () => {
    let err: unknown;
    try {
      perfEventOpen({ type: 0xfffff }, -1, 0, 'nonsense pmu');
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, 'ENOENT') || isErrno(err, 'EINVAL')).toBe(true);
    expect((err as Error).message).toContain('perf_event_open nonsense pmu');
  });
});
