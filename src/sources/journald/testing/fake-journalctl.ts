/**
 * For the journald source's tests: no systemd journal runs here (containers, CI), so a fake
 * \`journalctl\`, selected through the config key \`journalctl\`: a small Node script that logs its argv,
 * prints the JSON entries of a fixture after --after-cursor (as \`journalctl -o json\` does) and then
 * follows (stays alive), or exits early when told to, to exercise the restart.
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { T0 } from "../../file/testing/file-source.js";

const FAKE = `
const fs = require("fs");
const dir = __dirname;
const args = process.argv.slice(2);
fs.appendFileSync(dir + "/argv.log", JSON.stringify(args) + "\\n");
const runs = fs.readFileSync(dir + "/argv.log", "utf8").trim().split("\\n").length;
const mode = JSON.parse(fs.readFileSync(dir + "/mode.json", "utf8"));
const entries = JSON.parse(fs.readFileSync(dir + "/entries.json", "utf8"));
const after = (args.find((a) => a.startsWith("--after-cursor=")) || "").slice("--after-cursor=".length);
let start = after ? entries.findIndex((e) => e.__CURSOR === after) + 1 : args.includes("--lines=0") ? entries.length : 0;
let out = entries.slice(start);
if (mode.dieAfter && runs === 1) out = out.slice(0, mode.dieAfter);
process.stdout.write(out.map((e) => JSON.stringify(e)).join("\\n") + (out.length ? "\\n" : ""));
if (mode.garbage) process.stdout.write("this is not json\\n");
if (mode.dieAfter && runs === 1) { process.stderr.write("fake journalctl: simulated crash\\n"); process.exit(1); }
if (mode.exitAlways) { process.stderr.write("Failed to add match: bad\\n"); process.exit(1); }
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1000);
`;

export function entry(i: number, extra: Record<string, unknown> = {}) {
  return {
    __CURSOR: `s=abc;i=${i}`,
    __REALTIME_TIMESTAMP: String((T0 + i * 1000) * 1000 + 123),
    _HOSTNAME: "web-1",
    SYSLOG_IDENTIFIER: "sshd",
    _PID: String(4000 + i),
    _SYSTEMD_UNIT: "ssh.service",
    MESSAGE: `Failed password for root from 203.0.113.5 port ${50000 + i} ssh2`,
    ...extra,
  };
}

/** Writes the fake journalctl, its entries and mode, and an empty journal file into dir; returns its path. */
export function writeFakeJournal(dir: string, entries: object[], mode: Record<string, unknown> = {}): string {
  const fake = path.join(dir, "journalctl");
  writeFileSync(fake, `#!${process.execPath}\n${FAKE}`);
  chmodSync(fake, 0o755);
  writeFileSync(path.join(dir, "entries.json"), JSON.stringify(entries));
  writeFileSync(path.join(dir, "mode.json"), JSON.stringify(mode));
  writeFileSync(path.join(dir, "system.journal"), ""); // so the source finds "a journal"
  return fake;
}
