import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { waitFor } from "../../testing/wait.js";
import { testContext } from "../shared/testing/context.js";
import { httpSourceSchema } from "./config.js";
import { http as httpFactory } from "./index.js";
import type { HttpIngestSource } from "./source.js";

const execFileAsync = promisify(execFile);
const TOKEN = "s3cr3t-token-for-tests";
const GROUP = "/var/log/app";
const url = (port: number, group = GROUP, stream = "web-1") =>
  `http://127.0.0.1:${port}/v1/logs/${encodeURIComponent(group)}/${encodeURIComponent(stream)}`;

async function start() {
  const config = httpSourceSchema.parse({
    type: "http",
    listen: "127.0.0.1:0",
    tokens: ["another-token", TOKEN],
    groups: [GROUP, "other"],
    max_body_bytes: 2000,
  });
  const t = testContext({ id: httpFactory.defaultId(config) });
  const source = httpFactory.create(config, t.ctx) as HttpIngestSource;
  const ac = new AbortController();
  const running = source.run(ac.signal);
  await Promise.race([source.listening, running]);
  return {
    t,
    source,
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

const good = {
  events: [
    { timestamp: Date.UTC(2023, 10, 25, 8, 0, 0), message: "GET /index.html 200" },
    { timestamp: Date.UTC(2023, 10, 25, 8, 0, 1), message: "GET /admin 500" },
    { timestamp: Date.UTC(2023, 10, 25, 8, 0, 2), message: '{"level":"error","msg":"db down"}' },
  ],
};

const rejected: Array<{
  name: string;
  status: number;
  error: RegExp;
  body?: string;
  auth?: string;
  method?: string;
  path?: (port: number) => string;
}> = [
  { name: "wrong token", status: 401, error: /bearer token/, auth: "Bearer not-the-token" },
  { name: "no Authorization header", status: 401, error: /bearer token/, auth: "" },
  { name: "Basic instead of Bearer", status: 401, error: /bearer token/, auth: `Basic ${TOKEN}` },
  {
    name: "oversized body",
    status: 413,
    error: /larger than 2000 bytes/,
    body: JSON.stringify({ events: [{ timestamp: 1, message: "x".repeat(5000) }] }),
  },
  { name: "bad JSON", status: 400, error: /not valid JSON/, body: '{"events":[{"timestamp":1,' },
  { name: "not an events object", status: 400, error: /expected a JSON object/, body: "[1,2,3]" },
  {
    name: "one bad event among good ones (nothing half-written)",
    status: 400,
    error: /events\[1\]\.timestamp/,
    body: JSON.stringify({ events: [good.events[0], { timestamp: "yesterday", message: "x" }] }),
  },
  {
    name: "empty message",
    status: 400,
    error: /events\[0\]\.message/,
    body: '{"events":[{"timestamp":1,"message":""}]}',
  },
  { name: "group not allowed", status: 403, error: /may not be written/, path: (p) => url(p, "/etc/shadow") },
  { name: "GET", status: 405, error: /use POST/, method: "GET", body: "" },
  {
    name: "unknown path",
    status: 404,
    error: /POST \/v1\/logs/,
    path: (p) => `http://127.0.0.1:${p}/v1/other`,
  },
];

test("HTTP ingest rejects bad requests with a clear 4xx and stores nothing", async () => {
  const { t, source, stop } = await start();
  try {
    for (const r of rejected) {
      const res = await fetch(r.path?.(source.port) ?? url(source.port), {
        method: r.method ?? "POST",
        headers: {
          "content-type": "application/json",
          ...(r.auth !== "" ? { authorization: r.auth ?? `Bearer ${TOKEN}` } : {}),
        },
        body: r.method === "GET" ? undefined : (r.body ?? JSON.stringify(good)),
      });
      assert.equal(res.status, r.status, r.name);
      const body = (await res.json()) as { error: string };
      assert.match(body.error, r.error, r.name);
    }
    assert.equal((await t.store.logs.groups()).length, 0, "nothing was stored");
    const s = source.stats();
    assert.equal(s.rejected_auth, 3);
    assert.equal(s.rejected_too_large, 1);
    assert.equal(s.accepted_events, 0);
  } finally {
    await stop();
  }
});

test("an oversized body sent without Content-Length (chunked) is cut off with 413", async () => {
  const { t, source, stop } = await start();
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(url(source.port), {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write('{"events":[{"timestamp":1,"message":"');
      for (let i = 0; i < 10; i++) req.write("y".repeat(500));
      req.end('"}]}');
    });
    assert.equal(status, 413);
    assert.equal((await t.store.logs.groups()).length, 0);
  } finally {
    await stop();
  }
});

test("a good batch is stored whole before 200 {accepted:N}", async () => {
  const { t, source, stop } = await start();
  try {
    const res = await fetch(url(source.port), {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(good),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 3 });
    // the answer came after the commit: the events are there without waiting
    const stored = await t.stored(GROUP);
    assert.deepEqual(
      stored.map((e) => [e.stream, e.timestamp, e.message]),
      good.events.map((e) => ["web-1", e.timestamp, e.message]),
    );
    assert.ok(stored.every((e) => e.ingestTime === t.clock.now()));
    assert.equal(source.stats().accepted_events, 3);
  } finally {
    await stop();
  }
});

test("a store failure answers 503 and the client can retry", async () => {
  const { t, source, stop } = await start();
  try {
    t.failAfter = 0;
    const post = () =>
      fetch(url(source.port), {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(good),
      });
    const failed = await post();
    assert.equal(failed.status, 503);
    assert.match(((await failed.json()) as { error: string }).error, /retry/);
    t.failAfter = undefined;
    assert.equal((await post()).status, 200);
    assert.equal((await t.stored(GROUP)).length, 3);
  } finally {
    await stop();
  }
});

/** Starts a source on config (merged over a plain one); stop() ends it. */
async function startWith(over: Record<string, unknown>) {
  const config = httpSourceSchema.parse({ type: "http", listen: "127.0.0.1:0", tokens: [TOKEN], ...over });
  const t = testContext({ id: httpFactory.defaultId(config) });
  const source = httpFactory.create(config, t.ctx) as HttpIngestSource;
  const ac = new AbortController();
  const running = source.run(ac.signal);
  await Promise.race([source.listening, running]);
  return {
    t,
    source,
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

const post = (port: number, token: string, group: string, body: unknown = good) =>
  fetch(url(port, group), {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

test("a token with groups: may write only to its groups (403 otherwise); a plain token to any allowed", async () => {
  const { t, source, stop } = await startWith({
    tokens: [TOKEN, { token: "web-only", groups: ["/var/log/nginx"] }],
    groups: [GROUP, "/var/log/nginx", "/var/log/secure"],
  });
  try {
    const forbidden = await post(source.port, "web-only", "/var/log/secure");
    assert.equal(forbidden.status, 403);
    assert.match(
      ((await forbidden.json()) as { error: string }).error,
      /this token may not write to log group "\/var\/log\/secure" \(its groups: \/var\/log\/nginx\)/,
    );
    assert.equal((await t.stored("/var/log/secure")).length, 0, "nothing stored for a jail to see");
    assert.equal((await post(source.port, "web-only", "/var/log/nginx")).status, 200);
    assert.equal((await post(source.port, TOKEN, "/var/log/secure")).status, 200);
    assert.equal((await post(source.port, "unknown", "/var/log/nginx")).status, 401);
    assert.equal(source.stats().rejected_forbidden, 1);
  } finally {
    await stop();
  }
});

test("an event time no date can hold is refused with 400 and counted; the batch is not stored", async () => {
  const { t, source, stop } = await startWith({});
  try {
    const table: Array<[number, RegExp]> = [
      [2 ** 53 - 1, /events\[1\]\.timestamp 9007199254740991 is after 9999-12-31 .*not microseconds/],
      [Date.UTC(10000, 0, 1), /events\[1\]\.timestamp \d+ is after 9999-12-31/],
      [2 ** 53, /events\[1\]\.timestamp must be milliseconds since 1970/],
    ];
    for (const [timestamp, want] of table) {
      const res = await post(source.port, TOKEN, GROUP, {
        events: [good.events[0], { timestamp, message: "from the far future" }],
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, want);
    }
    assert.equal(source.stats().rejected_bad_timestamp, 3);
    assert.equal((await t.stored(GROUP)).length, 0);
    const lastMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const edge = await post(source.port, TOKEN, GROUP, { events: [{ timestamp: lastMs, message: "edge" }] });
    assert.equal(edge.status, 200, "the last millisecond of 9999 is taken");
  } finally {
    await stop();
  }
});

test("tls: HTTPS with a self-signed certificate made here; plain HTTP gets no answer, is counted", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-http-tls-"));
  try {
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    await execFileAsync("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ]);
    const { t, source, stop } = await startWith({ tls: { cert, key } });
    try {
      const ca = await readFile(cert);
      const answer = await new Promise<{ status: number; body: string; authorized: boolean }>(
        (resolve, reject) => {
          const req = https.request(
            `https://127.0.0.1:${source.port}/v1/logs/${encodeURIComponent(GROUP)}/web-1`,
            { method: "POST", ca, agent: false, headers: { authorization: `Bearer ${TOKEN}` } },
            (res) => {
              const authorized = (res.socket as TLSSocket).authorized;
              let body = "";
              res.setEncoding("utf8").on("data", (d: string) => (body += d));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body, authorized }));
            },
          );
          req.on("error", reject);
          req.end(JSON.stringify(good));
        },
      );
      assert.equal(answer.status, 200, answer.body);
      assert.ok(answer.authorized, "the client verified the listener's certificate");
      assert.equal((await t.stored(GROUP)).length, 3);
      await assert.rejects(post(source.port, TOKEN, GROUP), "plain HTTP is not answered");
      await waitFor("the plain-text client to be counted", () => source.stats().tls_errors >= 1);
      assert.equal((await t.stored(GROUP)).length, 3, "nothing more was stored");
    } finally {
      await stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("tls: missing certificate files make run() reject with every file named", async () => {
  const config = httpSourceSchema.parse({
    type: "http",
    listen: "127.0.0.1:0",
    tokens: [TOKEN],
    tls: { cert: "/nonexistent/cert.pem", key: "/nonexistent/key.pem" },
  });
  const source = httpFactory.create(config, testContext().ctx);
  await assert.rejects(
    source.run(new AbortController().signal),
    // both missing files named, in the config's order, whichever read failed first
    /^Error: http ingest tls\.cert \/nonexistent\/cert\.pem: ENOENT; tls\.key \/nonexistent\/key\.pem: ENOENT \(fix the path/,
  );
});
