/** How times, durations, counts and untrusted text are shown. */

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-12-02 18:50:01" in the browser's time zone. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** "1h 2m", "45s", "3d 4h": the two largest units. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "forever";
  const s = Math.max(0, Math.round(ms / 1000));
  const units: Array<[string, number]> = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || (parts.length === 0 && u === "s")) parts.push(`${n}${u}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "3m ago", "just now". */
export function ago(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return "never";
  const d = now - ms;
  if (d < 5000) return "just now";
  return `${formatDuration(d)} ago`;
}

/** 1234567 → "1.2M". */
export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

/**
 * Untrusted text made visible: Unicode bidi controls and other invisible format characters would
 * reorder or hide what follows them, so each is shown as ⟦U+202E⟧; C0 controls (but tab) likewise.
 * The result is still rendered as a text node, never parsed as HTML.
 */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => `⟦U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟧`);
}
