/**
 * A real daemon with its web UI/API server on 127.0.0.1:0, a real SQLite store in a temporary data dir,
 * and a small HTTP client that keeps cookies like a browser (per client). Users get a cheap scrypt cost
 * here only, so tests that sign in many times stay quick; the format and code path are the real ones.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { configSchema } from "../../config/schema.js";
import { ManualClock } from "../../core/clock.js";
import { Daemon } from "../../daemon.js";
import type { Role } from "../../store/store.js";
import { hashPassword, type ScryptParams } from "../password.js";
import type { LoginLimits } from "../rate-limit.js";

export const CHEAP_SCRYPT: ScryptParams = { logN: 10, r: 8, p: 1 };
export const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
export const PASSWORD = "correct horse battery";

export interface Harness {
  daemon: Daemon;
  clock: ManualClock;
  url: string;
  dir: string;
  logs: string[];
  addUser(name: string, role: Role, totpSecret?: string | null): Promise<void>;
  client(): Client;
  /** a signed-in client */
  login(name: string, password?: string): Promise<Client>;
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Record<string, unknown>;
  loginLimits?: LoginLimits;
  webRoot?: string;
  maxBodyBytes?: number;
}

export async function startHarness(o: StartOptions = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-api-"));
  const logs: string[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void logs.push(s) });
  const clock = new ManualClock(T0);
  const config = configSchema.parse({
    data_dir: path.join(dir, "data"),
    http: { listen: "127.0.0.1:0" },
    ...o.config,
  });
  const daemon = new Daemon({
    config,
    clock,
    log,
    serveHttp: {
      passwordParams: CHEAP_SCRYPT,
      loginLimits: o.loginLimits,
      webRoot: o.webRoot ?? path.join(dir, "web"),
      maxBodyBytes: o.maxBodyBytes,
    },
    jailDeps: { ownAddresses: () => [], pollMs: 0 },
  });
  await daemon.start();
  const url = daemon.httpServer?.url();
  if (!url) throw new Error(`the API did not listen: ${logs.join("")}`);
  const h: Harness = {
    daemon,
    clock,
    url,
    dir,
    logs,
    async addUser(name, role, totpSecret = null) {
      await daemon.store.users.add({
        name,
        role,
        passwordHash: await hashPassword(PASSWORD, CHEAP_SCRYPT),
        totpSecret,
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
    },
    client: () => new Client(url),
    async login(name, password = PASSWORD) {
      const c = new Client(url);
      const r = await c.post("/api/v1/session", { username: name, password });
      if (r.status !== 204) throw new Error(`login of ${name}: ${r.status} ${await r.text()}`);
      return c;
    },
    async close() {
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** fetch with a cookie jar; sends the CSRF cookie back as X-CSRF-Token on POST/DELETE unless told not to. */
export class Client {
  readonly cookies = new Map<string, string>();
  /** the raw Set-Cookie headers of the last response */
  lastSetCookie: string[] = [];

  constructor(readonly base: string) {}

  async request(
    method: string,
    p: string,
    o: { body?: unknown; raw?: string; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...o.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (o.csrf !== false && method !== "GET" && this.cookies.has("mamori_csrf"))
      headers["x-csrf-token"] = this.cookies.get("mamori_csrf") as string;
    let body: string | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    const r = await fetch(this.base + p, { method, headers, body, redirect: "manual" });
    this.lastSetCookie = r.headers.getSetCookie();
    for (const sc of this.lastSetCookie) {
      const [pair] = sc.split(";");
      const i = pair.indexOf("=");
      const k = pair.slice(0, i);
      const v = pair.slice(i + 1);
      if (v === "" || /max-age=0/i.test(sc)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    return r;
  }

  get(p: string, headers?: Record<string, string>) {
    return this.request("GET", p, { headers });
  }
  post(p: string, body?: unknown, o: { headers?: Record<string, string>; csrf?: boolean } = {}) {
    return this.request("POST", p, { body, ...o });
  }
  delete(p: string, o: { headers?: Record<string, string>; csrf?: boolean } = {}) {
    return this.request("DELETE", p, o);
  }
}
