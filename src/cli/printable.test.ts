import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { openSqliteStore } from "../store/sqlite/index.js";
import { runCli } from "../testing/cli.js";
import { isoTime, printable } from "./printable.js";

describe("printable: control characters are shown, not obeyed", () => {
  const table: Array<[string, string, string]> = [
    ["plain text stays", "Failed password for root from 10.0.0.1", "Failed password for root from 10.0.0.1"],
    ["ESC (colours, cursor moves)", "\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m"],
    ["NUL", "a\u0000b", "a\\x00b"],
    ["tab, CR, LF by name", "a\tb\rc\nd", "a\\tb\\rc\\nd"],
    ["BEL and an OSC title", "\u001b]0;owned\u0007", "\\x1b]0;owned\\x07"],
    ["DEL and 8-bit CSI", "\u007f\u009b2J", "\\x7f\\x9b2J"],
    ["bidi override and line separator", "a\u202eb\u2028c", "a\\u202eb\\u2028c"],
    ["non-ASCII text stays", "ユーザー café", "ユーザー café"],
  ];
  for (const [name, input, want] of table) it(name, () => assert.equal(printable(input), want));
});

describe("isoTime", () => {
  it("ISO 8601 for a time a Date holds, the number for one it cannot", () => {
    assert.equal(isoTime(Date.UTC(2026, 10, 25)), "2026-11-25T00:00:00.000Z");
    assert.equal(isoTime(2 ** 53), "9007199254740992 (ms)");
    assert.equal(isoTime(Number.NaN), "NaN (ms)");
  });
});

describe("alarms list and history print stored text escaped", () => {
  it("a stored alarm's name, reason and history summary", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cli-printable-"));
    try {
      const store = openSqliteStore(dir);
      const name = "old\u001b[2Jalarm";
      await store.alarms.put({
        name,
        state: "ALARM",
        reason: "reason \u001b[31mred",
        reasonData: "{}",
        since: 2 ** 53,
        evaluatedAt: 1,
      });
      await store.alarms.appendHistory({
        name,
        timestamp: 1,
        type: "StateUpdate",
        summary: "x\u0000y",
        data: "{}",
      });
      await store.close();
      const list = await runCli(["alarms", "list", "--data-dir", dir]);
      assert.equal(list.code, 0, list.stderr);
      assert.doesNotMatch(list.stdout, /[\u0000\u001b]/);
      assert.match(
        list.stdout,
        /old\\x1b\[2Jalarm \(not in config\)\s+ALARM\s+9007199254740992 \(ms\)\s+reason \\x1b\[31mred/,
      );
      const history = await runCli(["alarms", "history", name, "--data-dir", dir]);
      assert.equal(history.code, 0, history.stderr);
      assert.match(history.stdout, /StateUpdate\s+x\\x00y\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("metrics list prints stored dimension values escaped", () => {
  it("a dimension value taken from a log field", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cli-printable-"));
    try {
      const store = openSqliteStore(dir);
      await store.logs.ingest({
        events: [],
        checkpoints: [],
        metricPoints: [
          {
            namespace: "Web",
            name: "Hits",
            dimensions: { user: "\u001b[31mroot" },
            timestamp: 60_000,
            value: 1,
          },
        ],
      });
      await store.close();
      const r = await runCli(["metrics", "list", "--data-dir", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "Web\tHits\tuser=\\x1b[31mroot\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
