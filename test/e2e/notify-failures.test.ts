/**
 * Delivery failures with real parts: `mamori serve` fed over HTTP ingest fires an alarm to a topic with
 * three webhook subscriptions — one receiver up, one down (closed port), one slow and failing (answers
 * 500 after 1.5 s). The healthy one gets the alarm at once; the others are retried with backoff, bounded
 * by `retry.attempts`, and every attempt is in the store's deliveries.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { spawnCli } from "../../src/testing/cli.js";
import { startHttpReceiver } from "../../src/testing/receivers.js";
import { freePort, waitFor } from "../../src/testing/wait.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-notify-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("e2e: a receiver that is down or slow", () => {
  it("retries are bounded and recorded; the healthy subscription delivers at once", async () => {
    const good = await startHttpReceiver();
    const slow = await startHttpReceiver();
    slow.respond(500, 1_500);
    const down = await startHttpReceiver();
    await down.close();
    const port = await freePort();
    const dataDir = path.join(dir, "data");
    const config = path.join(dir, "mamori.yaml");
    fs.writeFileSync(
      config,
      `data_dir: ${dataDir}
sources:
  - { type: http, listen: "127.0.0.1:${port}", tokens: [tok] }
metric_filters:
  - { name: preauth, group: auth, pattern: '"[preauth]"', metric: { namespace: Security, name: SshPreauth } }
alarms:
  - name: ssh-intrusion
    metric: { namespace: Security, name: SshPreauth }
    statistic: Sum
    period: 60
    evaluation_periods: 1
    threshold: 1
    comparison: GreaterThanOrEqualToThreshold
    actions: { alarm: [security] }
topics:
  - name: security
    retry: { attempts: 3, backoff: 0.5, max_backoff: 1 }
    subscriptions:
      - { type: webhook, url: "${down.url}/down" }
      - { type: webhook, url: "${slow.url}/slow" }
      - { type: webhook, url: "${good.url}/good" }
`,
    );
    const child = spawnCli(["serve", "--no-http", "--config", config], { cwd: dir });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitFor(
        "the daemon to run",
        () =>
          stderr.includes("mamori is running") ||
          (child.exitCode !== null && Promise.reject(new Error(stderr))),
      );
      const sent = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/v1/logs/auth/host`, {
        method: "POST",
        headers: { authorization: "Bearer tok", "content-type": "application/json" },
        body: JSON.stringify({
          events: [
            { timestamp: Date.now(), message: "sshd[24078]: Connection closed by 10.0.0.167 [preauth]" },
          ],
        }),
      });
      assert.equal(res.status, 200);
      await good.waitFor(1, 10_000);
      const goodMs = performance.now() - sent;
      assert.ok(
        goodMs < 1_400,
        `the healthy receiver got it after ${goodMs.toFixed(0)} ms, before the slow one's first answer`,
      );
      assert.equal(JSON.parse(good.requests[0].body).AlarmName, "ssh-intrusion");

      // down: 3 attempts (0, +0.5 s, +1 s later); slow: 3 attempts of 1.5 s each with 0.5 s and 1 s between
      await waitFor("the slow receiver's third attempt", () => slow.requests.length >= 3, 20_000);
      assert.equal(
        await new Promise((r) => setTimeout(() => r(slow.requests.length), 2_500)),
        3,
        "bounded: no fourth attempt",
      );
      child.kill("SIGTERM");
      assert.equal(await exited, 0);

      const store = openSqliteStore(dataDir);
      try {
        const rows = (await store.deliveries.list({ topic: "security" })).reverse();
        // subscriptions are named by origin (a URL path may be a secret): each receiver has its own port
        const origins: Record<string, string> = { "/good": good.url, "/down": down.url, "/slow": slow.url };
        const by = (name: string) => rows.filter((r) => r.subscription === `webhook:${origins[name]}`);
        assert.deepEqual(
          by("/good").map((r) => [r.attempt, r.ok]),
          [[1, true]],
        );
        assert.deepEqual(
          by("/down").map((r) => [r.attempt, r.ok]),
          [
            [1, false],
            [2, false],
            [3, false],
          ],
        );
        assert.match(by("/down")[0].error!, /ECONNREFUSED/);
        const gaps = by("/down")
          .slice(1)
          .map((r, i) => r.timestamp - by("/down")[i].timestamp);
        assert.ok(gaps[0] >= 450 && gaps[1] >= 950, `backoff between attempts: ${gaps.join(", ")} ms`);
        assert.deepEqual(
          by("/slow").map((r) => [r.attempt, r.ok, r.error]),
          [
            [1, false, `webhook ${slow.url}: HTTP 500 Internal Server Error`],
            [2, false, `webhook ${slow.url}: HTTP 500 Internal Server Error`],
            [3, false, `webhook ${slow.url}: HTTP 500 Internal Server Error`],
          ],
        );
        assert.ok(
          by("/slow").every((r) => r.durationMs >= 1_400),
          "each slow attempt waited for the answer",
        );
        assert.equal(new Set(rows.map((r) => r.messageId)).size, 1, "one message, many attempts");
      } finally {
        await store.close();
      }
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await good.close();
      await slow.close();
    }
  });
});
