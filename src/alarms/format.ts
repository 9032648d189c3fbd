/**
 * Numbers and dates written the way CloudWatch writes them in alarm reasons and notifications, so
 * people (and their parsers) read mamori's messages as they read CloudWatch's.
 */

/** A number as Java's Double.toString prints it (CloudWatch's reasons): 6.0, 0.5, 1.0E7, 1.5E-4. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes(".") || s.includes("e") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split("e");
  const m = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return `${m}E${Number(exponent)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `25/11/26 08:21:00` (dd/MM/yy HH:mm:ss, UTC): how a datapoint's time appears in a reason. */
export function reasonDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `2026-11-25T08:21:45.123+0000`: CloudWatch's StateChangeTime and reason-data timestamps. */
export function cloudwatchIso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** `Wednesday 25 November, 2026 08:21:45 UTC`: the timestamp line of CloudWatch's alarm e-mails. */
export function emailDate(ms: number): string {
  const d = new Date(ms);
  const day = d.toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" });
  const month = d.toLocaleDateString("en-US", { month: "long", timeZone: "UTC" });
  return `${day} ${d.getUTCDate()} ${month}, ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}
