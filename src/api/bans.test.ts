/**
 * Bans through the API go through the running jail's ban manager: the action runs, `mamori bans list`
 * (a separate process reading the same store) agrees, `mamori/bans` gets the events, and SSE viewers see
 * them live. Also: the live tail, acknowledgements and the OpenAPI document.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot, runCli } from "../testing/cli.js";
import { waitFor } from "../testing/wait.js";
import { type Client, type Harness, startHarness } from "./testing/harness.js";

async function cliBans(h: Harness): Promise<Array<{ jail: string; ip: string; end: string | null }>> {
  const r = await runCli(["bans", "list", "--json", "--data-dir", path.join(h.dir, "data")]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Reads SSE frames from a stream response into `frames` as they come. */
function collectSse(res: Response, frames: Array<{ event: string; data: string }>): () => Promise<void> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i = buf.indexOf("\n\n");
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data !== undefined) frames.push({ event, data });
        i = buf.indexOf("\n\n");
      }
    }
  })();
  return () => reader.cancel();
}

describe("bans, the live stream, alarms", () => {
  let h: Harness;
  let admin: Client;
  before(async () => {
    h = await startHarness({
      config: {
        jails: [
          {
            name: "web",
            filter: path.join(repoRoot, "examples/mamori-web-auth.conf"),
            group: "mamori/auth",
            action: "dry-run",
          },
        ],
        metric_filters: [
          {
            name: "f",
            group: "mamori/auth",
            pattern: '{ $.event = "login_failed" }',
            metric: { namespace: "Mamori", name: "WebFail" },
          },
        ],
        alarms: [
          {
            name: "web-fail",
            metric: { namespace: "Mamori", name: "WebFail" },
            statistic: "Sum",
            period: 60,
            evaluation_periods: 1,
            threshold: 100,
            comparison: "GreaterThanThreshold",
          },
        ],
      },
    });
    await h.addUser("ana", "admin");
    admin = await h.login("ana");
  });
  after(() => h.close());

  it("bans and unbans through the jail, and `mamori bans list` agrees; SSE viewers see both", async () => {
    const stream = await admin.get("/api/v1/stream");
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get("content-type") ?? "", /text\/event-stream/);
    const frames: Array<{ event: string; data: string }> = [];
    const stop = collectSse(stream, frames);
    await waitFor("hello", () => frames.some((f) => f.event === "hello"), 5000, 10);

    const r = await admin.post("/api/v1/bans", { jail: "web", ip: "203.0.113.9", duration: -1 });
    assert.equal(r.status, 201, await r.clone().text());
    const ban = (await r.json()) as { jail: string; ip: string; end: number | null };
    assert.deepEqual([ban.jail, ban.ip, ban.end], ["web", "203.0.113.9", null]);
    const listed = (await (await admin.get("/api/v1/bans")).json()) as { bans: Array<{ ip: string }> };
    assert.deepEqual(
      listed.bans.map((b) => b.ip),
      ["203.0.113.9"],
    );
    assert.deepEqual(
      (await cliBans(h)).map((b) => [b.jail, b.ip]),
      [["web", "203.0.113.9"]],
    );
    await waitFor(
      "the ban on the stream",
      () => frames.some((f) => f.event === "ban" && f.data.includes("203.0.113.9")),
      5000,
      10,
    );

    // the guards of `mamori bans add` hold here too
    for (const ip of ["0.0.0.0", "224.0.0.1", "10.0.0.0/4", "not-an-ip; rm -rf /"]) {
      const bad = await admin.post("/api/v1/bans", { jail: "web", ip });
      assert.equal(bad.status, 422, ip);
    }
    assert.equal((await admin.post("/api/v1/bans", { jail: "nope", ip: "203.0.113.10" })).status, 404);

    assert.equal((await admin.delete("/api/v1/bans/web/203.0.113.9")).status, 204);
    assert.deepEqual(await cliBans(h), []);
    assert.equal((await admin.delete("/api/v1/bans/web/203.0.113.9")).status, 404);
    await waitFor(
      "the unban on the stream",
      () => frames.some((f) => f.event === "ban" && f.data.includes("unban")),
      5000,
      10,
    );
    const events = await h.daemon.store.logs.query({ group: "mamori/bans", limit: 10 });
    assert.deepEqual(
      events.map((e) => (JSON.parse(e.message) as { action: string }).action),
      ["ban", "unban"],
    );
    await stop();
  });

  it("tails a group live, filtered by a pattern", async () => {
    const pattern = encodeURIComponent('{ $.reason = "unknown_user" }');
    const stream = await admin.get(`/api/v1/stream?tail=mamori%2Fauth&pattern=${pattern}`);
    const frames: Array<{ event: string; data: string }> = [];
    const stop = collectSse(stream, frames);
    await waitFor("hello", () => frames.some((f) => f.event === "hello"), 5000, 10);
    await h.client().post("/api/v1/session", { username: "ghost", password: "whatever1" });
    await h.client().post("/api/v1/session", { username: "ana", password: "wrong password" });
    await waitFor("the tail event", () => frames.some((f) => f.event === "tail"), 5000, 10);
    const tails = frames
      .filter((f) => f.event === "tail")
      .map((f) => JSON.parse(f.data) as { message: string });
    assert.ok(tails.every((t) => t.message.includes('"unknown_user"')));
    assert.ok(tails.some((t) => t.message.includes('"ghost"')));
    await stop();
    assert.equal((await admin.get("/api/v1/stream?tail=x&pattern=%7B")).status, 422);
  });

  it("shows alarms and stores who acknowledged, why and until when", async () => {
    const list = (await (await admin.get("/api/v1/alarms")).json()) as {
      alarms: Array<{ name: string; state: string; threshold: number }>;
    };
    assert.deepEqual(
      list.alarms.map((a) => [a.name, a.threshold]),
      [["web-fail", 100]],
    );
    const until = h.clock.now() + 3600_000;
    const r = await admin.post("/api/v1/alarms/web-fail/acknowledge", {
      why: "pen test <b>today</b>",
      until,
    });
    assert.equal(r.status, 204);
    const detail = (await (await admin.get("/api/v1/alarms/web-fail")).json()) as {
      acknowledged: { by: string; why: string; until: number };
      history: unknown[];
      datapoints: unknown[];
    };
    assert.deepEqual(
      detail.acknowledged && [detail.acknowledged.by, detail.acknowledged.why, detail.acknowledged.until],
      ["ana", "pen test <b>today</b>", until],
    );
    assert.ok(Array.isArray(detail.history) && Array.isArray(detail.datapoints));
    assert.equal(
      (await admin.post("/api/v1/alarms/web-fail/acknowledge", { why: "x", until: 5 })).status,
      400,
    );
    assert.equal((await admin.post("/api/v1/alarms/web-fail/acknowledge", {})).status, 422);
    h.clock.advance(3600_000 + 1);
    const later = (await (await admin.get("/api/v1/alarms/web-fail")).json()) as { acknowledged: unknown };
    assert.equal(later.acknowledged, null);
  });

  it("serves host-check findings from their mamori/* groups, and streams them as `finding`", async () => {
    const stream = await admin.get("/api/v1/stream");
    const frames: Array<{ event: string; data: string }> = [];
    const stop = collectSse(stream, frames);
    await waitFor("hello", () => frames.some((f) => f.event === "hello"), 5000, 10);
    h.daemon.parts.detections.emit("mamori/fim", {
      path: "/etc/passwd",
      change: "modified",
      note: "<img src=x>",
    });
    h.daemon.parts.detections.emit("mamori/rootcheck", { finding: "hidden process", pid: 4242 });
    await waitFor(
      "the fim change",
      async () => {
        const page = (await (await admin.get("/api/v1/fim/changes")).json()) as {
          events: Array<{ message: string }>;
        };
        return page.events.length === 1 && page.events[0].message.includes("/etc/passwd");
      },
      5000,
      20,
    );
    const rc = (await (
      await admin.get("/api/v1/rootcheck/findings?pattern=%7B%24.pid%3D4242%7D")
    ).json()) as {
      events: unknown[];
    };
    assert.equal(rc.events.length, 1);
    assert.equal(
      ((await (await admin.get("/api/v1/audit/results")).json()) as { events: unknown[] }).events.length,
      0,
    );
    await waitFor(
      "two findings on the stream",
      () => frames.filter((f) => f.event === "finding").length === 2,
      5000,
      10,
    );
    await stop();
  });

  it("lets an admin manage users and API tokens (token shown once, never listed)", async () => {
    assert.equal(
      (await admin.post("/api/v1/users", { name: "new-viewer", role: "viewer", password: "short" })).status,
      422,
    );
    assert.equal(
      (await admin.post("/api/v1/users", { name: "new-viewer", role: "viewer", password: "long enough pw" }))
        .status,
      204,
    );
    assert.equal(
      (await admin.post("/api/v1/users", { name: "new-viewer", role: "viewer", password: "long enough pw" }))
        .status,
      409,
    );
    assert.equal(
      (await admin.post("/api/v1/users", { name: "<script>", role: "viewer", password: "long enough pw" }))
        .status,
      422,
    );
    const users = (await (await admin.get("/api/v1/users")).json()) as { users: Array<{ name: string }> };
    assert.deepEqual(
      users.users.map((u) => u.name),
      ["ana", "new-viewer"],
    );
    assert.equal((await admin.delete("/api/v1/users/ana")).status, 409, "not yourself");
    const created = await admin.post("/api/v1/api-tokens", { role: "viewer", ttl: "1h" });
    assert.equal(created.status, 201);
    const t = (await created.json()) as { id: string; token: string };
    const listed = await (await admin.get("/api/v1/api-tokens")).text();
    // the secret is everything after "mmr_<id>_": base64url has "_" of its own, so splitting at "_" gave a
    // piece of it, sometimes one character or none, which the listing contains by chance
    const secret = t.token.slice(`mmr_${t.id}_`.length);
    assert.equal(secret.length, 43);
    assert.ok(listed.includes(t.id) && !listed.includes(secret));
    const bearer = { authorization: `Bearer ${t.token}` };
    assert.equal((await h.client().get("/api/v1/jails", bearer)).status, 200);
    assert.equal((await admin.delete(`/api/v1/api-tokens/${t.id}`)).status, 204);
    assert.equal((await h.client().get("/api/v1/jails", bearer)).status, 401);
    assert.equal((await admin.delete("/api/v1/users/new-viewer")).status, 204);
  });

  it("serves the OpenAPI document generated from the route table", async () => {
    const doc = (await (await h.client().get("/api/v1/openapi.json")).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { "x-mamori-role": string; requestBody?: unknown; parameters: Array<{ name: string }> }
        >
      >;
    };
    assert.equal(doc.openapi, "3.1.0");
    assert.equal(doc.paths["/api/v1/bans"].post["x-mamori-role"], "admin");
    assert.ok(doc.paths["/api/v1/bans"].post.requestBody);
    assert.ok(doc.paths["/api/v1/logs/events"].get.parameters.some((p) => p.name === "pattern"));
    assert.ok(doc.paths["/api/v1/bans/{jail}/{ip}"].delete);
  });
});
