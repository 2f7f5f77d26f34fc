import { describe, expect, it } from 'vitest';
import { parseVerifierLog, verifierIssues } from './verifier-log.js';

describe('parseVerifierLog', () => {
  it('finds the last instruction reached and the reason after it', () => {
    const log = [
      'func#0 @0',
      '0: R1=ctx() R10=fp0',
      '0: (b7) r1 = 1                        ; R1_w=1',
      '1: (bf) r2 = r10                      ; R2_w=fp0',
      '2: (79) r3 = *(u64 *)(r2 +8)',
      'invalid read from stack R2 off=8 size=8',
      'processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
      '',
    ].join('\n');
    const p = parseVerifierLog(log);
    expect(p.pc).toBe(2);
    expect(p.reason).toBe('invalid read from stack R2 off=8 size=8');
    expect(verifierIssues(p)).toEqual([{ code: 'kernel', pc: 2, message: p.reason }]);
  });

  it('copes with logs that name no instruction', () => {
    const p = parseVerifierLog('Tracing programs must provide btf_id\nprocessed 0 insns (limit 1000000)\n');
    expect(p.pc).toBeUndefined();
    expect(p.reason).toBe('Tracing programs must provide btf_id');
    expect(parseVerifierLog('').reason).toBe('');
    expect(verifierIssues(parseVerifierLog(''))).toEqual([]);
  });

  it('never throws on arbitrary text (bounded fuzz)', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '0123456789: ()abcdefxr=*\n\t;-#';
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(rnd() * 200);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const p = parseVerifierLog(s);
      expect(typeof p.reason).toBe('string');
      if (p.pc !== undefined) expect(Number.isInteger(p.pc)).toBe(true);
    }
  });
});
