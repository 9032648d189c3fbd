/**
 * The real fail2ban-regex as a test oracle: one python3 process runs fail2ban's own entry point
 * (`fail2ban.client.fail2banregex.exec_command_line`, what /usr/bin/fail2ban-regex calls) once per case in
 * each of the two modes mamori reports: `-o row` (the failures, as fail2ban's server finds them) and the
 * summary mode with `--print-all-matched` (the `Lines:` counts and the matched lines). Only the module's
 * `output` function and the log file iterator are wrapped, to capture what it prints and at which line.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

export const F2B_REGEX_MODULE = "/usr/lib/python3/dist-packages/fail2ban/client/fail2banregex.py";
/** the interpreter /usr/bin/fail2ban-regex runs with (another python3 on PATH may lack the fail2ban package) */
const PYTHON = "/usr/bin/python3";

export interface Fail2banRegexCase {
  log: string;
  /** the filter argument as fail2ban-regex takes it: "sshd", "sshd[mode=ddos]", a file */
  filter: string;
  /** extra options for both runs (e.g. "-r" for raw hosts) */
  options?: string[];
}

export interface Fail2banRegexResult {
  /** `-o row`: one entry per failure: the log line number (1-based) and the failure id */
  failures: { line: number; fid: string }[];
  lines: number;
  ignored: number;
  matched: number;
  missed: number;
  /** the texts of `--print-all-matched`, as printed (trailing white space stripped) */
  matchedTexts: string[];
  /** the per-regex hit rows of the Failregex and Ignoreregex lists: "N:hits" (N 1-based), in order */
  hitRows: { failregex: string[]; ignoreregex: string[] };
}

const DRIVER = String.raw`
import sys, json, io, contextlib, logging
from fail2ban.client import fail2banregex as fr
logging.raiseExceptions = False
state = {"line": 0, "out": []}
OrigFC = fr.FileContainer
class CountingFile:
    def __init__(self, *a, **kw): self.fc = OrigFC(*a, **kw)
    def __iter__(self):
        for l in self.fc:
            state["line"] += 1
            yield l
    def __getattr__(self, n): return getattr(self.fc, n)
fr.FileContainer = CountingFile
fr.output = lambda s: state["out"].append((state["line"], str(s)))
def run(argv):
    state["line"], state["out"] = 0, []
    with contextlib.redirect_stdout(io.StringIO()):
        try: fr.exec_command_line(argv)
        except SystemExit: pass
    return state["out"]
res = []
for c in json.load(sys.stdin):
    rows = []
    for ln, s in run(c["options"] + ["-o", "id", c["log"], c["filter"]]):
        rows.append({"line": ln, "fid": s})
    text = "\n".join(s for _, s in run(c["options"] + ["--print-all-matched", "--print-no-missed", "--print-no-ignored", c["log"], c["filter"]]))
    res.append({"rows": rows, "text": text})
print(json.dumps(res))
`;

function parseSummary(text: string): Omit<Fail2banRegexResult, "failures" | "matchedTexts" | "hitRows"> {
  const m = /^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/m.exec(text);
  if (!m) throw new Error(`no "Lines:" summary in fail2ban-regex output:\n${text.slice(0, 2000)}`);
  return { lines: Number(m[1]), ignored: Number(m[2]), matched: Number(m[3]), missed: Number(m[4]) };
}

function parseMatched(text: string): string[] {
  const start = text.indexOf("|- Matched line(s):");
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of text.slice(start).split("\n").slice(1)) {
    if (!line.startsWith("|  ")) break;
    out.push(line.slice(3));
  }
  return out;
}

/** The "|  N) [hits] regex" rows after a "Failregex:" or "Ignoreregex:" heading, as "N:hits". */
export function parseHitRows(text: string): { failregex: string[]; ignoreregex: string[] } {
  const rows = (heading: string): string[] => {
    const start = text.search(new RegExp(`^${heading}: \\d+ total$`, "m"));
    if (start < 0) return [];
    const out: string[] = [];
    for (const line of text.slice(start).split("\n").slice(1)) {
      if (line.startsWith("|- ")) continue;
      const m = /^\|\s+(\d+)\) \[(\d+)\]/.exec(line);
      if (!m) break;
      out.push(`${m[1]}:${m[2]}`);
    }
    return out;
  };
  return { failregex: rows("Failregex"), ignoreregex: rows("Ignoreregex") };
}

export function fail2banRegexAvailable(): boolean {
  return existsSync(F2B_REGEX_MODULE);
}

/** Runs every case through fail2ban-regex's code in one python3 process. */
export async function runFail2banRegex(cases: Fail2banRegexCase[]): Promise<Fail2banRegexResult[]> {
  const child = promisify(execFile)(PYTHON, ["-c", DRIVER], { maxBuffer: 1 << 28 });
  child.child.stdin?.end(JSON.stringify(cases.map((c) => ({ options: [], ...c }))));
  const { stdout } = await child;
  const raw = JSON.parse(stdout) as { rows: { line: number; fid: string }[]; text: string }[];
  return raw.map((r) => ({
    failures: r.rows,
    ...parseSummary(r.text),
    matchedTexts: parseMatched(r.text),
    hitRows: parseHitRows(r.text),
  }));
}
