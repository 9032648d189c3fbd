/**
 * Test helper: runs lines through fail2ban's own DateDetector (the installed Debian package) in one
 * python3 process, so tests can compare mamori's dates with fail2ban's. Cases run in order in one
 * process, as mamori's run in one test process, because fail2ban shares template hit counts process-wide.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

export interface OracleCase {
  /** TZ of the fail2ban process while this case runs (time.tzset) */
  tz: string;
  /** fail2ban logtimezone (DateDetector.default_tz), if any */
  logtz?: string;
  /** MyTime.setTime, seconds */
  now: number;
  /** as Filter.setDatePattern; undefined = the default templates */
  datepattern?: string;
  lines: string[];
}

/** Per line: [epoch seconds | null, start, end] (code point offsets of the date text), or null: no date. */
export type OracleResult = Array<[number | null, number, number] | null>;

const SCRIPT = String.raw`
import json, os, sys, time
from fail2ban.server.mytime import MyTime
from fail2ban.server.datedetector import DateDetector
out = []
for case in json.load(sys.stdin):
    os.environ['TZ'] = case['tz']
    time.tzset()
    MyTime.setTime(case['now'])
    dd = DateDetector()
    dp = case.get('datepattern')
    if dp is not None:
        for p in [p.strip() for p in dp.split('\n')]:
            if p:
                dd.appendTemplate(p)
    if case.get('logtz') is not None:
        dd.default_tz = case['logtz']
    res = []
    last = None
    for line in case['lines']:
        try:
            m, tpl = dd.matchTime(line)
        except Exception:
            res.append(None)
            continue
        if not m:
            res.append(None)
            continue
        s, e = m.start(1), m.end(1)
        if s == e:
            t = last if last is not None and last > MyTime.time() - 60 else MyTime.time()
            res.append([t, s, e])
            continue
        try:
            d = dd.getTime(line[s:e], (m, tpl))
        except Exception:
            d = None
        if d is not None:
            last = d[0]
        res.append([d[0] if d is not None else None, s, e])
    out.append(res)
json.dump(out, sys.stdout)
`;

/** The python3 that has fail2ban installed (Debian's), or undefined. */
export function fail2banPython(): string | undefined {
  for (const p of ["/usr/bin/python3", "/usr/local/bin/python3"]) {
    if (existsSync(p) && existsSync("/usr/lib/python3/dist-packages/fail2ban/server/datedetector.py"))
      return p;
  }
  return undefined;
}

export function runFail2banOracle(cases: OracleCase[]): Promise<OracleResult[]> {
  const python = fail2banPython();
  if (!python)
    return Promise.reject(new Error("fail2ban is not installed: run scripts/install-test-deps.sh"));
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      ["-c", SCRIPT],
      { maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`fail2ban oracle failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as OracleResult[]);
      },
    );
    child.stdin?.end(JSON.stringify(cases));
  });
}
