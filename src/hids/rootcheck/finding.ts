/** What a check reports: one finding is one event in `mamori/rootcheck` (spec/hids.md). */
import path from "node:path";

export type Severity = "low" | "medium" | "high";

/** A finding as a check makes it; the runner adds the host. `detail` says how to investigate. */
export interface CheckFinding {
  check: string;
  severity: Severity;
  title: string;
  detail: string;
  path?: string;
  pid?: number;
  port?: number;
}

export interface Finding extends CheckFinding {
  host: string;
}

/** The event message, keys in the order of the spec. */
export function findingRecord(f: CheckFinding, host: string): Finding {
  const out: Finding = { check: f.check, severity: f.severity, title: f.title, detail: f.detail } as Finding;
  if (f.path !== undefined) out.path = f.path;
  if (f.pid !== undefined) out.pid = f.pid;
  if (f.port !== undefined) out.port = f.port;
  out.host = host;
  return out;
}

/**
 * A system path ("/usr/bin/x") under the scanned root: the file to read. Findings name the path as the
 * system sees it (inside root), so a report from a mounted image reads like one from the live host.
 */
export function underRoot(root: string, systemPath: string): string {
  return path.join(root, systemPath);
}

/** The system path of a file under root ("/mnt/img/usr/bin/x" → "/usr/bin/x"). */
export function systemPathOf(root: string, file: string): string {
  const rel = path.relative(root, file);
  return `/${rel.split(path.sep).join("/")}`;
}

/**
 * Lets other work run between slices of a long loop (a scan never holds the event loop for long); throws
 * the abort reason once `signal` is aborted, so a stopping daemon does not wait for a scan to finish.
 */
export async function yieldToEventLoop(signal?: AbortSignal): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  signal?.throwIfAborted();
}

/**
 * A path quoted for the commands a finding suggests: single quotes, so a hostile name (`$(...)`, backticks,
 * newlines) pasted into a shell stays a name.
 */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
