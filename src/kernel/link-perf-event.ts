// Attaching a program to an open perf event (tracepoint, uprobe, kprobe, sampling): a BPF_LINK_CREATE
// perf link (Linux 5.15) when the kernel has it, PERF_EVENT_IOC_SET_BPF otherwise.

import { linkCreate } from '../sys/bpf.js';
import { AttachType } from '../sys/bpf-cmd.js';
import { isErrno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { ioctl, PerfIoctl } from '../sys/ioctl.js';
import type { ProgramLike } from './link.js';

let perfLinks: boolean | undefined;

/**
 * attachToPerfEvent attaches `prog` to `event` and enables it. It returns the fds that keep the
 * attachment, bpf_link first; on failure it closes nothing (the caller owns `event`).
 */
export function attachToPerfEvent(prog: ProgramLike, event: FD, what: string): FD[] {
  if (perfLinks !== false) {
    try {
      const link = linkCreate(
        { progFd: prog.fd, targetFd: event.value, attachType: AttachType.PERF_EVENT },
        `bpf perf link ${what}`,
      );
      perfLinks = true;
      try {
        ioctl(event.value, PerfIoctl.ENABLE, 0, `enable ${what}`);
      } catch (err) {
        link.close();
        throw err;
      }
      return [link, event];
    } catch (err) {
      // EINVAL: this kernel has no perf links; anything else is a real failure.
      if (perfLinks === true || !isErrno(err, 'EINVAL')) throw err;
      perfLinks = false;
    }
  }
  ioctl(event.value, PerfIoctl.SET_BPF, prog.fd, `attach program to ${what}`);
  ioctl(event.value, PerfIoctl.ENABLE, 0, `enable ${what}`);
  return [event];
}
