/** Setup link, sign-in, cookies, CSRF and the read routes, over real HTTP against a real daemon. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Harness, PASSWORD, startHarness } from "./testing/harness.js";
import { base32Decode, newTotpSecret, totp } from "./totp.js";

describe("first start: the setup link", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it("logs the link, refuses everything else, and creates the first admin once", async () => {
    const line = h.logs.find((l) => l.includes("/setup?token="));
    assert.ok(line, "the daemon logs the setup link");
    const link = /(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]+)/.exec(line)?.[1];
    assert.ok(link);
    const token = new URL(link).searchParams.get("token") as string;
    const c = h.client();
    for (const p of ["/api/v1/alarms", "/api/v1/session", "/", "/api/v1/openapi.json"]) {
      const r = await c.get(p);
      assert.equal(r.status, 403, p);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "setup_required");
    }
    assert.equal((await c.get("/setup?token=wrong")).status, 403);
    const page = await c.get(`/setup?token=${token}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<form method="post" action="\/setup">/);
    assert.doesNotMatch(html, /<script/);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const css = await c.get("/setup.css");
    assert.equal(css.status, 200, "the setup page's style sheet is reachable before setup");
    assert.match(css.headers.get("content-type") ?? "", /text\/css/);
    // a cross-site form post is refused even with the token
    const cross = await c.request("POST", "/setup", {
      raw: new URLSearchParams({ token, username: "eve", password: "0123456789ab" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
    });
    assert.equal(cross.status, 403);
    const r = await c.request("POST", "/setup", {
      raw: new URLSearchParams({ token, username: "root-admin", password: PASSWORD }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/");
    const me = await c.get("/api/v1/session");
    assert.equal(me.status, 200);
    assert.deepEqual(((await me.json()) as { user: string; role: string }).role, "admin");
    // the link works once
    const again = await h.client().post("/api/v1/setup", { token, username: "second", password: PASSWORD });
    assert.equal(again.status, 403);
    assert.equal((await h.daemon.store.users.list()).length, 1);
  });
});

describe("sessions", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.addUser("ana", "admin");
    await h.addUser("vic", "viewer");
  });
  after(() => h.close());

  it("answers 401 without a session or token", async () => {
    const r = await h.client().get("/api/v1/logs/groups");
    assert.equal(r.status, 401);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "unauthorized");
    assert.equal(typeof body.error.message, "string");
  });

  it("sets HttpOnly SameSite=Strict cookies (not Secure without TLS) and signs out", async () => {
    const c = h.client();
    const r = await c.post("/api/v1/session", { username: "ana", password: PASSWORD });
    assert.equal(r.status, 204);
    const session = c.lastSetCookie.find((s) => s.startsWith("mamori_session="));
    assert.ok(session);
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Strict/);
    assert.match(session, /Path=\//);
    assert.doesNotMatch(session, /Secure/);
    const csrf = c.lastSetCookie.find((s) => s.startsWith("mamori_csrf="));
    assert.ok(csrf);
    assert.doesNotMatch(csrf, /HttpOnly/);
    const me = (await (await c.get("/api/v1/session")).json()) as { user: string; csrfToken: string };
    assert.equal(me.user, "ana");
    assert.equal(me.csrfToken, c.cookies.get("mamori_csrf"));
    assert.equal((await c.get("/api/v1/logs/groups")).status, 200);
    assert.equal((await c.delete("/api/v1/session")).status, 204);
    assert.equal((await c.get("/api/v1/logs/groups")).status, 401);
  });

  it("asks a TOTP user for the code and takes only the right one", async () => {
    const secret = newTotpSecret();
    await h.addUser("tia", "viewer", secret);
    const c = h.client();
    const without = await c.post("/api/v1/session", { username: "tia", password: PASSWORD });
    assert.equal(without.status, 401);
    assert.equal(((await without.json()) as { error: { code: string } }).error.code, "totp_required");
    const code = totp(base32Decode(secret), h.clock.now());
    const wrong = code === "000000" ? "000001" : "000000";
    assert.equal(
      (await c.post("/api/v1/session", { username: "tia", password: PASSWORD, totp: wrong })).status,
      401,
    );
    assert.equal(
      (await c.post("/api/v1/session", { username: "tia", password: "wrong password", totp: code })).status,
      401,
    );
    assert.equal(
      (await c.post("/api/v1/session", { username: "tia", password: PASSWORD, totp: code })).status,
      204,
    );
    assert.equal((await c.get("/api/v1/session")).status, 200);
  });

  it("ends a session after session_ttl (clock stepped)", async () => {
    const c = await h.login("vic");
    assert.equal((await c.get("/api/v1/session")).status, 200);
    h.clock.advance(12 * 3600_000 + 1000);
    assert.equal((await c.get("/api/v1/session")).status, 401);
  });

  it("refuses a state-changing request without the CSRF token, or from another site", async () => {
    const c = await h.login("ana");
    const body = { why: "known maintenance" };
    const noToken = await c.post("/api/v1/alarms/none/acknowledge", body, { csrf: false });
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, "csrf");
    const cross = await c.post("/api/v1/alarms/none/acknowledge", body, {
      headers: { origin: "https://evil.example" },
    });
    assert.equal(cross.status, 403);
    const fetchSite = await c.post("/api/v1/alarms/none/acknowledge", body, {
      headers: { "sec-fetch-site": "cross-site" },
    });
    assert.equal(fetchSite.status, 403);
    // with the token the request gets through to the route (no such alarm: 404)
    assert.equal((await c.post("/api/v1/alarms/none/acknowledge", body)).status, 404);
  });

  it("answers bad input with 4xx, never 500", async () => {
    const c = h.client();
    const cases: Array<[string, Parameters<typeof c.request>[2]]> = [
      ["malformed JSON", { raw: "{nope", headers: { "content-type": "application/json" } }],
      ["not JSON", { raw: "username=a", headers: { "content-type": "application/x-www-form-urlencoded" } }],
      ["wrong shape", { body: { username: 5, password: [] } }],
      ["unknown keys", { body: { username: "ana", password: PASSWORD, admin: true } }],
      [
        "oversized",
        {
          raw: JSON.stringify({ username: "ana", password: "x".repeat(200_000) }),
          headers: { "content-type": "application/json" },
        },
      ],
      [
        "<script> and invalid UTF-8",
        {
          raw: '{"username":"<script>\udc00","password":"\\u0000"}',
          headers: { "content-type": "application/json" },
        },
      ],
    ];
    for (const [what, o] of cases) {
      const r = await c.request("POST", "/api/v1/session", o);
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status}`);
      const body = (await r.json()) as { error: { code: string } };
      assert.equal(typeof body.error.code, "string", what);
    }
    const viewer = await h.login("vic");
    const q = await viewer.get("/api/v1/logs/events?group=x&limit=zero");
    assert.equal(q.status, 400);
    assert.equal((await viewer.get("/api/v1/logs/events?group=x&next=garbage!")).status, 400);
    assert.equal((await viewer.get("/api/v1/metrics/a/b?dimensions={bad")).status, 400);
    assert.equal((await viewer.get("/api/v1/nothing-here")).status, 404);
  });

  it("puts a pattern's syntax error at its position (422)", async () => {
    const c = await h.login("vic");
    const r = await c.get(`/api/v1/logs/events?group=auth&pattern=${encodeURIComponent("{ $.user = ")}`);
    assert.equal(r.status, 422);
    const body = (await r.json()) as { error: { code: string; line: number; col: number; message: string } };
    assert.equal(body.error.code, "pattern_syntax");
    assert.equal(body.error.line, 1);
    assert.ok(body.error.col > 1);
    assert.match(body.error.message, /^1:\d+: /);
  });
});
