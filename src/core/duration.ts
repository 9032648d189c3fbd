/**
 * Durations as people write them in mamori.yaml and fail2ban's jail.conf:
 * `600`, `10s`, `10m`, `1h`, `1d`, `1w`, and combinations (`1h30m`, `1d 12h`). Returns seconds.
 */

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mi: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  wk: 604800,
  week: 604800,
  weeks: 604800,
  mo: 2_592_000,
  month: 2_592_000,
  months: 2_592_000,
  y: 31_536_000,
  year: 31_536_000,
  years: 31_536_000,
};

export class DurationError extends Error {}

/** Parses a duration to seconds. A bare number is seconds. Negative numbers (fail2ban's `-1`) pass through. */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new DurationError(`not a finite duration: ${input}`);
    return input;
  }
  const text = input.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)/giy;
  let total = 0;
  let consumed = 0;
  let any = false;
  const compact = text.replace(/\s+/g, " ");
  part.lastIndex = 0;
  for (;;) {
    while (compact[part.lastIndex] === " ") part.lastIndex++;
    if (part.lastIndex >= compact.length) break;
    const m = part.exec(compact);
    if (!m) break;
    const unit = UNIT_SECONDS[m[2].toLowerCase()];
    if (unit === undefined) {
      throw new DurationError(
        `unknown unit "${m[2]}" in duration "${input}"; use s, m, h, d or w (e.g. "10m")`,
      );
    }
    total += Number(m[1]) * unit;
    consumed = part.lastIndex;
    any = true;
  }
  if (!any || consumed !== compact.length) {
    throw new DurationError(
      `"${input}" is not a duration; write seconds (600) or a number with a unit: 10s, 10m, 1h, 1d, 1w`,
    );
  }
  return total;
}

/** Formats seconds compactly for humans: 600 → "10m", 90061 → "1d1h1m1s". */
export function formatDuration(seconds: number): string {
  if (seconds < 0) return "forever";
  if (seconds === 0) return "0s";
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ["w", 604800],
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}
