// OutBuffer: output text collected as bytes — record fields are copied and integers written as digits
// straight into one buffer, so a busy printf makes no string per event and reaches stdout in a few
// large writes.

const INITIAL = 1 << 16;
/** SHORT is the length up to which bytes are copied one by one. */
const SHORT = 32;
const HEX = Buffer.from('0123456789abcdef');
/** JSON_SHORT maps the control characters JSON.stringify writes as \b, \t, \n, \f, \r. */
const JSON_SHORT: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

/** OutBuffer accumulates output bytes until take() hands them over. */
export class OutBuffer {
  private buf = Buffer.allocUnsafe(INITIAL);
  /** length is the number of bytes waiting. */
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** str appends a string as UTF-8. */
  str(s: string): void {
    this.reserve(s.length * 3);
    this.length += this.buf.write(s, this.length);
  }

  /** bytes appends src[start, end). */
  bytes(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    if (n > SHORT) {
      this.length += src.copy(this.buf, this.length, start, end);
      return;
    }
    // Most pieces are a few bytes (a separator, a comm): a loop beats copy()'s argument checks.
    const buf = this.buf;
    let at = this.length;
    for (let i = start; i < end; i++) buf[at++] = src[i]!;
    this.length = at;
  }

  /** cstr appends the NUL-terminated string at src[start, end) (all of it when there is no NUL). */
  cstr(src: Buffer, start: number, end: number): void {
    let z = start;
    while (z < end && src[z] !== 0) z++;
    this.bytes(src, start, z);
  }

  /** int appends a safe integer in decimal. */
  int(n: number): void {
    this.reserve(21);
    const buf = this.buf;
    let at = this.length;
    if (n < 0) {
      buf[at++] = 0x2d;
      n = -n;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    for (let i = at + digits - 1; i >= at; i--) {
      buf[i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.length = at + digits;
  }

  /**
   * json appends what `text` holds as a JSON string literal, as JSON.stringify writes it. ASCII is
   * escaped byte by byte; anything else is decoded first, so invalid UTF-8 turns into U+FFFD the same
   * way, then stringified.
   */
  json(text: OutBuffer): void {
    const src = text.buf;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      if (src[i]! >= 0x80) {
        this.str(JSON.stringify(src.toString('utf8', 0, n)));
        return;
      }
    }
    this.reserve(n * 6 + 2);
    const buf = this.buf;
    let at = this.length;
    buf[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = src[i]!;
      if (c === 0x22 || c === 0x5c) {
        buf[at++] = 0x5c;
        buf[at++] = c;
      } else if (c >= 0x20) buf[at++] = c;
      else {
        const short = JSON_SHORT[c];
        buf[at++] = 0x5c;
        if (short !== undefined) buf[at++] = short;
        else {
          buf[at++] = 0x75; // \u00XX, lowercase hex as JSON.stringify writes it
          buf[at++] = 0x30;
          buf[at++] = 0x30;
          buf[at++] = HEX[c >> 4]!;
          buf[at++] = HEX[c & 15]!;
        }
      }
    }
    buf[at++] = 0x22;
    this.length = at;
  }

  /** clear drops the waiting bytes. */
  clear(): void {
    this.length = 0;
  }

  /** take returns a copy of the waiting bytes (a pending async write keeps it) and empties the buffer. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }
}
