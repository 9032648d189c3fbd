/**
 * Every route of the table, one by one: 401 without a caller, 403 for a viewer on admin routes (session and
 * API token alike), and a viewer gets through on viewer routes. The table is the one the server enforces.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildApiApp } from "./app.js";
import type { ApiDeps } from "./deps.js";
import type { RouteSpec } from "./router.js";
import { type Client, type Harness, startHarness } from "./testing/harness.js";

const SAMPLE_PARAMS: Record<string, string> = {
  group: "auth",
  namespace: "Mamori",
  name: "none",
  jail: "sshd",
  ip: "203.0.113.9",
  id: "000000000000",
};

function concretePath(r: RouteSpec): string {
  const p = r.path.replace(/:([A-Za-z]+)/g, (_, k: string) => encodeURIComponent(SAMPLE_PARAMS[k] ?? "x"));
  return r.path === "/api/v1/logs/events" ? `${p}?group=auth` : p;
}

async function call(c: Client, r: RouteSpec, headers?: Record<string, string>) {
  const res = await c.request(r.method, concretePath(r), {
    body: r.method === "POST" ? {} : undefined,
    headers,
  });
  await res.body?.cancel(); // the SSE stream stays open otherwise
  return res.status;
}

describe("roles, route by route", () => {
  let h: Harness;
  let table: readonly RouteSpec[];
  let viewer: Client;
  let admin: Client;
  let viewerToken: string;
  before(async () => {
    h = await startHarness({ config: { jails: [] } });
    await h.addUser("ana", "admin");
    await h.addUser("vic", "viewer");
    viewer = await h.login("vic");
    admin = await h.login("ana");
    table = buildApiApp({ log: { child: () => ({}) } } as unknown as ApiDeps).table;
    const { newApiToken, sha256 } = await import("./secrets.js");
    const t = newApiToken();
    await h.daemon.store.users.putToken({
      id: t.id,
      hash: sha256(t.secret),
      role: "viewer",
      createdBy: "test",
      createdAt: h.clock.now(),
      expiresAt: h.clock.now() + 3600_000,
      lastUsedAt: null,
    });
    viewerToken = t.token;
  });
  after(() => h.close());

  it("covers the spec's routes", () => {
    const have = new Set(table.map((r) => `${r.method} ${r.path}`));
    for (const want of [
      "POST /api/v1/session",
      "DELETE /api/v1/session",
      "GET /api/v1/logs/groups",
      "GET /api/v1/logs/groups/:group/streams",
      "GET /api/v1/logs/events",
      "GET /api/v1/metrics/:namespace/:name",
      "GET /api/v1/alarms",
      "GET /api/v1/alarms/:name",
      "POST /api/v1/alarms/:name/acknowledge",
      "GET /api/v1/jails",
      "GET /api/v1/bans",
      "POST /api/v1/bans",
      "DELETE /api/v1/bans/:jail/:ip",
      "GET /api/v1/fim/changes",
      "GET /api/v1/rootcheck/findings",
      "GET /api/v1/audit/results",
      "GET /api/v1/stream",
      "GET /api/v1/openapi.json",
    ])
      assert.ok(have.has(want), want);
  });

  it("401 without a session or token on every non-public route", async () => {
    for (const r of table.filter((x) => x.access !== "public"))
      assert.equal(await call(h.client(), r), 401, `${r.method} ${r.path}`);
  });

  it("403 for a viewer (session or token) on every admin route", async () => {
    const admins = table.filter((x) => x.access === "admin");
    assert.ok(admins.length >= 3);
    for (const r of admins) {
      assert.equal(await call(viewer, r), 403, `session ${r.method} ${r.path}`);
      assert.equal(
        await call(h.client(), r, { authorization: `Bearer ${viewerToken}` }),
        403,
        `token ${r.method} ${r.path}`,
      );
    }
  });

  it("a viewer gets through on every viewer route; an admin on every admin route", async () => {
    // signing out last: it ends the session the others use
    const signOutLast = (x: RouteSpec) => (x.method === "DELETE" && x.path === "/api/v1/session" ? 1 : 0);
    for (const r of table
      .filter((x) => x.access === "viewer")
      .sort((a, b) => signOutLast(a) - signOutLast(b))) {
      const s = await call(viewer, r);
      assert.ok(![401, 403].includes(s), `${r.method} ${r.path}: ${s}`);
      const t = await call(h.client(), r, { authorization: `Bearer ${viewerToken}` });
      assert.ok(![401, 403].includes(t), `token ${r.method} ${r.path}: ${t}`);
    }
    for (const r of table.filter((x) => x.access === "admin")) {
      const s = await call(admin, r);
      assert.ok(![401, 403].includes(s), `${r.method} ${r.path}: ${s}`);
    }
  });

  it("refuses a wrong, revoked or expired API token with 401", async () => {
    const r = table.find((x) => x.path === "/api/v1/alarms") as RouteSpec;
    assert.equal(await call(h.client(), r, { authorization: "Bearer mmr_000000000000_nope" }), 401);
    assert.equal(await call(h.client(), r, { authorization: `Bearer ${viewerToken}x` }), 401);
    h.clock.advance(3600_000);
    assert.equal(await call(h.client(), r, { authorization: `Bearer ${viewerToken}` }), 401);
  });
});
