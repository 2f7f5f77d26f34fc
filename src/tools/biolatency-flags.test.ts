import { describe, expect, it } from 'vitest';
import { DEFAULT_CMD_FLAG_BITS, formatCmdFlags } from './biolatency-flags.js';

const bit = (name: string): number => 1 << DEFAULT_CMD_FLAG_BITS.flags.find(([, l]) => l === name)![0];

describe('biolatency -F flags', () => {
  it('prints the flags in libbpf-tools order, then the operation', () => {
    expect(formatCmdFlags(0)).toBe('flags = Read');
    expect(formatCmdFlags(1 | bit('Sync-') | bit('Idle-'))).toBe('flags = Idle-Sync-Write');
    expect(formatCmdFlags(bit('ReadAhead-'))).toBe('flags = ReadAhead-Read');
    expect(formatCmdFlags(2 | bit('PreFlush-') | bit('FUA-'))).toBe('flags = PreFlush-FUA-Flush');
    expect(formatCmdFlags(9)).toBe('flags = WriteZeroes');
    expect(formatCmdFlags(0x42)).toBe('flags = Unknown');
  });
});
