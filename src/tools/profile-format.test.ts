import { describe, expect, it } from 'vitest';
import {
  decodeProfileKey,
  formatFolded,
  formatSample,
  PROFILE_KEY,
  profileBanner,
  type Sample,
} from './profile-format.js';

const s: Sample = {
  pid: 4242,
  comm: 'dd',
  kernel: ['read_zero', 'vfs_read', 'ksys_read'],
  user: ['__read', 'main'],
  count: 17,
};

describe('profile format', () => {
  it('prints libbpf-tools multi-line stacks', () => {
    expect(formatSample(s)).toEqual([
      '    read_zero',
      '    vfs_read',
      '    ksys_read',
      '    __read',
      '    main',
      '    -                dd (4242)',
      '        17',
      '',
    ]);
    expect(formatSample({ ...s, kernel: 'missed', user: undefined }, { delimiter: true })).toEqual([
      '    [Missed Kernel Stack]',
      '    -                dd (4242)',
      '        17',
      '',
    ]);
    expect(formatSample(s, { delimiter: true })).toContain('    --');
  });

  it('prints folded lines root first', () => {
    expect(formatFolded(s)).toBe('dd;main;__read;ksys_read;vfs_read;read_zero 17');
    expect(formatFolded(s, { delimiter: true })).toBe('dd;main;__read;-;ksys_read;vfs_read;read_zero 17');
    expect(formatFolded(s, { annotations: true })).toBe(
      'dd;main;__read;ksys_read_[k];vfs_read_[k];read_zero_[k] 17',
    );
    expect(formatFolded({ ...s, user: 'missed', kernel: undefined })).toBe('dd;[Missed User Stack] 17');
  });

  it('prints the banner', () => {
    expect(profileBanner({ frequency: 49 })).toBe(
      'Sampling at 49 Hertz of all threads by user + kernel stack... Hit Ctrl-C to end.',
    );
    expect(profileBanner({ frequency: 99, pid: 7, kernelOnly: true, seconds: 5 })).toBe(
      'Sampling at 99 Hertz of PID 7 by kernel stack for 5 secs.',
    );
  });

  it('decodes its key', () => {
    const b = new Uint8Array(PROFILE_KEY.size);
    const v = new DataView(b.buffer);
    v.setUint32(PROFILE_KEY.pid, 9, true);
    v.setInt32(PROFILE_KEY.userStackId, -14, true);
    v.setInt32(PROFILE_KEY.kernStackId, 3, true);
    b.set(Buffer.from('kworker/0:1'), PROFILE_KEY.comm);
    expect(decodeProfileKey(b)).toEqual({ pid: 9, userStackId: -14, kernStackId: 3, comm: 'kworker/0:1' });
  });
});
