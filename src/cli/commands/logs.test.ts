import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { type CliResult, runCli } from "../../testing/cli.js";

const GROUP = "/var/log/secure";

/** stdout of a `--json` command: one JSON object a line. */
const jsonLines = (r: CliResult) =>
  r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("mamori logs", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-logs-"));
  const t0 = Date.UTC(2026, 10, 25, 8, 21, 0);
  before(async () => {
    const store = openSqliteStore(dir);
    const ev = (stream: string, dt: number, message: string) => ({
      group: GROUP,
      stream,
      timestamp: t0 + dt,
      ingestTime: t0 + 60_000,
      message,
    });
    await store.logs.ingest({
      events: [
        ev("web-1", 2000, "sshd[2]: Connection closed by 10.0.0.167 [preauth]"),
        ev("web-1", 1000, "sshd[1]: Accepted publickey for admin"),
        ev("web-2", 3000, '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 404 1534'),
      ],
      checkpoints: [],
      metricPoints: [],
    });
    await store.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `mamori logs filter GROUP` on this data dir, plus args. */
  const filter = (...args: string[]) => runCli(["logs", "filter", GROUP, "--data-dir", dir, ...args]);
  /** The eventIds `logs filter --json` prints with args. */
  const filteredIds = async (...args: string[]) =>
    jsonLines(await filter("--json", ...args)).map((l) => l.eventId);

  it("filter --json prints events in event-time order as aws logs does", async () => {
    const r = await filter("--json");
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r);
    assert.deepEqual(Object.keys(lines[0]), [
      "eventId",
      "timestamp",
      "ingestionTime",
      "logStreamName",
      "message",
    ]);
    assert.deepEqual(
      lines.map((l) => [l.eventId, l.timestamp - t0, l.logStreamName]),
      [
        ["2", 1000, "web-1"],
        ["1", 2000, "web-1"],
        ["3", 3000, "web-2"],
      ],
    );
    assert.equal(lines[0].ingestionTime, t0 + 60_000);
  });

  it("filter --pattern, --start/--end and --limit narrow the events", async () => {
    assert.deepEqual(await filteredIds("--pattern", '"[preauth]"'), ["1"]);
    assert.deepEqual(
      await filteredIds("--pattern", "[ip, user, username, timestamp, request, status_code=4*, bytes]"),
      ["3"],
    );
    assert.deepEqual(
      await filteredIds("--start", String(t0 + 1500), "--end", new Date(t0 + 3000).toISOString()),
      ["1"],
    );
    const limited = await filter("--json", "--limit", "2");
    assert.equal(limited.stdout.trim().split("\n").length, 2);
  });

  it("rejects a bad pattern or time with exit 2 and a position", async () => {
    const bad = await filter("--pattern", "[ip, user");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^pattern:1:\d+: /);
    const badTime = await filter("--start", "yesterday-ish");
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--start "yesterday-ish" is not a time/);
  });

  it("reads the store without compiling the config's jail filters", async () => {
    const file = path.join(dir, "broken-filter.yaml");
    fs.writeFileSync(
      file,
      `data_dir: ${dir}\njails:\n  - { name: x, filter: no-such-filter, group: ${GROUP} }\n`,
    );
    const check = await runCli(["config", "check", "--config", file]);
    assert.equal(check.code, 2, "config check compiles the filter and refuses it");
    assert.match(check.stderr, /filter "no-such-filter" cannot be used/);
    const groups = await runCli(["logs", "groups", "--config", file, "--json"]);
    assert.equal(groups.code, 0, groups.stderr);
    assert.deepEqual(
      jsonLines(groups).map((g) => g.logGroupName),
      [GROUP],
    );
  });

  it("groups, streams and tail", async () => {
    const groups = await runCli(["logs", "groups", "--data-dir", dir, "--json"]);
    assert.deepEqual(
      jsonLines(groups).map((l) => l.logGroupName),
      [GROUP],
    );
    const streams = await runCli(["logs", "streams", GROUP, "--data-dir", dir, "--json"]);
    assert.deepEqual(
      jsonLines(streams).map((l) => [l.logStreamName, l.storedEvents]),
      [
        ["web-1", 2],
        ["web-2", 1],
      ],
    );
    const tail = await runCli(["logs", "tail", GROUP, "--data-dir", dir, "-n", "2"]);
    assert.equal(tail.code, 0, tail.stderr);
    assert.deepEqual(
      tail.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[1]),
      ["web-1", "web-2"],
    );
  });
});

describe("mamori logs: hostile stored text and times", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-logs-hostile-"));
  const HOSTILE = "/hostile";
  const stream = "evil\u001b]0;pwned\u0007host";
  const message = "Failed password for \u001b[31mroot\u001b[0m\u0000 from 203.0.113.5\r\u009b2J\u202eevil";
  const far = 2 ** 53;
  before(async () => {
    const store = openSqliteStore(dir);
    await store.logs.ingest({
      events: [
        { group: HOSTILE, stream, timestamp: Date.UTC(2026, 10, 25), ingestTime: 1, message },
        { group: HOSTILE, stream: "far", timestamp: far, ingestTime: 2, message: "from the far future" },
      ],
      checkpoints: [],
      metricPoints: [],
    });
    await store.close();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** a terminal control character other than the newlines and column tabs the output itself writes */
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

  for (const args of [
    ["tail", HOSTILE],
    ["filter", HOSTILE],
    ["streams", HOSTILE],
  ]) {
    it(`logs ${args[0]}: control characters are shown escaped, a time no Date can hold does not fail`, async () => {
      const r = await runCli(["logs", ...args, "--data-dir", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, CONTROL, JSON.stringify(r.stdout));
      assert.match(r.stdout, /evil\\x1b\]0;pwned\\x07host/, "the stream name, escaped");
      if (args[0] !== "streams") {
        assert.match(r.stdout, /for \\x1b\[31mroot\\x1b\[0m\\x00 from 203\.0\.113\.5\\r\\x9b2J\\u202eevil/);
        assert.match(r.stdout, /^9007199254740992 \(ms\) far from the far future$/m);
      } else {
        assert.match(r.stdout, /^far\t1 events\tlast 9007199254740992 \(ms\)$/m);
      }
    });
  }

  it("--json output keeps the text exactly as stored", async () => {
    const r = await runCli(["logs", "filter", HOSTILE, "--data-dir", dir, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r);
    assert.deepEqual(
      lines.map((l) => [l.logStreamName, l.message, l.timestamp]),
      [
        [stream, message, Date.UTC(2026, 10, 25)],
        ["far", "from the far future", far],
      ],
    );
  });
});
