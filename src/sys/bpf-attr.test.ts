import { describe, expect, it } from 'vitest';
import { Attr, addressOf, Layout } from './bpf-attr.js';
import { BpfCmd, nameOf, ProgType } from './bpf-cmd.js';

describe('bpf_attr encoding', () => {
  it('writes little-endian fields at the given offsets into a zeroed buffer', () => {
    const a = new Attr(16).u32(0, 0x01020304).u64(8, 0x1122334455667788n);
    expect([...a.buf]).toEqual([4, 3, 2, 1, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
    expect(a.readU32(0)).toBe(0x01020304);
  });

  it('names are truncated to 15 bytes and NUL-terminated', () => {
    const a = new Attr(Layout.mapCreate.size).name(Layout.mapCreate.mapName, 'a_very_long_map_name');
    expect(a.buf.subarray(28, 44).toString('latin1')).toBe('a_very_long_map\0');
  });

  it('pointers hold the buffer address and keep the buffer alive; empty ones are NULL', () => {
    const target = Buffer.alloc(8);
    const a = new Attr(16).ptr(0, target).ptr(8, Buffer.alloc(0));
    expect(a.readU64(0)).toBe(addressOf(target));
    expect(a.readU64(0)).not.toBe(0n);
    expect(a.readU64(8)).toBe(0n);
    expect(a.keep).toContain(target);
  });

  it('layouts end where the uapi says the last used field ends', () => {
    expect(Layout.progLoad.logTrueSize).toBe(140);
    expect(Layout.mapCreate.mapExtra).toBe(64);
    expect(Layout.testRun.batchSize).toBe(72);
    expect(nameOf(BpfCmd, 5)).toBe('PROG_LOAD');
    expect(nameOf(ProgType, 26)).toBe('TRACING');
  });
});
