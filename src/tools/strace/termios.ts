// The terminal structs tty ioctls read and fill, printed as strace abbreviates them: struct termios's
// four flag words and struct winsize (include/uapi/asm-generic/termbits.h, x86_64 uses these).

type Flag = readonly [bit: number, name: string];

// Flag lists in strace's order (its xlat/term_*flags.in), which is not always bit order.
const IFLAGS: Flag[] = [
  [0o1, 'IGNBRK'],
  [0o2, 'BRKINT'],
  [0o4, 'IGNPAR'],
  [0o10, 'PARMRK'],
  [0o20, 'INPCK'],
  [0o40, 'ISTRIP'],
  [0o100, 'INLCR'],
  [0o200, 'IGNCR'],
  [0o400, 'ICRNL'],
  [0o1000, 'IUCLC'],
  [0o2000, 'IXON'],
  [0o4000, 'IXANY'],
  [0o10000, 'IXOFF'],
  [0o20000, 'IMAXBEL'],
  [0o40000, 'IUTF8'],
];
const OFLAGS: Flag[] = [
  [0o1, 'OPOST'],
  [0o2, 'OLCUC'],
  [0o4, 'ONLCR'],
  [0o10, 'OCRNL'],
  [0o20, 'ONOCR'],
  [0o40, 'ONLRET'],
  [0o100, 'OFILL'],
  [0o200, 'OFDEL'],
];
// c_oflag's delay fields, each printed by its value before the flags.
const ODELAYS: [mask: number, names: string[]][] = [
  [0o400, ['NL0', 'NL1']],
  [0o3000, ['CR0', 'CR1', 'CR2', 'CR3']],
  [0o14000, ['TAB0', 'TAB1', 'TAB2', 'TAB3']],
  [0o20000, ['BS0', 'BS1']],
  [0o40000, ['VT0', 'VT1']],
  [0o100000, ['FF0', 'FF1']],
];
const CFLAGS: Flag[] = [
  [0o100, 'CSTOPB'],
  [0o200, 'CREAD'],
  [0o400, 'PARENB'],
  [0o1000, 'PARODD'],
  [0o2000, 'HUPCL'],
  [0o4000, 'CLOCAL'],
  [0o10000000000, 'CMSPAR'],
  [0o20000000000, 'CRTSCTS'],
];
const LFLAGS: Flag[] = [
  [0o1, 'ISIG'],
  [0o2, 'ICANON'],
  [0o4, 'XCASE'],
  [0o10, 'ECHO'],
  [0o20, 'ECHOE'],
  [0o40, 'ECHOK'],
  [0o100, 'ECHONL'],
  [0o200, 'NOFLSH'],
  [0o100000, 'IEXTEN'],
  [0o1000, 'ECHOCTL'],
  [0o2000, 'ECHOPRT'],
  [0o4000, 'ECHOKE'],
  [0o10000, 'FLUSHO'],
  [0o40000, 'PENDIN'],
  [0o400, 'TOSTOP'],
  [0o200000, 'EXTPROC'],
];
const CBAUD = 0o10017;
const CIBAUD_SHIFT = 16;
const CSIZE = 0o60;
const BAUDS = new Map<number, string>([
  [0, 'B0'],
  [0o1, 'B50'],
  [0o2, 'B75'],
  [0o3, 'B110'],
  [0o4, 'B134'],
  [0o5, 'B150'],
  [0o6, 'B200'],
  [0o7, 'B300'],
  [0o10, 'B600'],
  [0o11, 'B1200'],
  [0o12, 'B1800'],
  [0o13, 'B2400'],
  [0o14, 'B4800'],
  [0o15, 'B9600'],
  [0o16, 'B19200'],
  [0o17, 'B38400'],
  [0o10000, 'BOTHER'],
  [0o10001, 'B57600'],
  [0o10002, 'B115200'],
  [0o10003, 'B230400'],
  [0o10004, 'B460800'],
  [0o10005, 'B500000'],
  [0o10006, 'B576000'],
  [0o10007, 'B921600'],
  [0o10010, 'B1000000'],
  [0o10011, 'B1152000'],
  [0o10012, 'B1500000'],
  [0o10013, 'B2000000'],
  [0o10014, 'B2500000'],
  [0o10015, 'B3000000'],
  [0o10016, 'B3500000'],
  [0o10017, 'B4000000'],
]);

/** flagWords names the set bits of v from list, in its order, with the unnamed rest in hex. */
function flagWords(v: number, list: readonly Flag[]): string[] {
  const out: string[] = [];
  let rest = v >>> 0;
  for (const [bit, name] of list) {
    if ((rest & bit) >>> 0 === bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) out.push(`0x${rest.toString(16)}`);
  return out;
}

const join = (parts: string[]): string => (parts.length === 0 ? '0' : parts.join('|'));

function oflag(v: number): string {
  const parts: string[] = [];
  let rest = v >>> 0;
  for (const [mask, names] of ODELAYS) {
    const shift = Math.log2(mask & -mask);
    parts.push(names[(rest & mask) >>> shift]!);
    rest &= ~mask;
  }
  return join([...parts, ...flagWords(rest, OFLAGS)]);
}

function cflag(v: number): string {
  const baud = (n: number): string => BAUDS.get(n) ?? `0${n.toString(8)}`;
  const parts = [baud(v & CBAUD)];
  const ibaud = (v >>> CIBAUD_SHIFT) & CBAUD;
  if (ibaud !== 0) parts.push(`${baud(ibaud)}<<IBSHIFT`);
  parts.push(`CS${5 + ((v & CSIZE) >>> 4)}`);
  const rest = (v & ~(CBAUD | (CBAUD << CIBAUD_SHIFT) | CSIZE)) >>> 0;
  return join([...parts, ...flagWords(rest, CFLAGS)]);
}

/** TERMIOS_SHOWN is the bytes of struct termios strace prints: its four flag words. */
export const TERMIOS_SHOWN = 16;

/** termios prints struct termios as strace abbreviates it: `{c_iflag=ICRNL|IXON, …, ...}`. */
export function termios(data: Uint8Array): string | undefined {
  if (data.length < TERMIOS_SHOWN) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, TERMIOS_SHOWN);
  const w = (i: number): number => v.getUint32(4 * i, true);
  return (
    `{c_iflag=${join(flagWords(w(0), IFLAGS))}, c_oflag=${oflag(w(1))}, ` +
    `c_cflag=${cflag(w(2))}, c_lflag=${join(flagWords(w(3), LFLAGS))}, ...}`
  );
}

/** WINSIZE_SIZE is struct winsize's size: four u16. */
export const WINSIZE_SIZE = 8;

/** winsize prints struct winsize: `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}`. */
export function winsize(data: Uint8Array): string | undefined {
  if (data.length < WINSIZE_SIZE) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, WINSIZE_SIZE);
  const h = (i: number): number => v.getUint16(2 * i, true);
  return `{ws_row=${h(0)}, ws_col=${h(1)}, ws_xpixel=${h(2)}, ws_ypixel=${h(3)}}`;
}
