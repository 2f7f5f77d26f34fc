// Cgroup links (BPF_LINK_CREATE on a cgroup v2 directory, Linux 5.7): socket, skb, sockopt, sysctl and
// device programs for every process in the cgroup and its descendants.

import { closeSync, openSync } from 'node:fs';
import { BpfkitError } from '../errors/index.js';
import { linkCreate } from '../sys/bpf.js';
import { Link, type ProgramLike } from './link.js';
import { type AttachTypeName, attachTypeName, attachTypeNumber } from './program-types.js';

/** attachCgroup attaches `prog` to the cgroup v2 directory `path` at `attachType` ("cgroup_inet_egress"). */
export function attachCgroup(prog: ProgramLike, path: string, attachType: AttachTypeName | number): Link {
  const type = attachTypeNumber(attachType);
  let dir: number;
  try {
    dir = openSync(path, 'r');
  } catch (err) {
    throw new BpfkitError(`cannot open cgroup ${path}: ${(err as Error).message}`, {
      cause: err,
      hint: 'give a cgroup v2 directory, e.g. /sys/fs/cgroup/unified/<group>',
    });
  }
  try {
    const what = `cgroup ${attachTypeName(type)} ${path}`;
    // The link holds its own reference to the cgroup; our directory fd can go at once.
    return new Link(attachTypeName(type), path, [
      linkCreate({ progFd: prog.fd, targetFd: dir, attachType: type }, what),
    ]);
  } finally {
    closeSync(dir);
  }
}
