import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseToken } from "../../fleet/enroll/token.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { runCli } from "../../testing/cli.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-agents-cli-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("mamori agents", () => {
  it("token create needs a server: section, then prints a token with the address and CA pin; list and remove work", async () => {
    const plain = path.join(tmp, "plain.yaml");
    fs.writeFileSync(plain, `data_dir: ${path.join(tmp, "plain-data")}\n`);
    const refused = await runCli(["agents", "token", "create", "-c", plain]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /has no `server:` section: add server: \{ name: HOST \}/);

    const cfg = path.join(tmp, "server.yaml");
    fs.writeFileSync(
      cfg,
      `data_dir: ${path.join(tmp, "data")}\nserver: { name: fleet.example.com, listen: "0.0.0.0:1600" }\n`,
    );
    const bad = await runCli([
      "agents",
      "token",
      "create",
      "-c",
      cfg,
      "--group",
      "web;rm -rf /",
      "--uses",
      "0",
    ]);
    assert.equal(bad.code, 2);
    const made = await runCli([
      "agents",
      "token",
      "create",
      "-c",
      cfg,
      "--group",
      "web",
      "--uses",
      "3",
      "--ttl",
      "2h",
    ]);
    assert.equal(made.code, 0, made.stderr);
    const t = parseToken(made.stdout.trim());
    assert.equal(t.server, "fleet.example.com:1600");
    assert.match(t.ca, /^[0-9a-f]{64}$/);
    assert.equal(fs.statSync(path.join(tmp, "data", "fleet", "ca.key")).mode & 0o777, 0o600);
    const list = await runCli(["agents", "token", "list", "-c", cfg, "--json"]);
    const tokens = list.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(tokens.length, 1);
    assert.deepEqual([tokens[0].group, tokens[0].uses, tokens[0].used], ["web", 3, 0]);
    assert.ok(!list.stdout.includes(t.secret), "the secret is never shown again");
    const agents = await runCli(["agents", "list", "-c", cfg, "--json"]);
    assert.equal(agents.stdout, "");
    const unknown = await runCli(["agents", "remove", "ag-0000", "-c", cfg]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no agent ag-0000; see mamori agents list/);
    const removed = await runCli(["agents", "token", "remove", tokens[0].id, "-c", cfg]);
    assert.equal(removed.code, 0, removed.stderr);
  });

  it("check: exactly one target, a known check; without a running server it says so and exits 1", async () => {
    const cfg = path.join(tmp, "check.yaml");
    fs.writeFileSync(cfg, `data_dir: ${path.join(tmp, "check-data")}\n`);
    for (const args of [
      ["fim"],
      ["ag-1", "fim", "--all"],
      ["--group", "web", "--all", "fim"],
      ["a", "b", "c"],
    ]) {
      const r = await runCli(["agents", "check", ...args, "-c", cfg]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /name the agents once: mamori agents check ID CHECK/);
    }
    const badGroup = await runCli(["agents", "check", "--group", "web;rm -rf /", "fim", "-c", cfg]);
    assert.equal(badGroup.code, 2);
    const none = await runCli(["agents", "check", "--all", "fim", "-c", cfg]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no agents enrolled/);
    const yara = await runCli(["agents", "check", "ag-1", "yara", "-c", cfg]);
    assert.equal(yara.code, 2);
    assert.match(yara.stderr, /unknown check "yara"; use one of fim, rootcheck, audit/);
    // an enrolled agent, but no fleet server running on this data dir: the request waits, the CLI says so
    const store = openSqliteStore(path.join(tmp, "check-data"));
    try {
      await store.agents.addToken({
        id: "t",
        hash: "h",
        group: "web",
        uses: 1,
        used: 0,
        expiresAt: Date.now() + 60_000,
        createdAt: 0,
      });
      await store.agents.enroll("h", Date.now(), {
        id: "ag-1",
        name: "web-1",
        certFingerprint: "fp",
        enrolledAt: 0,
      });
    } finally {
      await store.close();
    }
    const waiting = await runCli(["agents", "check", "ag-1", "fim", "-c", cfg, "--wait", "1s"]);
    assert.equal(waiting.code, 1, waiting.stderr);
    assert.match(
      waiting.stderr,
      /no fleet server picked it up within 1s; is `mamori serve` \(with server:\) running/,
    );
  });
});
