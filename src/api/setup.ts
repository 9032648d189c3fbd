/**
 * First start: while no user exists, the server answers nothing but the one-time setup link the daemon
 * logs (`/setup?token=...`), which creates the first admin. The page is plain HTML with a form (no script,
 * so the strict CSP holds); scripts may POST /api/v1/setup with JSON instead.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { crossSite, openSession } from "./auth.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { ApiError, sendError } from "./errors.js";
import { hashPassword, OWASP_SCRYPT } from "./password.js";
import { issuesText, readJson } from "./router.js";
import { AUTH_GROUP, authEvent } from "./routes/session.js";
import { setupBody } from "./schemas.js";
import { randomToken, sameSecret } from "./secrets.js";

export class SetupGate {
  /** the one-time token while no user exists */
  token?: string;
  private open = false;

  constructor(private readonly deps: ApiDeps) {}

  /** Whether users exist; when none do, makes the setup token (once) and returns it. */
  async check(): Promise<string | undefined> {
    if (this.open) return undefined;
    if ((await this.deps.store.users.count()) > 0) {
      this.open = true;
      this.token = undefined;
      return undefined;
    }
    this.token ??= randomToken(24);
    return this.token;
  }

  /** Refuses every request but the setup ones while no user exists. */
  middleware(): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      if (this.open || (await this.check()) === undefined) return next();
      const p = c.req.path;
      if (p === "/setup" || p === "/setup.css" || p === "/api/v1/setup") return next();
      return sendError(
        c,
        new ApiError(403, "setup_required", "no user exists yet: open the setup link mamori logged at start"),
      );
    };
  }

  /** Creates the first admin; false when the token is wrong or setup is over. */
  async complete(token: string, username: string, password: string): Promise<boolean> {
    const want = await this.check();
    if (want === undefined || !sameSecret(token, want)) return false;
    const now = this.deps.clock.now();
    const passwordHash = await hashPassword(password, this.deps.passwordParams ?? OWASP_SCRYPT);
    const added = await this.deps.store.users.add({
      name: username,
      role: "admin",
      passwordHash,
      totpSecret: null,
      createdAt: now,
      updatedAt: now,
    });
    if (added) {
      this.token = undefined;
      this.open = true;
    }
    return added;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function setupPage(token: string, problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mamori — first admin</title><link rel="stylesheet" href="/setup.css"></head>
<body><main><h1>mamori: create the first admin</h1>
${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ""}
<form method="post" action="/setup">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<p><label>User name <input name="username" autocomplete="username" required pattern="[A-Za-z0-9_.@\\-]{1,64}"></label></p>
<p><label>Password (10 characters or more) <input name="password" type="password" autocomplete="new-password" required minlength="10"></label></p>
<p><button type="submit">Create admin</button></p>
</form></main></body></html>`;
}

/** The look of the UI's sign-in card (src/web/style.css), light and dark. */
const SETUP_CSS = [
  ":root{color-scheme:light dark;--bg:#f5f6f8;--panel:#fff;--fg:#1b1f24;--muted:#5b6472;--border:#dde1e6;--accent:#2f6fdb;--bad:#d1242f}",
  "@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--panel:#171b21;--fg:#e6e9ed;--muted:#9aa4b2;--border:#2a3038;--accent:#5b93f0;--bad:#ff6b6b}}",
  "*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;padding:16px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,sans-serif}",
  "main{width:100%;max-width:400px;padding:24px;background:var(--panel);border:1px solid var(--border);border-radius:12px}",
  "h1{font-size:20px;margin:0 0 16px}label{display:block;font-size:12px;color:var(--muted)}p[role=alert]{color:var(--bad)}",
  "input{display:block;width:100%;margin-top:4px;padding:7px 10px;min-height:36px;font:inherit;font-size:14px;color:var(--fg);background:var(--panel);border:1px solid var(--border);border-radius:6px}",
  "button{width:100%;min-height:36px;padding:8px;font:inherit;font-weight:600;color:#fff;background:var(--accent);border:1px solid var(--accent);border-radius:6px;cursor:pointer}",
  ":focus-visible{outline:2px solid var(--accent);outline-offset:2px}",
].join("");

async function createFromForm(c: Context<ApiEnv>, gate: SetupGate, deps: ApiDeps): Promise<Response> {
  if (crossSite(c)) return sendError(c, new ApiError(403, "csrf", "cross-site request refused"));
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const input = { token: form.token, username: form.username, password: form.password };
  const parsed = setupBody.safeParse(input);
  const token = typeof form.token === "string" ? form.token : "";
  if (!parsed.success) return c.html(setupPage(token, issuesText(parsed.error)), 422);
  if (!(await gate.complete(parsed.data.token, parsed.data.username, parsed.data.password)))
    return sendError(c, new ApiError(403, "setup_token", "the setup link is wrong or was used already"));
  deps.detections.emit(
    AUTH_GROUP,
    authEvent("setup", c.get("clientIp"), parsed.data.username, deps.clock.now()),
  );
  await openSession(c, deps, parsed.data.username);
  return c.redirect("/", 303);
}

export function setupRoutes(app: Hono<ApiEnv>, gate: SetupGate, deps: ApiDeps): void {
  app.get("/setup.css", (c) => c.body(SETUP_CSS, 200, { "Content-Type": "text/css; charset=utf-8" }));
  app.get("/setup", async (c) => {
    const want = await gate.check();
    if (want === undefined) return c.redirect("/login", 302);
    const token = c.req.query("token") ?? "";
    if (!sameSecret(token, want))
      return sendError(
        c,
        new ApiError(403, "setup_token", "the setup link is wrong; use the one mamori logged at start"),
      );
    return c.html(setupPage(token));
  });
  app.post("/setup", (c) => createFromForm(c, gate, deps));
  app.post("/api/v1/setup", async (c) => {
    if (crossSite(c)) throw new ApiError(403, "csrf", "cross-site request refused");
    const body = await readJson(c, setupBody);
    if (!(await gate.complete(body.token, body.username, body.password)))
      throw new ApiError(403, "setup_token", "the setup token is wrong or was used already");
    deps.detections.emit(AUTH_GROUP, authEvent("setup", c.get("clientIp"), body.username, deps.clock.now()));
    await openSession(c, deps, body.username);
    return c.body(null, 204);
  });
}
