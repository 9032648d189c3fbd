// The least work a fail2ban-regex report of a log can take in Node: only the regexes, nothing else.
// Run by bench/regex.ts as its own process (plain JavaScript, no bundle, no tsx), beside
// `mamori regex` and fail2ban-regex, so the figure says how much of mamori's time is the regex
// engine itself: per line, the date template's regex, the prefregex, and every failregex that could
// match (the same first-character and required-text checks mamori makes). No filter is read or
// translated (the JS regexes come ready in REGEXES), no date is turned into a time, no failure is
// merged or counted beyond a hit per regex.
//
//   node bench/regex-floor.mjs REGEXES.json LOG   → prints the failregex hits, one count per regex
import { readFileSync } from "node:fs";

const [regexFile, logFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(regexFile, "utf8"));
const date = new RegExp(spec.date.source, spec.date.flags);
const pref = new RegExp(spec.prefregex.source, spec.prefregex.flags);
const content = spec.prefregex.content;
const fails = spec.failregex.map((f) => ({
  re: new RegExp(f.source, f.flags),
  literal: f.literal,
  first: f.firstChars ? new Set(f.firstChars) : undefined,
}));
const hits = fails.map(() => 0);

const text = readFileSync(logFile, "utf8");
let at = 0;
while (at < text.length) {
  let end = text.indexOf("\n", at);
  if (end < 0) end = text.length;
  const line = text.slice(at, end);
  at = end + 1;
  const d = date.exec(line);
  const rest = d ? line.slice(0, d.index) + line.slice(d.index + d[0].length) : line;
  const p = pref.exec(`${rest}\n`);
  if (!p) continue;
  let body;
  for (const j of content) if (p[j] !== undefined) body = p[j];
  const buf = `${body}\n`;
  const c = buf.charCodeAt(0);
  for (let i = 0; i < fails.length; i++) {
    const f = fails[i];
    if (f.first && !f.first.has(c)) continue;
    if (f.literal !== undefined && !buf.includes(f.literal)) continue;
    if (f.re.exec(buf)) hits[i]++;
  }
}
process.stdout.write(`${hits.join(" ")}\n`);
