import { describe, expect, it } from 'vitest';
import { BpfkitError, DecodeError } from '../errors/index.js';
import { parsePid, parsePorts, parseSeconds } from './common/options.js';
import {
  decodeExecEvent,
  EXECSNOOP_ARG_SIZE,
  EXECSNOOP_EVENT,
  EXECSNOOP_TOTAL_MAX_ARGS,
  execEventSize,
  execsnoopHeader,
  formatExec,
} from './execsnoop-format.js';
import {
  decodeOpenEvent,
  formatOpen,
  OPENSNOOP_CWD,
  OPENSNOOP_EVENT,
  opensnoopHeader,
} from './opensnoop-format.js';
import {
  AF_INET,
  AF_INET6,
  decodeTcpLifeEvent,
  formatAddress,
  formatTcpLife,
  TCPLIFE_EVENT,
  type TcpLifeEvent,
  tcplifeHeader,
} from './tcplife-format.js';

const at = new Date(2026, 0, 2, 3, 4, 5);

describe('tcplife format', () => {
  const e: TcpLifeEvent = {
    pid: 11769,
    comm: 'python3',
    family: AF_INET,
    laddr: '127.0.0.1',
    lport: 58494,
    raddr: '127.0.0.1',
    rport: 48065,
    txBytes: 3000,
    rxBytes: 5000,
    spanUs: 100,
    tsUs: 5_000_000,
  };

  it('matches libbpf-tools tcplife, header and row', () => {
    expect(tcplifeHeader({ clock: true })).toBe(
      'TIME     PID     COMM             LADDR           LPORT RADDR           RPORT TX_KB  RX_KB  MS',
    );
    expect(formatTcpLife(e, { clock: true }, at)).toBe(
      '03:04:05 11769   python3          127.0.0.1       58494 127.0.0.1       48065 2.93   4.88   0.10',
    );
  });

  it('widens address columns with -w and prints CSV with -s', () => {
    expect(tcplifeHeader({ wide: true })).toBe(
      `PID     COMM             ${'LADDR'.padEnd(39)} LPORT ${'RADDR'.padEnd(39)} RPORT TX_KB  RX_KB  MS`,
    );
    expect(tcplifeHeader({ csv: true, relative: true })).toBe(
      'TIME(s),PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS',
    );
    expect(formatTcpLife(e, { csv: true, relative: true }, at, 4_000_000)).toBe(
      '1.000000,11769,python3,4,127.0.0.1,58494,127.0.0.1,48065,2.93,4.88,0.10',
    );
    expect(tcplifeHeader({ relative: true }).slice(0, 18)).toBe('TIME(s)   PID     ');
    expect(formatTcpLife({ ...e, tsUs: 5_000_123 }, { relative: true }, at, 4_000_000).slice(0, 18)).toBe(
      '1.000123  11769   ',
    );
  });

  it('prints addresses like inet_ntop', () => {
    const v6 = new Uint8Array(16);
    v6[15] = 1;
    expect(formatAddress(AF_INET6, v6)).toBe('::1');
    const doc = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]);
    expect(formatAddress(AF_INET6, doc)).toBe('2001:db8::1:0:0:2');
    const mapped = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
    expect(formatAddress(AF_INET6, mapped)).toBe('::ffff:10.0.0.1');
    expect(formatAddress(AF_INET, Uint8Array.from([10, 1, 2, 3, ...new Array(12).fill(0)]))).toBe('10.1.2.3');
  });

  it('decodes its record', () => {
    const b = new Uint8Array(TCPLIFE_EVENT.size);
    const v = new DataView(b.buffer);
    b.set([127, 0, 0, 1], TCPLIFE_EVENT.saddr);
    b.set([127, 0, 0, 2], TCPLIFE_EVENT.daddr);
    v.setBigUint64(TCPLIFE_EVENT.spanUs, 1234n, true);
    v.setBigUint64(TCPLIFE_EVENT.txBytes, 2048n, true);
    v.setUint32(TCPLIFE_EVENT.pid, 42, true);
    v.setUint16(TCPLIFE_EVENT.sport, 8080, true);
    v.setUint16(TCPLIFE_EVENT.dport, 443, true);
    v.setUint16(TCPLIFE_EVENT.family, AF_INET, true);
    b.set(new TextEncoder().encode('curl'), TCPLIFE_EVENT.comm);
    const d = decodeTcpLifeEvent(b);
    expect(d).toMatchObject({
      pid: 42,
      comm: 'curl',
      laddr: '127.0.0.1',
      raddr: '127.0.0.2',
      lport: 8080,
      rport: 443,
    });
    expect(formatTcpLife(d, {})).toBe(
      '42      curl             127.0.0.1       8080  127.0.0.2       443   2.00   0.00   1.23',
    );
  });
});

