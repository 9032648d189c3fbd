import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { runCli } from "../../testing/cli.js";
import { type HttpReceiver, startHttpReceiver } from "../../testing/receivers.js";

let dir: string;
let rx: HttpReceiver;
let downUrl: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cli-topics-"));
  rx = await startHttpReceiver();
  const down = await startHttpReceiver();
  downUrl = down.url;
  await down.close();
});
after(async () => {
  await rx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, subscriptions: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    `data_dir: ${path.join(dir, "data")}\ntopics:\n  - name: security\n    subscriptions:\n${subscriptions}`,
  );
  return file;
}

describe("mamori topics test", () => {
  it("sends a test message to every subscription and reports each; exit 0 when all delivered", async () => {
    const config = writeConfig(
      "ok.yaml",
      // the secret comes from the environment, as in the examples
      `      - { type: webhook, url: "${rx.url}/hook", secret: "$\{HOOK_SECRET}" }\n`,
    );
    const r = await runCli(["topics", "test", "security", "--config", config], { env: { HOOK_SECRET: "k" } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ok\\s+webhook:${rx.url}\\s`, "m"));
    const req = rx.requests.at(-1)!;
    assert.equal(req.headers["x-mamori-event"], "test");
    assert.equal(
      req.headers["x-mamori-signature"],
      `sha256=${createHmac("sha256", "k").update(req.body).digest("hex")}`,
    );
    assert.match(JSON.parse(req.body).text, /test notification from mamori for topic "security"/);
  });

  it("exit 1 when any subscription failed, each result reported, attempts recorded in the store", async () => {
    const config = writeConfig(
      "mixed.yaml",
      `      - { type: webhook, url: "${rx.url}/good" }\n      - { type: webhook, url: "${downUrl}/bad" }\n`,
    );
    const r = await runCli(["topics", "test", "security", "--config", config]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^ok\\s+webhook:${rx.url}\\s`, "m"));
    assert.match(r.stdout, new RegExp(`^FAIL\\s+webhook:${downUrl} .*ECONNREFUSED`, "m"));
    assert.doesNotMatch(r.stdout, /\/good|\/bad/, "URL paths (which may be secrets) are not shown");
    const store = openSqliteStore(path.join(dir, "data"));
    try {
      const rows = await store.deliveries.list({ topic: "security" });
      assert.ok(rows.some((d) => d.subscription === `webhook:${downUrl}` && !d.ok));
    } finally {
      await store.close();
    }
  });

  it("an unknown topic is a usage error naming the known ones", async () => {
    const config = writeConfig("u.yaml", `      - { type: webhook, url: "${rx.url}/x" }\n`);
    const r = await runCli(["topics", "test", "nope", "--config", config]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no topic "nope"; known topics: security/);
  });
});
