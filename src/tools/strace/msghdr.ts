// struct msghdr as strace prints sendmsg's and recvmsg's: `{msg_name=NULL, msg_namelen=0,
// msg_iov=[{iov_base="hello", iov_len=5}], msg_iovlen=1, msg_controllen=0, msg_flags=0}`.

import { msgFlags, ptr } from './decoders.js';
import { quote } from './quote.js';
import { MSGHDR_NAMELEN_OFFERED, MSGHDR_ROOM, MSGHDR_SIZE } from './syscalls.js';

/** NO_NAMELEN is the offered msg_namelen the kernel program could not read. */
const NO_NAMELEN = 0xffffffff;

/**
 * msghdr prints the struct msghdr the kernel program copied (MSGHDR_SIZE bytes, the first iovec,
 * then its bytes). `len` is how many bytes that iovec carried (sendmsg: its iov_len; recvmsg: the
 * bytes received, at most iov_len); `strSize` is -s. Only the first iovec's bytes are copied: the
 * others are `...`. `filled` (recvmsg) shows the msg_namelen offered at entry when it changed:
 * `110 => 0`. undefined when the struct was not copied.
 */
export function msghdr(data: Uint8Array, len: bigint, strSize: number, filled = false): string | undefined {
  if (data.length < MSGHDR_SIZE) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.length);
  const name = v.getBigUint64(0, true);
  const namelen = v.getUint32(8, true);
  const iov = v.getBigUint64(16, true);
  const iovlen = v.getBigUint64(24, true);
  const control = v.getBigUint64(32, true);
  const controllen = v.getBigUint64(40, true);
  const flags = BigInt(v.getUint32(48, true));
  const offered = filled ? v.getUint32(MSGHDR_NAMELEN_OFFERED, true) : NO_NAMELEN;
  const namelenText =
    offered === NO_NAMELEN || offered === namelen ? `${namelen}` : `${offered} => ${namelen}`;
  let iovs = ptr(iov);
  if (iovlen === 0n) iovs = '[]';
  else if (data.length >= MSGHDR_ROOM) {
    const base = v.getBigUint64(MSGHDR_SIZE, true);
    const iovLen = v.getBigUint64(MSGHDR_SIZE + 8, true);
    const carried = len < iovLen ? len : iovLen;
    const shown = Math.min(Number(carried < BigInt(strSize) ? carried : BigInt(strSize)), strSize);
    const bytes = data.subarray(MSGHDR_ROOM);
    const baseText =
      base === 0n
        ? 'NULL'
        : bytes.length < shown
          ? ptr(base)
          : quote(bytes, carried > BigInt(shown), false, shown);
    iovs = `[{iov_base=${baseText}, iov_len=${iovLen}}${iovlen > 1n ? ', ...' : ''}]`;
  }
  const controlText = control === 0n ? '' : `msg_control=${ptr(control)}, `;
  return `{msg_name=${ptr(name)}, msg_namelen=${namelenText}, msg_iov=${iovs}, msg_iovlen=${iovlen}, ${controlText}msg_controllen=${controllen}, msg_flags=${msgFlags(flags)}}`;
}
