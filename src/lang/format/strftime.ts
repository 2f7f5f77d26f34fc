// strftime: C's time formatting for time() and strftime(), in local time, plus bpftrace's %f
// (microseconds).

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** strftime formats `date` (with sub-millisecond `micros` for %f) with a C format string. */
export function strftime(fmt: string, date: Date, micros = date.getMilliseconds() * 1000): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c;
      continue;
    }
    const k = fmt[++i]!;
    const h = date.getHours();
    switch (k) {
      case 'H':
        out += p2(h);
        break;
      case 'I':
        out += p2(h % 12 === 0 ? 12 : h % 12);
        break;
      case 'M':
        out += p2(date.getMinutes());
        break;
      case 'S':
        out += p2(date.getSeconds());
        break;
      case 'f':
        out += String(micros).padStart(6, '0');
        break;
      case 'p':
        out += h < 12 ? 'AM' : 'PM';
        break;
      case 'Y':
        out += date.getFullYear();
        break;
      case 'y':
        out += p2(date.getFullYear() % 100);
        break;
      case 'm':
        out += p2(date.getMonth() + 1);
        break;
      case 'd':
        out += p2(date.getDate());
        break;
      case 'e':
        out += String(date.getDate()).padStart(2, ' ');
        break;
      case 'a':
        out += DAYS[date.getDay()];
        break;
      case 'b':
      case 'h':
        out += MONTHS[date.getMonth()];
        break;
      case 'j': {
        const start = new Date(date.getFullYear(), 0, 1);
        out += String(Math.floor((date.getTime() - start.getTime()) / 86400000) + 1).padStart(3, '0');
        break;
      }
      case 'T':
        out += `${p2(h)}:${p2(date.getMinutes())}:${p2(date.getSeconds())}`;
        break;
      case 'R':
        out += `${p2(h)}:${p2(date.getMinutes())}`;
        break;
      case 'D':
        out += `${p2(date.getMonth() + 1)}/${p2(date.getDate())}/${p2(date.getFullYear() % 100)}`;
        break;
      case 'F':
        out += `${date.getFullYear()}-${p2(date.getMonth() + 1)}-${p2(date.getDate())}`;
        break;
      case 's':
        out += Math.floor(date.getTime() / 1000);
        break;
      case 'z': {
        const off = -date.getTimezoneOffset();
        out += `${off >= 0 ? '+' : '-'}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
        break;
      }
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '%':
        out += '%';
        break;
      default:
        out += `%${k}`;
    }
  }
  return out;
}
