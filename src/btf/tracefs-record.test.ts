import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BpfkitError, DecodeError } from '../errors/index.js';
import { parseEventFormat } from './tracefs-format.js';
import { decodeField, decodeRecord } from './tracefs-record.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const format = (f: string) => parseEventFormat(readFileSync(join(testdata, f), 'utf8'), f);

describe('decodeRecord', () => {
  it('decodes __data_loc strings and the common fields', () => {
    const fmt = format('sched_process_exec.format');
    const rec = new Uint8Array(40);
    const v = new DataView(rec.buffer);
    v.setUint16(0, fmt.id, true);
    v.setInt32(4, 1234, true);
    const path = new TextEncoder().encode('/bin/true\0');
    rec.set(path, 20);
    v.setUint32(8, (path.length << 16) | 20, true);
    v.setInt32(12, 1234, true);
    v.setInt32(16, 1233, true);
    expect(decodeRecord(fmt, rec, { common: true })).toEqual({
      common_type: fmt.id,
      common_flags: 0,
      common_preempt_count: 0,
      common_pid: 1234,
      filename: '/bin/true',
      pid: 1234,
      old_pid: 1233,
    });
  });

  it('decodes byte arrays, pointers and signed fields', () => {
    const fmt = format('inet_sock_set_state.format');
    const rec = new Uint8Array(72);
    const v = new DataView(rec.buffer);
    v.setBigUint64(8, 0xffff888012345678n, true);
    v.setInt32(16, 7, true);
    v.setInt32(20, 1, true);
    v.setUint16(24, 40000, true);
    v.setUint16(26, 80, true);
    v.setUint16(28, 2, true);
    rec.set([127, 0, 0, 1], 32);
    const r = decodeRecord(fmt, rec);
    expect(r.skaddr).toBe(0xffff888012345678n);
    expect(r.oldstate).toBe(7);
    expect(r.sport).toBe(40000);
    expect(r.saddr).toEqual([127, 0, 0, 1]);
    expect(r.saddr_v6).toHaveLength(16);
    const sw = format('sched_switch.format');
    const srec = new Uint8Array(64);
    srec.set(new TextEncoder().encode('swapper/0'), 8);
    new DataView(srec.buffer).setBigInt64(32, -1n, true);
    expect(decodeRecord(sw, srec)).toMatchObject({ prev_comm: 'swapper/0', prev_state: -1n });
  });

  it('decodes __rel_loc relative to the end of the field', () => {
    const fmt = format('rel_loc.format');
    const rec = new Uint8Array(48);
    const v = new DataView(rec.buffer);
    rec.set(new TextEncoder().encode('hi\0'), 40);
    // msg ends at byte 12, so the data at 40 is 28 bytes past it.
    v.setUint32(8, (3 << 16) | 28, true);
    v.setUint32(12, (4 << 16) | 44, true);
    rec.set([1, 0, 0, 0], 44);
    const r = decodeRecord(fmt, rec);
    expect(r.msg).toBe('hi');
    expect(r.vals).toEqual(new Uint8Array([1, 0, 0, 0]));
  });

  it('rejects truncated records and bad locations with DecodeError', () => {
    const fmt = format('sched_process_exec.format');
    expect(() => decodeRecord(fmt, new Uint8Array(10))).toThrow(DecodeError);
    const rec = new Uint8Array(20);
    new DataView(rec.buffer).setUint32(8, (100 << 16) | 10, true);
    expect(() => decodeField(fmt.fields[0]!, rec)).toThrow(/past the record/);
  });

  it('decodes 3000 random records of every saved format with only typed errors', () => {
    const formats = [
      'sched_process_exec',
      'inet_sock_set_state',
      'sched_switch',
      'rel_loc',
      'ftrace_function',
      'sys_enter_openat',
    ].map((f) => format(`${f}.format`));
    let x = 3;
    for (let i = 0; i < 3000; i++) {
      const buf = new Uint8Array(i % 90);
      for (let j = 0; j < buf.length; j++) {
        x = (x * 1103515245 + 12345) >>> 0;
        buf[j] = x >>> 24;
      }
      try {
        decodeRecord(formats[i % formats.length]!, buf, { common: true });
      } catch (err) {
        if (!(err instanceof BpfkitError)) throw err;
      }
    }
  });
});
