import { describe, expect, it } from 'vitest';
import { formatSyscall } from './format.js';
import { LineCache } from './line-cache.js';
import { encodeRecord, type SyscallFields, SyscallRecord } from './record.js';

/** at lays out records in one buffer as they sit in the ring: each 8-byte aligned, after a header. */
function at(...fields: SyscallFields[]): { bytes: Uint8Array; recs: SyscallRecord[] } {
  const views = fields.map(encodeRecord);
  const slot = (v: DataView) => (8 + v.byteLength + 7) & ~7;
  const bytes = new Uint8Array(views.reduce((n, v) => n + slot(v), 0));
  const recs: SyscallRecord[] = [];
  let off = 0;
  for (const v of views) {
    bytes.set(new Uint8Array(v.buffer), off + 8);
    recs.push(new SyscallRecord(new DataView(bytes.buffer), off + 8, off + 8 + v.byteLength));
    off += slot(v);
  }
  return { bytes, recs };
}

const read1 = (data: string, ts = 0n, tid = 7): SyscallFields => ({
  ts,
  tgid: 7,
  tid,
  nr: 0,
  ret: 1n,
  args: [0n, 0x1000n, 1n],
  data,
});

describe('strace line cache', () => {
  it('prints a repeated call from the cache, and a changed one afresh', () => {
    const { bytes, recs } = at(read1('\0'), read1('\0', 5n, 8), read1('x'), read1('x'));
    const cache = new LineCache();
    const lines = recs.map((r) => cache.line(r, bytes, {}));
    expect(lines).toEqual([
      'read(0, "\\0", 1)                        = 1',
      'read(0, "\\0", 1)                        = 1',
      'read(0, "x", 1)                         = 1',
      'read(0, "x", 1)                         = 1',
    ]);
    // Times and thread ids are not part of the text: the second record is a hit.
    expect(cache.hits).toBe(2);
    expect(lines).toEqual(recs.map((r) => formatSyscall(r)));
  });

  it('tells records apart by any byte, in whole words and in the tail', () => {
    const base = read1('\0');
    const { bytes, recs } = at(base, { ...base, args: [0n, 0x1000n, 1n, 0n, 0n, 1n] }, read1('\x01'), base);
    const cache = new LineCache();
    for (const r of recs) cache.line(r, bytes, {});
    // Only the last record repeats its predecessor... which differs in its data: no hit at all.
    expect(cache.hits).toBe(0);
    const again = at(read1('\x01'), read1('\x01'));
    const c2 = new LineCache();
    for (const r of again.recs) c2.line(r, again.bytes, {});
    expect(c2.hits).toBe(1);
  });

  it('keeps prefixes, leaders and -T times per record', () => {
    const a = { ...read1('\0'), durNs: 1000 };
    const b = { ...read1('\0', 1n, 9), durNs: 2000 };
    const { bytes, recs } = at(a, b);
    const cache = new LineCache();
    const opts = { pidPrefix: true, showTime: true, leader: '0.1 ' };
    expect(recs.map((r) => cache.line(r, bytes, opts))).toEqual([
      '[pid     7] 0.1 read(0, "\\0", 1)        = 1 <0.000001>',
      '[pid     9] 0.1 read(0, "\\0", 1)        = 1 <0.000002>',
    ]);
    expect(cache.hits).toBe(1);
  });

  it('formats execve afresh when bpfkit knows the command line', () => {
    const exec: SyscallFields = {
      tgid: 7,
      nr: 59,
      ret: 0n,
      args: [0x10n, 0x20n, 0x30n],
      data: '/bin/true\0',
    };
    const { bytes, recs } = at(exec, exec);
    const cache = new LineCache();
    const execArgs = { argv: ['/bin/true'], envCount: 3 };
    expect(cache.line(recs[0]!, bytes, {})).toBe('execve("/bin/true", 0x20, 0x30)         = 0');
    expect(cache.line(recs[1]!, bytes, { execArgs })).toBe(
      'execve("/bin/true", ["/bin/true"], 0x30 /* 3 vars */) = 0',
    );
  });
});
