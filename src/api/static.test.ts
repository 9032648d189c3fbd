/**
 * The UI's files: strict CSP on every answer, the page addresses of the spec answer index.html, hashed
 * assets are cached, nothing outside the web root is reachable. And HTTPS: cookies are Secure under TLS.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type Harness, PASSWORD, startHarness } from "./testing/harness.js";

const execFileAsync = promisify(execFile);

describe("static files", () => {
  let h: Harness;
  let parent: string;
  let web: string;
  before(async () => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-web-root-"));
    web = path.join(parent, "web");
    fs.mkdirSync(web);
    fs.mkdirSync(path.join(web, "assets"));
    fs.writeFileSync(
      path.join(web, "index.html"),
      '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>',
    );
    fs.writeFileSync(path.join(web, "assets", "app-1a2b.js"), "console.log(1)");
    fs.writeFileSync(path.join(path.dirname(web), "secret-outside.txt"), "nope");
    h = await startHarness({ webRoot: web });
    await h.addUser("ana", "admin");
  });
  after(async () => {
    await h.close();
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it("answers index.html with a strict CSP at every page address of the spec", async () => {
    for (const p of [
      "/",
      "/logs?group=G&pattern=P",
      "/alarms",
      "/alarms/ssh%20storm",
      "/bans",
      "/host",
      "/agents",
      "/login",
    ]) {
      const r = await h.client().get(p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get("content-type") ?? "", /text\/html/);
      const csp = r.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'(;|$)/, p);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.match(await r.text(), /app-1a2b\.js/);
    }
  });

  it("serves assets with long caching and the right type; 404 for the rest, never outside the root", async () => {
    const js = await h.client().get("/assets/app-1a2b.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(js.headers.get("cache-control") ?? "", /immutable/);
    for (const p of [
      "/assets/none.js",
      "/../secret-outside.txt",
      "/assets/..%2f..%2fsecret-outside.txt",
      "/%2e%2e/secret-outside.txt",
      "/nope",
    ]) {
      const r = await h.client().get(p);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(await r.text(), /nope$/);
    }
  });
});

describe("HTTPS", () => {
  let h: Harness;
  let ca: Buffer;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-api-tls-"));
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    await execFileAsync("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ]);
    ca = fs.readFileSync(cert);
    h = await startHarness({ config: { http: { listen: "127.0.0.1:0", tls: { cert, key } } } });
    await h.addUser("ana", "admin");
  });
  after(async () => {
    await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("listens on https and marks the cookies Secure", async () => {
    assert.match(h.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = JSON.stringify({ username: "ana", password: PASSWORD });
    const res = await new Promise<{ status: number; cookies: string[] }>((resolve, reject) => {
      const req = https.request(
        `${h.url}/api/v1/session`,
        { method: "POST", ca, agent: false, headers: { "content-type": "application/json" } },
        (r) => {
          r.resume();
          r.on("end", () =>
            resolve({ status: r.statusCode ?? 0, cookies: (r.headers["set-cookie"] ?? []) as string[] }),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(res.status, 204);
    assert.equal(res.cookies.length, 2);
    for (const c of res.cookies) {
      assert.match(c, /; Secure/);
      assert.match(c, /SameSite=Strict/);
    }
  });
});
