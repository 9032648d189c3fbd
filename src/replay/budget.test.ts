/**
 * A line whose filter never ends must not hang a replay: the filter thread runs each line under the
 * line budget, skips the stuck line for that filter only (after 1 + 4 + 16 budgets, see replay.ts) and
 * reports it; the other jail and the lines after it are counted as on the path before (filters on the
 * main thread, under the pipeline's budget).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { loadConfig } from "../load-config.js";
import { type ReplayOptions, replay } from "./replay.js";

const YEAR = new Date().getFullYear() - 1;
const at = (s: number) => new Date(Date.UTC(YEAR, 2, 10, 10, 0, s)).toISOString();
/** fail2ban's courier-auth failregex backtracks exponentially on this line (~11 s at 24 repeats, x4 per 2 more) */
const COURIER_BOMB = `${at(1)} host imapd: LOGIN FAILED, user=a${", user=a".repeat(30)},x, ip=[192.0.2.9]`;

const CONFIG = `sources:
  - { type: file, path: /var/log/mail.log, group: mail }
jails:
  - { name: courier, filter: courier-auth, group: mail, maxretry: 3, findtime: 10m, bantime: 1h, action: nftables }
  - { name: sshd, filter: sshd, group: mail, maxretry: 3, findtime: 10m, bantime: 1h, action: nftables }
`;

/** A pino logger whose JSON lines land in `lines`. */
function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: "error" },
    {
      write(chunk: string) {
        for (const l of chunk.split("\n")) if (l) lines.push(JSON.parse(l));
      },
    },
  );
  return { log, lines };
}

describe("replay's line budget", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-replay-budget-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "mail.log");
  fs.writeFileSync(
    file,
    [
      COURIER_BOMB,
      ...[2, 3, 4].map((s) => `${at(s)} host imapd: LOGIN FAILED, user=bob, ip=[198.51.100.4]`),
      ...[5, 6, 7].map(
        (s) => `${at(s)} host sshd[1]: Failed password for root from 203.0.113.7 port 4000${s} ssh2`,
      ),
    ].join("\n"),
  );
  const configFile = path.join(dir, "mamori.yaml");
  fs.writeFileSync(configFile, `data_dir: ${path.join(dir, "live")}\n${CONFIG}`);
  const config = loadConfig(configFile, { deep: true }).config;
  const run = (name: string, pacing: ReplayOptions["pacing"]) => {
    const { log, lines } = capturingLog();
    const t0 = performance.now();
    return replay({
      files: [file],
      config,
      dataDir: path.join(dir, name),
      live: false,
      log,
      now: Date.UTC(YEAR + 1, 0, 1),
      lineBudgetMs: 30,
      pacing,
    }).then((summary) => ({ summary, lines, ms: performance.now() - t0 }));
  };

  it("skips the stuck line for its filter only, reports it, and bans as the path before does", async () => {
    const threaded = await run("threaded", undefined);
    assert.deepEqual(threaded.summary.bans.map((b) => [b.jail, b.ip]).sort(), [
      ["courier", "198.51.100.4"],
      ["sshd", "203.0.113.7"],
    ]);
    const reports = threaded.lines.filter((l) => typeof l.budgetMs === "number");
    assert.deepEqual(
      reports.map((r) => [r.part, r.filter, r.lineLength, r.budgetMs]),
      [["jail:courier", "courier-auth", COURIER_BOMB.length, 30]],
    );
    assert.ok(Number(reports[0].ms) >= 30 + 120 + 480 - 5, "stopped after 1 + 4 + 16 budgets");
    assert.ok(threaded.ms < 60_000, `took ${threaded.ms} ms`);
    // the summary says so too: one line given up on, by one filter
    assert.equal(threaded.summary.overBudgetLines, 1);
    const before = await run("before", { filterThread: false });
    assert.deepEqual(
      { ...threaded.summary, dataDir: "" },
      { ...before.summary, dataDir: "" },
      "same summary on the main thread",
    );
  });
});
