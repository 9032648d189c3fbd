/**
 * The fleet's agents through the API: the list `mamori agents list --json` prints (same fields), and
 * revocation by an admin, which the store the fleet server checks on every request then holds.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Harness, startHarness, T0 } from "./testing/harness.js";

describe("API: fleet agents", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.addUser("ada", "admin");
    await h.addUser("vic", "viewer");
    const agents = h.daemon.store.agents;
    await agents.addToken({ id: "t1", hash: "h1", group: "web", uses: 2, used: 0, expiresAt: T0 + 3600_000, createdAt: T0 });
    for (const [id, name] of [
      ["a-1", "web-1"],
      ["a-2", '<img src=x onerror="alert(1)">'],
    ])
      assert.deepEqual(await agents.enroll("h1", T0, { id, name, certFingerprint: `fp-${id}`, enrolledAt: T0 }), {
        ok: true,
        group: "web",
      });
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
});
