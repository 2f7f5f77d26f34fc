// Network device links through BPF_LINK_CREATE: XDP (Linux 5.9) and tcx ingress/egress (Linux 6.6).
// Both detach when the link closes, so a crashed process leaves no program on the interface.

import { readFileSync } from 'node:fs';
import { BpfkitError } from '../errors/index.js';
import { linkCreate } from '../sys/bpf.js';
import { AttachType } from '../sys/bpf-cmd.js';
import { Link, type ProgramLike } from './link.js';

/** XdpMode picks the XDP hook: the driver's (native), the generic skb path, or the NIC (offload). */
export type XdpMode = 'native' | 'generic' | 'offload' | 'auto';

const XDP_FLAGS: Record<XdpMode, number> = { auto: 0, generic: 1 << 1, native: 1 << 2, offload: 1 << 3 };

/** ifindexOf resolves an interface name (or passes an index through). */
export function ifindexOf(iface: string | number): number {
  if (typeof iface === 'number') return iface;
  try {
    return Number.parseInt(readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8'), 10);
  } catch {
    throw new BpfkitError(`network interface ${iface} does not exist`, {
      hint: 'see `ip link` for the names',
    });
  }
}

/** attachXdp attaches an XDP program to an interface (mode 'auto' lets the kernel choose). */
export function attachXdp(prog: ProgramLike, iface: string | number, mode: XdpMode = 'auto'): Link {
  const ifindex = ifindexOf(iface);
  const fd = linkCreate(
    { progFd: prog.fd, targetFd: ifindex, attachType: AttachType.XDP, flags: XDP_FLAGS[mode] },
    `bpf xdp link ${iface}`,
  );
  return new Link('xdp', String(iface), [fd]);
}

/** attachTcx attaches a sched_cls program to an interface's tcx ingress or egress hook. */
export function attachTcx(prog: ProgramLike, iface: string | number, direction: 'ingress' | 'egress'): Link {
  const ifindex = ifindexOf(iface);
  const attachType = direction === 'ingress' ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS;
  const fd = linkCreate(
    { progFd: prog.fd, targetFd: ifindex, attachType },
    `bpf tcx ${direction} link ${iface}`,
  );
  return new Link(`tcx_${direction}`, String(iface), [fd]);
}
