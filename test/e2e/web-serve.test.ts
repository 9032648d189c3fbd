/**
 * The web UI/API as a user meets it: `mamori serve` logs a one-time setup link, the link creates the first
 * admin, `mamori users add` (password on stdin) adds a viewer who signs in (real OWASP scrypt cost),
 * `mamori api-tokens create|revoke` gives and takes a script's access, SIGTERM closes it all.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCli, spawnCli } from "../../src/testing/cli.js";
import { freePort, waitFor } from "../../src/testing/wait.js";

describe("mamori serve: the web UI/API server", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-web-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("logs a setup link, creates the first admin, takes CLI users and API tokens", async () => {
    const port = await freePort();
    const file = path.join(dir, "mamori.yaml");
    fs.writeFileSync(file, `data_dir: ${path.join(dir, "data")}\nhttp:\n  listen: 127.0.0.1:${port}\n`);
    const child = spawnCli(["serve", "--config", file]);
    let log = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (log += d));
    child.stdout.setEncoding("utf8").on("data", (d) => (log += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const base = `http://127.0.0.1:${port}`;
    const cli = (args: string[], input?: string) => runCli([...args, "--config", file], { input });
    try {
      const link = await waitFor(
        "the setup link",
        () => new RegExp(`${base}/setup\\?token=[A-Za-z0-9_-]+`).exec(log)?.[0],
        30_000,
      );
      assert.equal(
        (await fetch(`${base}/api/v1/alarms`)).status,
        403,
        "nothing but setup before the first user",
      );
      const token = new URL(link).searchParams.get("token");
      const setup = await fetch(`${base}/api/v1/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, username: "admin", password: "first admin password" }),
      });
      assert.equal(setup.status, 204);
      assert.match(setup.headers.getSetCookie().join("\n"), /mamori_session=.*HttpOnly/);

      const add = await cli(["users", "add", "vera", "--role", "viewer"], "vera's long password\n");
      assert.equal(add.code, 0, add.stderr);
      const dup = await cli(["users", "add", "vera", "--role", "viewer"], "another password 1\n");
      assert.equal(dup.code, 2);
      assert.equal((await cli(["users", "add", "x", "--role", "root"], "another password 1\n")).code, 2);
      assert.equal((await cli(["users", "add", "shorty", "--role", "viewer"], "short\n")).code, 2);
      const list = await cli(["users", "list", "--json"]);
      assert.deepEqual(
        list.stdout
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { name: string; role: string }).role),
        ["admin", "viewer"],
      );
      const login = await fetch(`${base}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "vera", password: "vera's long password" }),
      });
      assert.equal(login.status, 204);

      const created = await cli(["api-tokens", "create", "--role", "viewer", "--ttl", "1h", "--json"]);
      assert.equal(created.code, 0, created.stderr);
      const t = JSON.parse(created.stdout) as { id: string; token: string };
      const auth = { authorization: `Bearer ${t.token}` };
      assert.equal((await fetch(`${base}/api/v1/logs/groups`, { headers: auth })).status, 200);
      const listed = await cli(["api-tokens", "list", "--json"]);
      // the secret is all after "mmr_<id>_" (base64url has "_" of its own: a split at "_" gave a piece)
      const secret = t.token.slice(`mmr_${t.id}_`.length);
      assert.equal(secret.length, 43);
      assert.ok(
        listed.stdout.includes(t.id) && !listed.stdout.includes(secret),
        "list never shows the secret",
      );
      assert.equal((await cli(["api-tokens", "revoke", t.id])).code, 0);
      assert.equal((await fetch(`${base}/api/v1/logs/groups`, { headers: auth })).status, 401);

      assert.equal((await cli(["users", "remove", "vera"])).code, 0);
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("serve --no-http binds no web port (tests and headless hosts)", async () => {
    const port = await freePort();
    const file = path.join(dir, "no-http.yaml");
    fs.writeFileSync(
      file,
      `data_dir: ${path.join(dir, "data-no-http")}\nhttp:\n  listen: 127.0.0.1:${port}\n`,
    );
    const child = spawnCli(["serve", "--no-http", "--config", file]);
    let log = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (log += d));
    child.stdout.setEncoding("utf8").on("data", (d) => (log += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitFor("mamori is running", () => log.includes("mamori is running"), 30_000);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`), "nothing listens on the web port");
      assert.doesNotMatch(log, /setup\?token=/);
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
