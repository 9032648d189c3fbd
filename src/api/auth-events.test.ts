/**
 * Failed sign-ins: rate-limited per address and per user (429), written to `mamori/auth`, and banned by
 * the jail of examples/web-auth-jail.yaml. Clients connect from distinct loopback addresses (127.0.0.x),
 * so "per address" is real.
 */
import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../testing/cli.js";
import { waitFor } from "../testing/wait.js";
import { type Harness, PASSWORD, startHarness } from "./testing/harness.js";

function loginFrom(
  h: Harness,
  localAddress: string,
  username: string,
  password: string,
): Promise<{ status: number; retryAfter?: string }> {
  const body = JSON.stringify({ username, password });
  const u = new URL(`${h.url}/api/v1/session`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers["retry-after"] as string | undefined,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function authEvents(h: Harness): Promise<Array<Record<string, string>>> {
  const events = await h.daemon.store.logs.query({ group: "mamori/auth", limit: 1000 });
  return events.map((e) => JSON.parse(e.message) as Record<string, string>);
}

describe("failed sign-ins", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      loginLimits: { perUser: 3, perAddress: 5, windowMs: 15 * 60_000 },
      config: {
        jails: [
          {
            name: "web-auth",
            filter: path.join(repoRoot, "examples/mamori-web-auth.conf"),
            group: "mamori/auth",
            maxretry: 4,
            findtime: "10m",
            bantime: "1h",
            action: "dry-run",
            ignoreip: [],
            ignoreself: false,
          },
        ],
      },
    });
    await h.addUser("ana", "admin");
    await h.addUser("bob", "viewer");
  });
  after(() => h.close());

  it("answers 429 with Retry-After past the per-user limit, even for the right password; others go on", async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await loginFrom(h, "127.0.0.2", "ana", "wrong password")).status, 401);
    const blocked = await loginFrom(h, "127.0.0.2", "ana", PASSWORD);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.retryAfter) > 0 && Number(blocked.retryAfter) <= 900);
    // the same user from elsewhere is limited too (it is the user's limit), another user is not
    assert.equal((await loginFrom(h, "127.0.0.3", "ana", PASSWORD)).status, 429);
    assert.equal((await loginFrom(h, "127.0.0.3", "bob", PASSWORD)).status, 204);
    h.clock.advance(15 * 60_000 + 1000);
    assert.equal((await loginFrom(h, "127.0.0.3", "ana", PASSWORD)).status, 204);
  });

  it("answers 429 past the per-address limit, whatever the user name", async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await loginFrom(h, "127.0.0.4", `nobody${i}`, "x")).status, 401);
    assert.equal((await loginFrom(h, "127.0.0.4", "bob", PASSWORD)).status, 429);
    assert.equal((await loginFrom(h, "127.0.0.5", "bob", PASSWORD)).status, 204);
  });

  it("writes each failure to mamori/auth with the address first; hostile names stay inside their JSON string", async () => {
    const hostile = 'x","ip":"10.9.9.9<script>\n';
    assert.equal((await loginFrom(h, "127.0.0.7", hostile, "x")).status, 401);
    await waitFor(
      "the failure event",
      async () => (await authEvents(h)).some((e) => e.user === hostile),
      5000,
      20,
    );
    const events = await authEvents(h);
    const failed = events.filter((e) => e.event === "login_failed");
    assert.ok(failed.some((e) => e.ip === "127.0.0.2" && e.user === "ana" && e.reason === "bad_password"));
    assert.ok(failed.some((e) => e.ip === "127.0.0.2" && e.reason === "rate_limited"));
    assert.ok(failed.some((e) => e.ip === "127.0.0.4" && e.reason === "unknown_user"));
    assert.ok(events.some((e) => e.event === "login" && e.user === "bob" && e.ip === "127.0.0.3"));
    const raw = await h.daemon.store.logs.query({ group: "mamori/auth", limit: 1000 });
    for (const e of raw) assert.match(e.message, /^\{"event":"[a-z_]+","ip":"[0-9.a-f:]+","user":/);
    assert.ok(!(await h.daemon.store.bans.active("web-auth")).some((b) => b.ip === "10.9.9.9"));
  });

  it("lets the web-auth jail ban the guesser (examples/mamori-web-auth.conf)", async () => {
    for (let i = 0; i < 4; i++) await loginFrom(h, "127.0.0.9", `guess${i}`, "x");
    await waitFor(
      "a ban of 127.0.0.9",
      async () => (await h.daemon.store.bans.active("web-auth")).some((b) => b.ip === "127.0.0.9"),
      5000,
      20,
    );
  });
});
