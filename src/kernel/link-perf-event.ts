// Attaching a program to an open perf event (tracepoint, uprobe, kprobe, sampling): a BPF_LINK_CREATE
// perf link (Linux 5.15) when the kernel has it, PERF_EVENT_IOC_SET_BPF otherwise.

import { BpfkitError, NotSupportedError } from '../errors/index.js';
import { linkCreate } from '../sys/bpf.js';
import { AttachType } from '../sys/bpf-cmd.js';
import { isErrno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { ioctl, PerfIoctl } from '../sys/ioctl.js';
import type { ProgramLike } from './link.js';

let perfLinks: boolean | undefined;

/**
 * usePerfLinks overrides the perf-link detection (undefined: detect again); tests use it to run the
 * PERF_EVENT_IOC_SET_BPF path that kernels before 5.15 take.
 */
export function usePerfLinks(value: boolean | undefined): void {
  perfLinks = value;
}

const EXPECTED_TYPE =
  'tracepoints take tracepoint programs, uprobes and kprobes take kprobe programs, sampling takes perf_event programs';

/** wrongType explains an EINVAL from attaching, which almost always means the wrong program type. */
function wrongType(prog: ProgramLike, what: string, cause: unknown): BpfkitError {
  return new BpfkitError(
    `cannot attach program ${prog.name || prog.fd} to ${what}: the kernel refused it (EINVAL)`,
    {
      cause,
      hint: EXPECTED_TYPE,
    },
  );
}

/**
 * perfLinksUsable says whether attachments go through perf links: false once this kernel was found
 * without them (or a test forced the ioctl path), so callers needing a cookie know they cannot.
 */
export function perfLinksUsable(): boolean {
  return perfLinks !== false;
}

/** cookieAttr is link_create's perf_event member: the u64 bpf_cookie at the union's start. */
function cookieAttr(cookie: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, cookie), true);
  return b;
}

/** noCookie is the error for a cookie the ioctl path cannot carry. */
function noCookie(what: string, cause?: unknown): NotSupportedError {
  const e = new NotSupportedError(
    'attach cookie',
    `cannot attach ${what} with a cookie: this kernel has no perf links (BPF_LINK_CREATE, Linux 5.15)`,
    'attach one program per attach point instead',
  );
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause });
  return e;
}

/**
 * attachToPerfEvent attaches `prog` to `event` and enables it. It returns the fds that keep the
 * attachment, bpf_link first; on failure it closes nothing (the caller owns `event`). A `cookie`
 * is what bpf_get_attach_cookie returns in the program for this attachment (perf links only,
 * Linux 5.15); without perf links it throws NotSupportedError rather than attach without it.
 */
export function attachToPerfEvent(prog: ProgramLike, event: FD, what: string, cookie?: bigint): FD[] {
  if (perfLinks !== false) {
    let link: FD;
    try {
      link = linkCreate(
        {
          progFd: prog.fd,
          targetFd: event.value,
          attachType: AttachType.PERF_EVENT,
          ...(cookie === undefined ? {} : { extra: cookieAttr(cookie) }),
        },
        `bpf perf link ${what}`,
      );
    } catch (err) {
      if (!isErrno(err, 'EINVAL')) throw err;
      if (perfLinks === true) throw wrongType(prog, what, err);
      if (cookie !== undefined) throw noCookie(what, err);
      // Either this kernel has no perf links or the program type is wrong: the ioctl tells which.
      try {
        attachByIoctl(prog, event, what);
      } catch (e) {
        throw isErrno(e, 'EINVAL') ? wrongType(prog, what, e) : e;
      }
      perfLinks = false;
      return [event];
    }
    perfLinks = true;
    try {
      ioctl(event.value, PerfIoctl.ENABLE, 0, `enable ${what}`);
    } catch (err) {
      link.close();
      throw err;
    }
    return [link, event];
  }
  if (cookie !== undefined) throw noCookie(what);
  try {
    attachByIoctl(prog, event, what);
  } catch (e) {
    throw isErrno(e, 'EINVAL') ? wrongType(prog, what, e) : e;
  }
  return [event];
}

function attachByIoctl(prog: ProgramLike, event: FD, what: string): void {
  ioctl(event.value, PerfIoctl.SET_BPF, prog.fd, `attach program to ${what}`);
  ioctl(event.value, PerfIoctl.ENABLE, 0, `enable ${what}`);
}
