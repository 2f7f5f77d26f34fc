import { describe, expect, it } from 'vitest';
import { msghdr } from './msghdr.js';
import { MSGHDR_ROOM, MSGHDR_SIZE } from './syscalls.js';

/** copied builds what the kernel program copies: the msghdr, its first iovec, then its bytes. */
function copied(h: {
  iovlen: bigint;
  iovLen: bigint;
  bytes: string;
  flags?: number;
  name?: bigint;
}): Uint8Array {
  const bytes = new TextEncoder().encode(h.bytes);
  const data = new Uint8Array(MSGHDR_ROOM + bytes.length);
  const v = new DataView(data.buffer);
  v.setBigUint64(0, h.name ?? 0n, true);
  v.setBigUint64(16, 0x7ffd0000n, true);
  v.setBigUint64(24, h.iovlen, true);
  v.setUint32(48, h.flags ?? 0, true);
  v.setBigUint64(MSGHDR_SIZE, 0x7ffd1000n, true);
  v.setBigUint64(MSGHDR_SIZE + 8, h.iovLen, true);
  data.set(bytes, MSGHDR_ROOM);
  return data;
}

describe('strace msghdr', () => {
  it('prints sendmsg and recvmsg structs as strace does', () => {
    expect(msghdr(copied({ iovlen: 1n, iovLen: 5n, bytes: 'hello' }), 1n << 60n, 32)).toBe(
      '{msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], msg_iovlen=1, msg_controllen=0, msg_flags=0}',
    );
    // recvmsg: the bytes received, in a larger buffer, cut at -s; MSG_TRUNC (0x20) decoded.
    expect(
      msghdr(copied({ iovlen: 2n, iovLen: 200n, bytes: 'abcd', flags: 0x20, name: 0x7ffd2000n }), 100n, 4),
    ).toBe(
      '{msg_name=0x7ffd2000, msg_namelen=0, msg_iov=[{iov_base="abcd"..., iov_len=200}, ...], msg_iovlen=2, msg_controllen=0, msg_flags=MSG_TRUNC}',
    );
  });

  it('shows the msg_namelen recvmsg was offered when it changed, as strace does', () => {
    const data = copied({ iovlen: 1n, iovLen: 100n, bytes: 'hi' });
    new DataView(data.buffer).setUint32(52, 110, true);
    expect(msghdr(data, 2n, 32, true)).toContain('msg_namelen=110 => 0,');
    new DataView(data.buffer).setUint32(52, 0xffffffff, true);
    expect(msghdr(data, 2n, 32, true)).toContain('msg_namelen=0,');
  });

  it('falls back to the pointer for what was not copied', () => {
    expect(msghdr(new Uint8Array(10), 0n, 32)).toBeUndefined();
    const short = copied({ iovlen: 1n, iovLen: 5n, bytes: '' });
    expect(msghdr(short, 1n << 60n, 32)).toContain('iov_base=0x7ffd1000,');
  });

  it('survives random bytes with no exception', () => {
    let seed = 7;
    for (let n = 0; n < 500; n++) {
      const data = new Uint8Array(n % 120);
      for (let i = 0; i < data.length; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        data[i] = seed & 0xff;
      }
      expect(() => msghdr(data, BigInt(seed % 300) - 10n, 32)).not.toThrow();
    }
  });
});
