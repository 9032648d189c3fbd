/**
 * Splits a syslog TCP byte stream into messages (RFC 6587): newline framing ("msg\n") or octet counting
 * ("LEN SP msg"). With "auto" the first byte of the connection decides (a digit means octet counting),
 * as rsyslog does. Memory per connection is bounded by maxBytes: a longer message is cut to maxBytes,
 * the rest of it is skipped and counted, and the connection goes on.
 */

export type Framing = "auto" | "newline" | "octet-counting";

export interface Frame {
  text: string;
  /** the message was longer than maxBytes and was cut */
  cut: boolean;
  /** the peer closed the connection before the message was complete */
  partial: boolean;
}

export interface FramerCounters {
  cut: number;
  partial: number;
  /** octet-counting length prefixes that were not a number (the connection falls back to newlines) */
  badLength: number;
}

const NL = 0x0a;
const SP = 0x20;
const MAX_LENGTH_DIGITS = 10;

export class SyslogFramer {
  private mode: Framing;
  /** bytes of the message being collected (at most maxBytes) */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** newline mode: skipping the rest of a cut message up to its newline */
  private discarding = false;
  /** octet counting: digits of the length read so far, or the bytes still due for the current message */
  private lengthDigits = "";
  private bodyLeft = -1;
  private bodyCut = false;

  constructor(
    private readonly maxBytes: number,
    mode: Framing,
    readonly counters: FramerCounters = { cut: 0, partial: 0, badLength: 0 },
  ) {
    this.mode = mode;
  }

  /** Feeds bytes; returns the messages completed by them. */
  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.mode === "auto") {
        const c = chunk[pos];
        if (c === NL || c === 0x0d || c === SP) {
          pos++;
          continue;
        }
        this.mode = c >= 0x30 && c <= 0x39 ? "octet-counting" : "newline";
      }
      pos = this.mode === "newline" ? this.pushNewline(chunk, pos, out) : this.pushOctets(chunk, pos, out);
    }
    return out;
  }

  /** The connection ended: whatever was collected becomes a (partial) message. */
  end(): Frame[] {
    const partialBody = this.mode === "octet-counting" && this.bodyLeft > 0;
    const partialLine = this.mode === "newline" && !this.discarding && this.partsLen > 0;
    if (!partialBody && !partialLine) return [];
    this.counters.partial++;
    const frame = this.take(partialBody && this.bodyCut, true);
    return frame.text ? [frame] : [];
  }

  private pushNewline(chunk: Buffer, pos: number, out: Frame[]): number {
    const nl = chunk.indexOf(NL, pos);
    const end = nl < 0 ? chunk.length : nl;
    if (!this.discarding) {
      const room = this.maxBytes - this.partsLen;
      if (end - pos > room) {
        this.collect(chunk.subarray(pos, pos + room));
        out.push(this.take(true, false));
        this.discarding = true;
      } else {
        this.collect(chunk.subarray(pos, end));
      }
    }
    if (nl < 0) return chunk.length;
    if (this.discarding) this.discarding = false;
    else {
      const frame = this.take(false, false);
      if (frame.text) out.push(frame);
    }
    return nl + 1;
  }

  private pushOctets(chunk: Buffer, pos: number, out: Frame[]): number {
    if (this.bodyLeft < 0) return this.readLength(chunk, pos);
    const n = Math.min(this.bodyLeft, chunk.length - pos);
    const room = this.maxBytes - this.partsLen;
    if (n > room) this.bodyCut = true;
    this.collect(chunk.subarray(pos, pos + Math.min(n, room)));
    this.bodyLeft -= n;
    if (this.bodyLeft === 0) {
      out.push(this.take(this.bodyCut, false));
      this.bodyLeft = -1;
      this.bodyCut = false;
    }
    return pos + n;
  }

  private readLength(chunk: Buffer, pos: number): number {
    for (; pos < chunk.length; pos++) {
      const c = chunk[pos];
      if (c >= 0x30 && c <= 0x39 && this.lengthDigits.length < MAX_LENGTH_DIGITS) {
        this.lengthDigits += String.fromCharCode(c);
      } else if (c === SP && this.lengthDigits) {
        const length = Number(this.lengthDigits);
        this.lengthDigits = "";
        this.bodyLeft = length > 0 ? length : -1; // "0 " is an empty message: nothing to read
        return pos + 1;
      } else if ((c === NL || c === 0x0d) && !this.lengthDigits) {
        // a newline after an octet-counted message (some senders add one): not part of any message
      } else {
        // Not a length: the sender does not speak octet counting after all; read the rest as lines.
        this.counters.badLength++;
        this.mode = "newline";
        const digits = Buffer.from(this.lengthDigits, "latin1");
        this.lengthDigits = "";
        this.collect(digits.subarray(0, this.maxBytes));
        return pos;
      }
    }
    return pos;
  }

  private collect(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.partsLen += b.length;
  }

  private take(cut: boolean, partial: boolean): Frame {
    let buf = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsLen);
    this.parts = [];
    this.partsLen = 0;
    if (cut) {
      this.counters.cut++;
      buf = cutAtCharBoundary(buf);
    }
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end--;
    return { text: buf.toString("utf8", 0, end), cut, partial };
  }
}

/** Drops a UTF-8 sequence split by a cut, so the kept text does not end in a replacement character. */
function cutAtCharBoundary(buf: Buffer): Buffer {
  const end = buf.length;
  let back = 0;
  while (end - back > 0 && back < 4 && (buf[end - back - 1] & 0xc0) === 0x80) back++;
  const lead = buf[end - back - 1];
  if (lead === undefined || lead < 0xc0) return buf;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return back + 1 < need ? buf.subarray(0, end - back - 1) : buf;
}
