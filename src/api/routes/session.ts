/**
 * Sign-in and sign-out (POST/DELETE /api/v1/session). Failed logins are rate-limited per address and per
 * user and written as events to `mamori/auth`, so a jail can ban whoever guesses passwords
 * (examples/web-auth-jail.yaml). The event puts the address first, before anything the client chose.
 */
import type { Context } from "hono";
import { closeSession, openSession } from "../auth.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { hashPassword, OWASP_SCRYPT, verifyPassword } from "../password.js";
import { LoginLimiter } from "../rate-limit.js";
import { type ApiRouter, readJson } from "../router.js";
import { loginBody, sessionInfo } from "../schemas.js";
import { Slots } from "../slots.js";
import { verifyTotp } from "../totp.js";

export const AUTH_GROUP = "mamori/auth";

export type LoginFailure = "unknown_user" | "bad_password" | "totp_required" | "bad_totp" | "rate_limited";

/** One line of `mamori/auth`. */
export function authEvent(
  event: "login" | "login_failed" | "logout" | "setup",
  ip: string,
  user: string,
  now: number,
  reason?: LoginFailure,
) {
  return { event, ip, user, ...(reason ? { reason } : {}), time: new Date(now).toISOString() };
}

export function sessionRoutes(r: ApiRouter, deps: ApiDeps): void {
  const limiter = new LoginLimiter(deps.clock, deps.loginLimits);
  const slots = new Slots(2, 64);
  // unknown users cost the same scrypt as known ones, so timing does not tell which names exist
  let dummy: Promise<string> | undefined;
  const dummyHash = () => {
    dummy ??= hashPassword("not a password of anyone", deps.passwordParams ?? OWASP_SCRYPT);
    return dummy;
  };

  r.add(
    {
      method: "POST",
      path: "/api/v1/session",
      access: "public",
      summary: "sign in (sets the session cookie)",
      body: loginBody,
      status: 204,
    },
    async (c: Context<ApiEnv>) => {
      const body = await readJson(c, loginBody);
      const ip = c.get("clientIp");
      const fail = (
        reason: LoginFailure,
        status: 401 | 429 = 401,
        message = "wrong user name, password or code",
      ) => {
        deps.detections.emit(
          AUTH_GROUP,
          authEvent("login_failed", ip, body.username, deps.clock.now(), reason),
        );
        return new ApiError(
          status,
          reason === "totp_required" ? "totp_required" : status === 429 ? "rate_limited" : "unauthorized",
          message,
        );
      };
      const wait = limiter.retryAfter(ip, body.username);
      if (wait > 0) {
        c.header("Retry-After", String(wait));
        throw fail("rate_limited", 429, `too many failed logins; try again in ${wait} s`);
      }
      const user = await deps.store.users.get(body.username);
      const checked = await slots.run(async () =>
        verifyPassword(body.password, user?.passwordHash ?? (await dummyHash())),
      );
      if (!checked) {
        c.header("Retry-After", "5");
        throw new ApiError(429, "busy", "too many sign-ins at once; try again in a few seconds");
      }
      const ok = checked.value;
      let failure: LoginFailure | undefined = !user ? "unknown_user" : !ok ? "bad_password" : undefined;
      if (!failure && user?.totpSecret) {
        if (body.totp === undefined) failure = "totp_required";
        else if (!verifyTotp(user.totpSecret, body.totp, deps.clock.now())) failure = "bad_totp";
      }
      if (failure || !user) {
        limiter.failed(ip, body.username);
        throw fail(
          failure ?? "unknown_user",
          401,
          failure === "totp_required"
            ? "this account needs the 6-digit code of its authenticator (totp)"
            : undefined,
        );
      }
      limiter.succeeded(user.name);
      deps.detections.emit(AUTH_GROUP, authEvent("login", ip, user.name, deps.clock.now()));
      await openSession(c, deps, user.name);
      return c.body(null, 204);
    },
  );

  r.add(
    {
      method: "GET",
      path: "/api/v1/session",
      access: "viewer",
      summary: "who is signed in, and the CSRF token",
      response: sessionInfo,
    },
    (c) => {
      const p = c.get("principal");
      if (!p) throw new ApiError(401, "unauthorized", "not signed in");
      return c.json({ user: p.user, role: p.role, via: p.via, ...(p.csrf ? { csrfToken: p.csrf } : {}) });
    },
  );

  r.add(
    { method: "DELETE", path: "/api/v1/session", access: "viewer", summary: "sign out", status: 204 },
    async (c) => {
      await closeSession(c, deps.store, c.get("principal"));
      return c.body(null, 204);
    },
  );
}
