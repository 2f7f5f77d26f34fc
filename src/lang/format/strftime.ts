// strftime: C's (glibc's) time formatting for time() and strftime(), in local time, plus bpftrace's %f
// (microseconds). glibc's flags (`-` no padding, `_` spaces, `0` zeros, `^` upper case), a field
// width and the E/O modifiers are understood, as bpftrace (which calls glibc) understands them.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const p2 = (n: number): string => String(n).padStart(2, '0');
const DAY_MS = 86400000;

/** Field is a conversion's text, or a number with its natural width and padding. */
type Field = string | { n: number; width: number; pad: '0' | ' ' };

const num = (n: number, width = 2, pad: '0' | ' ' = '0'): Field => ({ n, width, pad });

/** dayOfYear is 0 for January 1st. */
function dayOfYear(d: Date): number {
  return Math.round(
    (Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / DAY_MS,
  );
}

/** isoWeek is the ISO 8601 week number and its year (%V, %G). */
function isoWeek(d: Date): { week: number; year: number } {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  // The Thursday of this week (Monday first) decides the week's year.
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
  const year = t.getUTCFullYear();
  return { week: Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7), year };
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

function field(k: string, d: Date, micros: number): Field | undefined {
  const h = d.getHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  switch (k) {
    case 'H':
      return num(h);
    case 'k':
      return num(h, 2, ' ');
    case 'I':
      return num(h12);
    case 'l':
      return num(h12, 2, ' ');
    case 'M':
      return num(d.getMinutes());
    case 'S':
      return num(d.getSeconds());
    case 'f':
      return num(micros, 6);
    case 'p':
      return h < 12 ? 'AM' : 'PM';
    case 'P':
      return h < 12 ? 'am' : 'pm';
    case 'Y':
      return num(d.getFullYear(), 1);
    case 'C':
      return num(Math.floor(d.getFullYear() / 100));
    case 'y':
      return num(d.getFullYear() % 100);
    case 'G':
      return num(isoWeek(d).year, 1);
    case 'g':
      return num(isoWeek(d).year % 100);
    case 'm':
      return num(d.getMonth() + 1);
    case 'd':
      return num(d.getDate());
    case 'e':
      return num(d.getDate(), 2, ' ');
    case 'j':
      return num(dayOfYear(d) + 1, 3);
    case 'u':
      return num(d.getDay() === 0 ? 7 : d.getDay(), 1);
    case 'w':
      return num(d.getDay(), 1);
    case 'U':
      return num(Math.floor((dayOfYear(d) + 7 - d.getDay()) / 7));
    case 'W':
      return num(Math.floor((dayOfYear(d) + 7 - ((d.getDay() + 6) % 7)) / 7));
    case 'V':
      return num(isoWeek(d).week);
    case 'a':
      return DAYS[d.getDay()]!.slice(0, 3);
    case 'A':
      return DAYS[d.getDay()]!;
    case 'b':
    case 'h':
      return MONTHS[d.getMonth()]!.slice(0, 3);
    case 'B':
      return MONTHS[d.getMonth()]!;
    case 'T':
    case 'X':
      return `${p2(h)}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
    case 'R':
      return `${p2(h)}:${p2(d.getMinutes())}`;
    case 'r':
      return `${p2(h12)}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
    case 'D':
    case 'x':
      return `${p2(d.getMonth() + 1)}/${p2(d.getDate())}/${p2(d.getFullYear() % 100)}`;
    case 'F':
      return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
    case 'c':
      return `${DAYS[d.getDay()]!.slice(0, 3)} ${MONTHS[d.getMonth()]!.slice(0, 3)} ${String(d.getDate()).padStart(2, ' ')} ${p2(h)}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
    case 's':
      return num(Math.floor(d.getTime() / 1000), 1);
    case 'z': {
      const off = -d.getTimezoneOffset();
      return `${off >= 0 ? '+' : '-'}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
    }
    case 'Z':
      return zoneName(d);
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case '%':
      return '%';
    default:
      return undefined;
  }
}

/** strftime formats `date` (with sub-millisecond `micros` for %f) with a C format string. */
export function strftime(fmt: string, date: Date, micros = date.getMilliseconds() * 1000): string {
  let out = '';
  const re = /%([-_0^#]*)(\d*)([EO]?)(.)/y;
  for (let i = 0; i < fmt.length; ) {
    re.lastIndex = i;
    const m = fmt[i] === '%' ? re.exec(fmt) : null;
    if (!m) {
      out += fmt[i++];
      continue;
    }
    i = re.lastIndex;
    const [text, flags = '', widthText = '', , k = ''] = m;
    const f = field(k, date, micros);
    if (f === undefined) {
      // glibc leaves an unknown conversion as written.
      out += text;
      continue;
    }
    const width = widthText === '' ? undefined : Number(widthText);
    let s: string;
    if (typeof f === 'string')
      s = width === undefined ? f : f.padStart(width, flags.includes('0') ? '0' : ' ');
    else {
      const pad = flags.includes('_') ? ' ' : flags.includes('0') ? '0' : f.pad;
      s = flags.includes('-') ? String(f.n) : String(f.n).padStart(width ?? f.width, pad);
    }
    out += flags.includes('^') ? s.toUpperCase() : s;
  }
  return out;
}
