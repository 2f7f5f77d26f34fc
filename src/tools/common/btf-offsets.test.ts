import { existsSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { loadVmlinux } from '../../btf/btf.js';
import { featureIt } from '../../testing/kernel.js';
import { memberOffsets } from './btf-offsets.js';

describe('memberOffsets', () => {
  featureIt(
    'agrees with the BTF parser, cached or not',
    existsSync('/sys/kernel/btf/vmlinux'),
    'no vmlinux BTF',
    () => {
      const paths = ['task_struct.tgid', 'tcp_sock.bytes_acked'];
      const first = memberOffsets(paths);
      const again = memberOffsets(paths);
      const btf = loadVmlinux();
      for (const p of paths) {
        expect(first[p]).toBe(btf.offsetOf(p).offset);
        expect(again[p]).toBe(first[p]);
      }
    },
  );
});
