/**
 * The fleet's agents through the API: the list `mamori agents list --json` prints (same fields), and
 * revocation by an admin, which the store the fleet server checks on every request then holds.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseToken } from "../fleet/enroll/token.js";
import { type Harness, startHarness, T0 } from "./testing/harness.js";

describe("API: fleet agents", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.addUser("ada", "admin");
    await h.addUser("vic", "viewer");
    const agents = h.daemon.store.agents;
    await agents.addToken({
      id: "t1",
      hash: "h1",
      group: "web",
      uses: 2,
      used: 0,
      expiresAt: T0 + 3600_000,
      createdAt: T0,
    });
    for (const [id, name] of [
      ["a-1", "web-1"],
      ["a-2", '<img src=x onerror="alert(1)">'],
    ])
      assert.deepEqual(
        await agents.enroll("h1", T0, { id, name, certFingerprint: `fp-${id}`, enrolledAt: T0 }),
        {
          ok: true,
          group: "web",
        },
      );
  });
  after(() => h.close());

  it("lists every agent for a viewer, with the fields of `agents list --json`", async () => {
    const vic = await h.login("vic");
    const r = await vic.get("/api/v1/agents");
    assert.equal(r.status, 200);
    const body = (await r.json()) as { agents: Array<Record<string, unknown>> };
    assert.deepEqual(
      body.agents.map((a) => [a.id, a.name, a.group, a.status, a.lastSeen]),
      [
        ["a-1", "web-1", "web", "never_connected", null],
        ["a-2", '<img src=x onerror="alert(1)">', "web", "never_connected", null],
      ],
    );
    assert.deepEqual(Object.keys(body.agents[0]).sort(), [
      "address",
      "configVersion",
      "group",
      "id",
      "lastSeen",
      "name",
      "status",
      "version",
    ]);
  });

  it("an admin revokes an agent (204, status revoked); a viewer may not (403); an unknown id is 404", async () => {
    const vic = await h.login("vic");
    assert.equal((await vic.delete("/api/v1/agents/a-1")).status, 403);
    const ada = await h.login("ada");
    assert.equal((await ada.delete("/api/v1/agents/a-1")).status, 204);
    assert.equal((await h.daemon.store.agents.get("a-1"))?.status, "revoked");
    assert.equal((await h.daemon.store.agents.get("a-2"))?.status, "never_connected");
    const missing = await ada.delete("/api/v1/agents/nope");
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "not_found");
  });

  it("an admin asks agents to run a check now: the request is stored for the fleet server; answers are read back", async () => {
    const ada = await h.login("ada");
    const r = await ada.post("/api/v1/agents/checks", { check: "fim", agent: "a-2", wait: 0 });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as { request: number; sent: boolean; done: boolean; results: unknown[] };
    assert.deepEqual([body.sent, body.done, body.results], [false, false, []]);
    const stored = await h.daemon.store.agents.getCheck(body.request);
    assert.deepEqual([stored?.check, stored?.target], ["fim", { agent: "a-2" }]);
    // what the fleet server records when it sends the request and the agent answers (src/fleet/server/checks.ts)
    await h.daemon.store.agents.checkSent(body.request, T0, [{ agent: "a-2", name: "<b>x</b>" }]);
    type Got = { done: boolean; results: unknown[] };
    let got = (await (await ada.get(`/api/v1/agents/checks/${body.request}`)).json()) as Got;
    assert.deepEqual(got, {
      request: body.request,
      check: "fim",
      sent: true,
      done: false,
      results: [{ agent: "a-2", name: "<b>x</b>", state: "pending", error: null }],
    });
    await h.daemon.store.agents.checkAnswered(
      body.request,
      "a-2",
      false,
      "fim is not configured on this agent",
      T0,
    );
    got = (await (await ada.get(`/api/v1/agents/checks/${body.request}`)).json()) as Got;
    assert.equal(got.done, true);
    assert.deepEqual(got.results[0], {
      agent: "a-2",
      name: "<b>x</b>",
      state: "error",
      error: "fim is not configured on this agent",
    });
    assert.equal((await ada.get("/api/v1/agents/checks/999")).status, 404);
    assert.equal((await ada.get("/api/v1/agents/checks/1;drop")).status, 404);
  });

  it("check requests: admin only, with CSRF; bad checks and targets are refused with what to do", async () => {
    const vic = await h.login("vic");
    assert.equal((await vic.post("/api/v1/agents/checks", { check: "fim", all: true, wait: 0 })).status, 403);
    const ada = await h.login("ada");
    assert.equal(
      (await ada.post("/api/v1/agents/checks", { check: "fim", all: true, wait: 0 }, { csrf: false })).status,
      403,
    );
    const cases: Array<[unknown, number, RegExp]> = [
      [{ check: "yara", all: true }, 422, /check/],
      [{ check: "fim" }, 422, /name the agents once/],
      [{ check: "fim", all: true, group: "web" }, 422, /name the agents once/],
      [{ check: "fim", agent: "nope", wait: 0 }, 422, /no agent "nope"/],
      [{ check: "fim", agent: "a-1", wait: 0 }, 422, /revoked/],
      [{ check: "fim", group: "db", wait: 0 }, 422, /no agent in group "db"/],
      [{ check: "fim", group: "web;rm -rf /", wait: 0 }, 422, /group: use 1-64 letters/],
      [{ check: "fim", all: true, wait: 3600 }, 422, /wait/],
    ];
    for (const [body, status, re] of cases) {
      const r = await ada.post("/api/v1/agents/checks", body);
      assert.equal(r.status, status, JSON.stringify(body));
      const error = ((await r.json()) as { error: { message: string } }).error;
      assert.match(error.message, re, JSON.stringify(body));
    }
  });

  it("enrollment tokens: refused without server:, admin only", async () => {
    const ada = await h.login("ada");
    const r = await ada.post("/api/v1/agents/tokens", { group: "web" });
    assert.equal(r.status, 409);
    assert.match(JSON.stringify(await r.json()), /not a fleet server: add server:/);
    const vic = await h.login("vic");
    assert.equal((await vic.post("/api/v1/agents/tokens", {})).status, 403);
  });
});

describe("API: enrollment tokens on a fleet server", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { server: { name: "fleet.example.com", listen: "127.0.0.1:0" } } });
    await h.addUser("ada", "admin");
  });
  after(() => h.close());

  it("an admin makes a token with group, uses and ttl; it pins the CA and is stored hashed, shown once", async () => {
    const ada = await h.login("ada");
    const r = await ada.post("/api/v1/agents/tokens", { group: "web", uses: 3, ttl: "2h" });
    assert.equal(r.status, 201, await r.clone().text());
    assert.equal(r.headers.get("cache-control"), "no-store");
    const body = (await r.json()) as {
      token: string;
      id: string;
      group: string;
      uses: number;
      expires: string;
    };
    const t = parseToken(body.token);
    assert.match(t.server, /^fleet\.example\.com:\d+$/);
    assert.match(t.ca, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      [body.group, body.uses, body.expires],
      ["web", 3, new Date(T0 + 2 * 3600_000).toISOString()],
    );
    const tokens = await h.daemon.store.agents.tokens();
    assert.deepEqual(
      tokens.map((x) => [x.id, x.group, x.uses, x.used, x.expiresAt]),
      [[body.id, "web", 3, 0, T0 + 2 * 3600_000]],
    );
    assert.ok(!JSON.stringify(tokens).includes(t.secret), "only the hash is stored");
    const defaults = (await (await ada.post("/api/v1/agents/tokens", {})).json()) as {
      group: string;
      uses: number;
    };
    assert.deepEqual([defaults.group, defaults.uses], ["default", 1]);
  });

  it("refuses bad groups, uses and ttls, and requests without CSRF", async () => {
    const ada = await h.login("ada");
    for (const body of [
      { group: "web;rm -rf /" },
      { group: "<script>" },
      { uses: 0 },
      { uses: 1.5 },
      { ttl: "forever" },
      { ttl: 0 },
      { extra: 1 },
    ]) {
      const r = await ada.post("/api/v1/agents/tokens", body);
      assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)}: ${r.status}`);
    }
    assert.equal((await ada.post("/api/v1/agents/tokens", {}, { csrf: false })).status, 403);
    assert.equal((await h.daemon.store.agents.tokens()).length, 2);
  });
});
