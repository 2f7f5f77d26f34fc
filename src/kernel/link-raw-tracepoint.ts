// Raw tracepoint links (program type raw_tracepoint, Linux 4.17): attached by tracepoint name, with
// the raw arguments instead of the formatted record.

import { existsSync, readdirSync } from 'node:fs';
import { BpfkitError } from '../errors/index.js';
import { rawTracepointOpen } from '../sys/bpf.js';
import { isErrno } from '../sys/errno.js';
import { Link, type ProgramLike } from './link.js';
import { ensureTracefs, nearest } from './tracefs-mount.js';

/** attachRawTracepoint attaches to a raw tracepoint such as "sys_enter" or "sched_switch". */
export function attachRawTracepoint(prog: ProgramLike, name: string): Link {
  const bare = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
  try {
    return new Link('raw_tracepoint', bare, [rawTracepointOpen(prog.fd, bare)]);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      const near = nearest(bare, rawTracepointNames(), 3);
      throw new BpfkitError(`raw tracepoint ${bare} does not exist`, {
        cause: err,
        ...(near.length > 0 ? { hint: `did you mean ${near.join(', ')}?` } : {}),
      });
    }
    throw err;
  }
}

function rawTracepointNames(): string[] {
  try {
    const root = ensureTracefs();
    const out = new Set<string>();
    for (const cat of readdirSync(`${root}/events`)) {
      const dir = `${root}/events/${cat}`;
      if (!existsSync(`${dir}/enable`)) continue;
      for (const ev of readdirSync(dir)) if (ev !== 'enable' && ev !== 'filter') out.add(ev);
    }
    // The syscall tracepoints' raw form is sys_enter/sys_exit.
    out.add('sys_enter');
    out.add('sys_exit');
    return [...out];
  } catch {
    return [];
  }
}
