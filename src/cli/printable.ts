/**
 * Text output of stored strings. Log lines, stream names (syslog HOSTNAMEs, HTTP stream paths) and
 * anything else that came from outside may hold ESC, NUL or other control characters: printed raw, a
 * line could recolour the terminal, move the cursor, rewrite what was printed before or set the window
 * title. Text output shows them escaped; `--json` output is already safe (JSON escapes them).
 */

/** C0 controls, DEL, C1 controls (0x9b is an 8-bit CSI), line/paragraph separators, bidi overrides. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** The text with every control character shown as an escape (`\x1b`, `\x00`, `\t`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Largest time a Date can hold (year 275760); stored times beyond it are printed as numbers. */
const MAX_DATE_MS = 8.64e15;

/** ISO 8601 for a stored time in ms; a time no Date can hold is shown as its number, never thrown on. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} (ms)`;
}
