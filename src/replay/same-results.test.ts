/**
 * Replay's speed-ups (one write transaction per many events, the event loop settled only when work may
 * be waiting, the filters compiled ahead in the filter thread) must not change what it finds: every table of the data dir is compared, row by row, with a
 * replay on the path as it was (a transaction per stored batch, the loop settled at every second of log).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import pino from "pino";
import { loadConfig } from "../load-config.js";
import { DB_FILE } from "../store/sqlite/index.js";
import { prepareFilterThread, warmFilterThread } from "./filter-thread.js";
import { type ReplayOptions, type ReplaySummary, replay } from "./replay.js";

const YEAR = new Date().getFullYear() - 1;

/** 40 minutes of a brute-force auth log: attackers that get banned (and unbanned), [preauth] noise, logins. */
function bruteForceFixture(): string {
  const lines: string[] = [];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let s = 0; s < 40 * 60; s += 1 + rnd(3)) {
    const t = new Date(Date.UTC(YEAR, 2, 10, 10, 0, s)).toISOString();
    const ip = `198.51.100.${1 + rnd(40)}`;
    const pid = 1000 + rnd(9000);
    for (let k = rnd(4); k >= 0; k--) {
      const kind = rnd(10);
      if (kind < 3)
        lines.push(`${t} web sshd[${pid}]: Failed password for root from ${ip} port ${40000 + k} ssh2`);
      else if (kind < 5)
        lines.push(`${t} web sshd[${pid}]: Invalid user admin${k} from ${ip} port ${41000 + k}`);
      else if (kind < 9)
        lines.push(`${t} web sshd[${pid}]: Connection closed by ${ip} port ${42000 + k} [preauth]`);
      else
        lines.push(
          `${t} web sshd[${pid}]: Accepted publickey for deploy from 192.0.2.${1 + rnd(5)} port 50000 ssh2`,
        );
    }
  }
  return `${lines.join("\n")}\n`;
}

const CONFIG = `sources:
  - { type: file, path: /var/log/auth.log, group: auth }
metric_filters:
  - name: preauth
    group: auth
    pattern: '"[preauth]"'
    metric: { namespace: Security, name: SshPreauth, value: "1" }
alarms:
  - name: ssh-preauth-storm
    metric: { namespace: Security, name: SshPreauth }
    statistic: Sum
    period: 60
    evaluation_periods: 1
    threshold: 18
    comparison: GreaterThanOrEqualToThreshold
    treat_missing_data: notBreaching
jails:
  - { name: sshd, filter: sshd, group: auth, maxretry: 3, findtime: 5m, bantime: 4m, action: nftables }
`;

/** Every table of a data dir, each row as JSON, in a fixed order. */
function tables(dataDir: string): Record<string, string[]> {
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
  try {
    const out: Record<string, string[]> = {};
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    for (const name of names as string[]) {
      const rows = db.prepare(`SELECT * FROM "${name}"`).raw().all();
      out[name] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    db.close();
  }
}

describe("replay gives the same results on its fast path as on the path before", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-replay-same-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // two files (as a rotated log and its successor): the filter thread cuts batches per file, and the
  // clock and the filters' state go on from one file to the next
  const files = [path.join(dir, "auth.log.1"), path.join(dir, "auth.log")];
  const lines = bruteForceFixture().split("\n");
  const half = Math.floor(lines.length / 2);
  fs.writeFileSync(files[0], `${lines.slice(0, half).join("\n")}\n`);
  fs.writeFileSync(files[1], lines.slice(half).join("\n"));
  const configFile = path.join(dir, "mamori.yaml");
  fs.writeFileSync(configFile, `data_dir: ${path.join(dir, "live-data")}\n${CONFIG}`);
  const config = loadConfig(configFile, { deep: true }).config;

  const run = (name: string, pacing: ReplayOptions["pacing"]): Promise<ReplaySummary> =>
    replay({
      files,
      config,
      dataDir: path.join(dir, name),
      live: false,
      log: pino({ level: "silent" }),
      now: Date.UTC(YEAR + 1, 0, 1),
      pacing,
    });

  it("same bans, alarm changes, metric points, events and every other row", async () => {
    const before = await run("before", {
      commitEveryEvents: 0,
      settleEverySecond: true,
      filterThread: false,
    });
    assert.ok(before.bans.length >= 5, `the fixture bans: ${before.bans.length}`);
    assert.ok(
      before.bans.some((b) => b.end !== null && b.end <= (before.lastEvent ?? 0)),
      "some bans end inside the log (unbans are replayed too)",
    );
    assert.ok(before.alarms.length >= 2, `the alarm changes state: ${JSON.stringify(before.alarms)}`);
    const want = tables(path.join(dir, "before"));
    assert.ok(
      want.metric_data.length > 0 && want.events.length > before.lines,
      "metric points and ban events stored",
    );
    // the default, commits every few hundred events (many commit points inside the fixture), and as
    // `mamori replay` runs: the filter thread started early, the jails' filters compiled in it ahead
    for (const [name, pacing, early] of [
      ["fast", undefined, false],
      ["commit-often", { commitEveryEvents: 300 }, false],
      ["filters-ahead", undefined, true],
    ] as const) {
      if (early) {
        warmFilterThread();
        prepareFilterThread(config, files);
      }
      const got = await run(name, pacing);
      assert.deepEqual(
        { ...got, dataDir: "" },
        { ...before, dataDir: "" },
        `${name}: the summary is the same`,
      );
      const have = tables(path.join(dir, name));
      for (const table of Object.keys(want))
        assert.deepEqual(have[table], want[table], `${name}: table ${table}`);
    }
  });
});
