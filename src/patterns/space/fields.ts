/**
 * Splits an event into space-delimited fields as CloudWatch does: fields are separated by spaces (a run of
 * spaces counts as one separator, and leading/trailing spaces are ignored), and a field that starts with '"'
 * or '[' runs to the matching '"' or ']' that is followed by a space or the end of the line, without the
 * quotes/brackets. Offsets go into reusable buffers: splitting allocates nothing.
 */

export class FieldSplitter {
  starts = new Int32Array(64);
  ends = new Int32Array(64);

  private grow(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

  /** Splits up to `limit` fields of `s` into starts/ends; returns how many were found (at most `limit`). */
  split(s: string, limit: number): number {
    const len = s.length;
    let i = 0;
    let count = 0;
    while (count < limit) {
      while (i < len && s.charCodeAt(i) === 32) i++;
      if (i >= len) break;
      if (count >= this.starts.length) this.grow();
      const c = s.charCodeAt(i);
      const close = c === 34 ? 34 : c === 91 ? 93 : 0;
      let done = false;
      if (close !== 0) {
        let j = s.indexOf(close === 34 ? '"' : "]", i + 1);
        while (j >= 0 && j + 1 < len && s.charCodeAt(j + 1) !== 32)
          j = s.indexOf(close === 34 ? '"' : "]", j + 1);
        if (j >= 0) {
          this.starts[count] = i + 1;
          this.ends[count] = j;
          i = j + 1;
          done = true;
        }
      }
      if (!done) {
        const start = i;
        while (i < len && s.charCodeAt(i) !== 32) i++;
        this.starts[count] = start;
        this.ends[count] = i;
      }
      count++;
    }
    return count;
  }
}
