import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadVmlinux, VMLINUX_BTF_PATH } from '../btf/btf.js';
import type { EnumType } from '../btf/types.js';
import { HELPER_NAMES, helperId, helperName } from './helpers.js';

// The running kernel's `enum bpf_func_id` is ___BPF_FUNC_MAPPER as compiled: the authority for ids.
const haveVmlinux = existsSync(VMLINUX_BTF_PATH);
const vmIt = haveVmlinux || process.env.BPFKIT_REQUIRE_KERNEL === '1' ? it : it.skip;

describe('helpers', () => {
  it('looks helpers up by name, with or without bpf_, and by id', () => {
    expect(helperId('bpf_map_lookup_elem')).toBe(1);
    expect(helperId('map_lookup_elem')).toBe(1);
    expect(helperId('bpf_cgrp_storage_delete')).toBe(211);
    expect(helperId('nope')).toBeUndefined();
    expect(helperName(14)).toBe('bpf_get_current_pid_tgid');
    expect(helperName(HELPER_NAMES.length)).toBeUndefined();
  });

  vmIt(
    `matches the running kernel's enum bpf_func_id${haveVmlinux ? '' : ' (skipped: no vmlinux BTF)'}`,
    () => {
      const e = loadVmlinux().typeByName('bpf_func_id', 'enum') as EnumType;
      const kernel: string[] = [];
      for (const v of e.values) {
        const m = /^BPF_FUNC_(\w+)$/.exec(v.name);
        if (m) kernel[Number(v.value)] = m[1]!;
      }
      // Helpers are frozen upstream (new kernel functions are kfuncs), so the two lists are equal.
      expect([...HELPER_NAMES]).toEqual(kernel);
    },
  );
});
