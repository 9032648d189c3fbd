import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseLogFormat, escapeControl, formatLine, formatRecord } from "./log-format.js";

const T = Date.UTC(2026, 11, 2, 15, 4, 5, 67);

describe("pretty log lines", () => {
  const cases: Array<{ name: string; record: Record<string, unknown>; line: string }> = [
    {
      name: "time, level, message; pino's pid/hostname/name hidden",
      record: { level: 30, time: T, pid: 42, hostname: "h", name: "mamori", msg: "mamori is running" },
      line: "15:04:05.067 INFO  mamori is running",
    },
    {
      name: "the other fields as key=value, strings quoted only when they need it",
      record: {
        level: 40,
        time: T,
        source: "file:/var/log/auth.log",
        err: "no such file",
        retryInMs: 1000,
        msg: "x",
      },
      line: '15:04:05.067 WARN  x  source=file:/var/log/auth.log  err="no such file"  retryInMs=1000',
    },
    {
      name: "arrays and objects as JSON",
      record: { level: 30, time: T, msg: "m", sources: ["a", "b"], n: { x: 1 } },
      line: '15:04:05.067 INFO  m  sources=["a","b"]  n={"x":1}',
    },
    {
      name: "a serialized Error shows its message",
      record: {
        level: 50,
        time: T,
        msg: "failed",
        err: { type: "Error", message: "boom", stack: "Error: boom\n at x" },
      },
      line: "15:04:05.067 ERROR failed  err=boom",
    },
    {
      name: "control characters in the message are escaped, so a log line cannot drive the terminal",
      record: { level: 30, time: T, msg: "user \x1b[2Jroot\r\nfake line\t\x00\x7f\u009b\u202e" },
      line: "15:04:05.067 INFO  user \\e[2Jroot\\r\\nfake line\\t\\x00\\x7f\\x9b\\u202e",
    },
    {
      name: "and in field values and keys",
      record: { level: 30, time: T, msg: "m", "k\x1b": "v\x07al" },
      line: "15:04:05.067 INFO  m  k\\e=v\\x07al",
    },
    {
      name: "every level has its name",
      record: { level: 60, time: T, msg: "f" },
      line: "15:04:05.067 FATAL f",
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(formatRecord(c.record, { utc: true }), `${c.line}\n`));

  it("colours only the level and the fields when asked", () => {
    assert.equal(
      formatRecord({ level: 40, time: T, msg: "w", a: 1 }, { utc: true, color: true }),
      "15:04:05.067 \x1b[33mWARN \x1b[0m w  \x1b[2ma=1\x1b[0m\n",
    );
  });

  it("reads pino's JSON lines; a line that is not JSON is printed escaped, not dropped", () => {
    assert.equal(
      formatLine(`${JSON.stringify({ level: 30, time: T, msg: "ok" })}\n`, { utc: true }),
      "15:04:05.067 INFO  ok\n",
    );
    assert.equal(formatLine("not json \x1b\n"), "not json \\e\n");
  });

  it("escapeControl leaves ordinary text, including non-ASCII, alone", () => {
    assert.equal(
      escapeControl("Failed password for 守り from 1.2.3.4"),
      "Failed password for 守り from 1.2.3.4",
    );
  });
});

describe("chooseLogFormat", () => {
  const table: Array<[string | undefined, string | undefined, boolean, string]> = [
    [undefined, undefined, true, "pretty"], // a terminal
    [undefined, undefined, false, "json"], // a service or a pipe
    [undefined, "", false, "json"],
    ["json", undefined, true, "json"],
    ["pretty", undefined, false, "pretty"],
    [undefined, "pretty", false, "pretty"],
    ["json", "pretty", true, "json"], // the flag wins over the environment
  ];
  for (const [flag, env, tty, want] of table)
    it(`flag ${flag} env ${env} tty ${tty} → ${want}`, () =>
      assert.equal(chooseLogFormat(flag, env, tty), want));

  it("an unknown format in MAMORI_LOG_FORMAT is a usage error", () => {
    assert.throws(
      () => chooseLogFormat(undefined, "xml", true),
      /log format "xml" \(from MAMORI_LOG_FORMAT\) is not one of: json, pretty/,
    );
  });
});
