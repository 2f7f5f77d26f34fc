// The -c CGROUP filter of libbpf-tools: a one-slot cgroup array holding the cgroup v2 directory, and
// a program fragment that skips tasks outside it (bpf_current_task_under_cgroup, Linux 4.9).

import { closeSync, openSync } from 'node:fs';
import { type ProgramBuilder, r0, r1, r2 } from '../../asm/index.js';
import { BpfkitError } from '../../errors/index.js';
import type { BpfMap, MapSpec } from '../../kernel/map.js';

/** CGROUP_MAP is the map name the fragment uses. */
export const CGROUP_MAP = 'cgroup_filter';

/** cgroupMapSpec is the cgroup array to add to a tool's maps when -c is given. */
export const cgroupMapSpec: MapSpec<Buffer, Buffer> = {
  type: 'cgroup_array',
  keySize: 4,
  valueSize: 4,
  maxEntries: 1,
  name: CGROUP_MAP,
};

/** filterCgroup emits a jump to `skip` unless the current task is under the cgroup in the map. */
export function filterCgroup(b: ProgramBuilder, skip: string): void {
  b.ldMap(r1, CGROUP_MAP).mov(r2, 0).call('current_task_under_cgroup').jmp('JNE', r0, 1, skip);
}

/**
 * CgroupFilter opens the -c directory up front (so a bad path is a one-line error before anything is
 * loaded) and puts it in the map once the map exists.
 */
export class CgroupFilter {
  readonly #fd: number;

  constructor(path: string) {
    try {
      this.#fd = openSync(path, 'r');
    } catch (err) {
      throw new BpfkitError(
        `-c: cannot open cgroup ${path}: ${(err as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`,
        {
          hint: 'give a cgroup v2 directory, e.g. /sys/fs/cgroup/unified/<name> or /sys/fs/cgroup/<name>',
        },
      );
    }
  }

  /** install stores the directory in the tool's cgroup array. */
  install(maps: Record<string, BpfMap>): void {
    maps[CGROUP_MAP]!.setFd(Buffer.alloc(4), this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
