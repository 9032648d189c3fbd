/**
 * Who may do what. Every route is registered with the least role it needs (src/api/routes/table.ts);
 * `guard` resolves the caller from the session cookie or `Authorization: Bearer <api token>`, answers 401
 * when there is none and 403 when the role is too low, and checks CSRF on state-changing requests.
 *
 * CSRF: a session's state-changing request (anything but GET/HEAD/OPTIONS) must send the session's own
 * token in the `X-CSRF-Token` header (the synchronizer token; the UI reads it from GET /api/v1/session or
 * the non-HttpOnly `mamori_csrf` cookie), and a browser's `Origin` / `Sec-Fetch-Site`, when sent, must be
 * this server. SameSite=Strict already keeps the cookie off cross-site requests; the token holds even
 * where a browser or proxy does not. Bearer-token requests carry no ambient credential: no CSRF check.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Role, Store } from "../store/store.js";
import type { ApiDeps, ApiEnv, Principal } from "./deps.js";
import { ApiError } from "./errors.js";
import { parseApiToken, randomToken, sameSecret, sha256 } from "./secrets.js";

export const SESSION_COOKIE = "mamori_session";
export const CSRF_COOKIE = "mamori_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

/** public: no caller needed; viewer: any signed-in user or token; admin: admins only */
export type Access = "public" | Role;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export async function resolvePrincipal(c: Context<ApiEnv>, deps: ApiDeps): Promise<Principal | undefined> {
  const now = deps.clock.now();
  const auth = c.req.header("authorization");
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const parsed = m ? parseApiToken(m[1]) : undefined;
    if (!parsed) throw new ApiError(401, "unauthorized", "the Authorization header holds no valid API token");
    const t = await deps.store.users.token(parsed.id);
    if (!t || !sameSecret(t.hash, sha256(parsed.secret)) || (t.expiresAt !== null && t.expiresAt <= now))
      throw new ApiError(401, "unauthorized", "the API token is unknown, revoked or expired");
    await deps.store.users.touchToken(t.id, now);
    return { user: `token:${t.id}`, role: t.role, via: "token" };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return undefined;
  const s = await deps.store.users.session(sha256(cookie), now);
  if (!s) return undefined;
  const user = await deps.store.users.get(s.user);
  if (!user) return undefined;
  return { user: user.name, role: user.role, via: "session", csrf: s.csrf, sessionHash: s.idHash };
}

/** Whether a browser says the request comes from another site. */
export function crossSite(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") return true;
  // a browser's own verdict wins: under Referrer-Policy no-referrer, Chromium sends `Origin: null` on
  // same-origin form and fetch POSTs, which the Origin check below would refuse
  if (site === "same-origin") return false;
  const origin = c.req.header("origin");
  if (origin === undefined) return false;
  const host = c.req.header("host");
  try {
    return host === undefined || new URL(origin).host !== host;
  } catch {
    return true; // "null" and garbage origins
  }
}

export function checkCsrf(c: Context<ApiEnv>, p: Principal): void {
  if (SAFE_METHODS.has(c.req.method) || p.via !== "session") return;
  if (crossSite(c)) throw new ApiError(403, "csrf", "cross-site request refused");
  const sent = c.req.header(CSRF_HEADER) ?? "";
  if (!p.csrf || !sameSecret(sent, p.csrf))
    throw new ApiError(
      403,
      "csrf",
      `missing or wrong ${CSRF_HEADER} header (read the token from GET /api/v1/session or the ${CSRF_COOKIE} cookie)`,
    );
}

export function guard(access: Access, deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (access === "public") return next();
    const p = await resolvePrincipal(c, deps);
    if (!p) throw new ApiError(401, "unauthorized", "sign in (POST /api/v1/session) or send an API token");
    checkCsrf(c, p);
    if (access === "admin" && p.role !== "admin")
      throw new ApiError(403, "forbidden", `this needs the admin role; ${p.user} is a ${p.role}`);
    c.set("principal", p);
    return next();
  };
}

/** Opens a session for user: the HttpOnly session cookie, and the CSRF cookie the UI reads. */
export async function openSession(c: Context, deps: ApiDeps, user: string): Promise<{ csrf: string }> {
  const now = deps.clock.now();
  const id = randomToken(32);
  const csrf = randomToken(24);
  const ttl = deps.http.session_ttl;
  await deps.store.users.putSession({
    idHash: sha256(id),
    user,
    csrf,
    createdAt: now,
    expiresAt: now + ttl * 1000,
  });
  const secure = deps.http.tls !== undefined;
  setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: "Strict", secure, path: "/", maxAge: ttl });
  setCookie(c, CSRF_COOKIE, csrf, { httpOnly: false, sameSite: "Strict", secure, path: "/", maxAge: ttl });
  return { csrf };
}

export async function closeSession(c: Context, store: Store, p: Principal | undefined): Promise<void> {
  if (p?.sessionHash) await store.users.deleteSession(p.sessionHash);
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
  deleteCookie(c, CSRF_COOKIE, { path: "/" });
}
