/**
 * File names as the kernel has them are bytes, not text: a name may hold a newline or bytes that are not
 * UTF-8. FIM walks with Buffer paths and reports each path as a string in which every byte that is not
 * part of valid UTF-8 is written `\xNN` and a backslash is written `\\` — reversible, so two different
 * names never share a baseline row or an event path. Newlines stay newlines (JSON escapes them).
 */
const BACKSLASH = 0x5c;

/** Bytes in the valid UTF-8 sequence at b[i], 0 when there is none (also run in tree-pool.ts's workers). */
export function sequenceLength(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let n: number;
  let min: number;
  if (c >= 0xc2 && c <= 0xdf) [n, min] = [2, 0x80];
  else if (c >= 0xe0 && c <= 0xef) [n, min] = [3, 0x800];
  else if (c >= 0xf0 && c <= 0xf4) [n, min] = [4, 0x10000];
  else return 0;
  if (i + n > b.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const x = b[i + k];
    if ((x & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (x & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/** The reported (and stored) form of a path given as bytes. */
export function displayPath(b: Buffer): string {
  let plain = true;
  for (let i = 0; i < b.length; i++)
    if (b[i] >= 0x80 || b[i] === BACKSLASH) {
      plain = false;
      break;
    }
  if (plain) return b.toString("latin1");
  let out = "";
  let i = 0;
  while (i < b.length) {
    if (b[i] === BACKSLASH) {
      out += "\\\\";
      i++;
      continue;
    }
    const n = sequenceLength(b, i);
    if (n === 0) {
      out += `\\x${b[i].toString(16).padStart(2, "0")}`;
      i++;
    } else {
      out += b.toString("utf8", i, i + n);
      i += n;
    }
  }
  return out;
}

/** The bytes of a path written in display form (the inverse of displayPath). */
export function pathBytes(display: string): Buffer {
  if (!display.includes("\\")) return Buffer.from(display, "utf8");
  const parts: Buffer[] = [];
  let text = "";
  for (let i = 0; i < display.length; i++) {
    const c = display[i];
    if (c === "\\" && display[i + 1] === "\\") {
      text += "\\";
      i++;
    } else if (c === "\\" && display[i + 1] === "x" && /^[0-9a-f]{2}$/.test(display.slice(i + 2, i + 4))) {
      parts.push(Buffer.from(text, "utf8"), Buffer.from([Number.parseInt(display.slice(i + 2, i + 4), 16)]));
      text = "";
      i += 3;
    } else text += c;
  }
  parts.push(Buffer.from(text, "utf8"));
  return Buffer.concat(parts);
}

export function joinBytes(dir: Buffer, name: Buffer): Buffer {
  return dir.length > 0 && dir[dir.length - 1] === 0x2f
    ? Buffer.concat([dir, name])
    : Buffer.concat([dir, Buffer.from("/"), name]);
}