describe('execsnoop format', () => {
  it('matches libbpf-tools execsnoop', () => {
    const b = new Uint8Array(EXECSNOOP_EVENT.size);
    const v = new DataView(b.buffer);
    v.setUint32(EXECSNOOP_EVENT.pid, 1234, true);
    v.setUint32(EXECSNOOP_EVENT.ppid, 1000, true);
    v.setInt32(EXECSNOOP_EVENT.retval, 0, true);
    v.setInt32(EXECSNOOP_EVENT.argsCount, 3, true);
    v.setUint32(EXECSNOOP_EVENT.truncated, 0, true);
    b.set(new TextEncoder().encode('ls'), EXECSNOOP_EVENT.comm);
    for (const [i, a] of ['/bin/ls', '-l', 'a b'].entries()) {
      b.set(new TextEncoder().encode(a), EXECSNOOP_EVENT.args + i * EXECSNOOP_ARG_SIZE);
    }
    const e = decodeExecEvent(b);
    expect(execsnoopHeader({})).toBe('PCOMM            PID    PPID   RET ARGS');
    expect(formatExec(e, {})).toBe('ls               1234   1000     0 /bin/ls -l a b');
    expect(formatExec(e, { quote: true, clock: true, printUid: true }, at)).toBe(
      '03:04:05 0     ls               1234   1000     0 "/bin/ls" "-l" "a b"',
    );
    expect(formatExec({ ...e, truncated: true, retval: -2 }, {})).toBe(
      'ls               1234   1000    -2 /bin/ls -l a b ...',
    );
  });
});

describe('opensnoop format', () => {
  it('matches libbpf-tools opensnoop', () => {
    const b = new Uint8Array(OPENSNOOP_EVENT.size);
    const v = new DataView(b.buffer);
    v.setUint32(OPENSNOOP_EVENT.pid, 77, true);
    v.setInt32(OPENSNOOP_EVENT.ret, -2, true);
    v.setInt32(OPENSNOOP_EVENT.flags, 0o2000000, true);
    b.set(new TextEncoder().encode('cat'), OPENSNOOP_EVENT.comm);
    b.set(new TextEncoder().encode('/nope'), OPENSNOOP_EVENT.path);
    const e = decodeOpenEvent(b);
    expect(opensnoopHeader({})).toBe('PID    COMM              FD ERR PATH');
    expect(formatOpen(e, {})).toBe('77     cat               -1   2 /nope');
    expect(opensnoopHeader({ clock: true, printUid: true, extended: true })).toBe(
      'TIME     UID     PID    COMM              FD ERR FLAGS    MODE  PATH',
    );
    expect(formatOpen({ ...e, ret: 3 }, { clock: true, printUid: true, extended: true }, at)).toBe(
      '03:04:05 0       77     cat                3   0 02000000 n/a  /nope',
    );
    expect(formatOpen({ ...e, ret: 3, flags: 0o101, mode: 0o644 }, { extended: true })).toBe(
      '77     cat                3   0 00000101 0644 /nope',
    );
  });
});

describe('tool options', () => {
  it('rejects bad values with one-line errors', () => {
    expect(parsePorts('-L', '80,443')).toEqual([80, 443]);
    expect(() => parsePorts('-L', '80,x')).toThrow(BpfkitError);
    expect(() => parsePorts('-L', '70000')).toThrow(/out of range/);
    expect(() => parsePid('-p', '0')).toThrow(BpfkitError);
    expect(parseSeconds('-d', '1.5')).toBe(1.5);
    expect(() => parseSeconds('-d', '-1')).toThrow(BpfkitError);
  });

  it('decoders survive random records', () => {
    let seed = 99;
    for (let n = 0; n < 500; n++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const b = new Uint8Array(EXECSNOOP_EVENT.size);
      for (let i = 0; i < b.length; i += 7) b[i] = (seed >> (i % 23)) & 0xff;
      expect(() => formatExec(decodeExecEvent(b), { quote: true })).not.toThrow();
      expect(() =>
        formatOpen(decodeOpenEvent(b.subarray(0, OPENSNOOP_EVENT.size)), { extended: true }),
      ).not.toThrow();
      expect(() =>
        formatTcpLife(decodeTcpLifeEvent(b.subarray(0, TCPLIFE_EVENT.size)), { wide: true }),
      ).not.toThrow();
    }
  });

  it('decoders survive random records of any length, -F walks and 60 arguments included', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 300; n++) {
      const open = new Uint8Array(next() % (OPENSNOOP_CWD.size + 1));
      for (let i = 0; i < open.length; i++) open[i] = next() % 3 === 0 ? 0 : next() & 0xff;
      const exec = new Uint8Array(next() % (execEventSize(EXECSNOOP_TOTAL_MAX_ARGS) + 1));
      for (let i = 0; i < exec.length; i++) exec[i] = next() % 3 === 0 ? 0 : next() & 0xff;
      // A record too short for its fixed fields is a DecodeError; anything longer decodes.
      const cases: [number, number, () => unknown][] = [
        [open.length, OPENSNOOP_EVENT.path, () => formatOpen(decodeOpenEvent(open), { extended: true })],
        [exec.length, EXECSNOOP_EVENT.args, () => formatExec(decodeExecEvent(exec), {})],
      ];
      for (const [len, min, decode] of cases) {
        if (len < min) expect(decode).toThrow(DecodeError);
        else expect(decode).not.toThrow();
      }
    }
  });
});
