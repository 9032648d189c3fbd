/**
 * Users and API tokens, for admins (the same as `mamori users` and `mamori api-tokens`). A token is shown
 * once, in the answer that creates it. An admin cannot remove themselves (no locking the last one out).
 */
import { z } from "zod";
import { parseDuration } from "../../core/duration.js";
import { errorMessage } from "../../core/errors.js";
import type { ApiDeps } from "../deps.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { hashPassword, OWASP_SCRYPT, passwordProblem } from "../password.js";
import { type ApiRouter, param, readJson } from "../router.js";
import { list, roleSchema } from "../schemas.js";
import { newApiToken, sha256 } from "../secrets.js";

const userInfo = z.object({ name: z.string(), role: roleSchema, totp: z.boolean(), createdAt: z.number() });
const newUser = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, "1-64 letters, digits, '_', '.', '@' or '-'"),
  role: roleSchema,
  password: z.string().min(1).max(1024),
});
const tokenInfo = z.object({
  id: z.string(),
  role: roleSchema,
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
});
const newToken = z.strictObject({
  role: roleSchema,
  ttl: z
    .union([z.number().positive(), z.string().max(20)])
    .optional()
    .describe("seconds or 30d/12h; default never"),
});
const createdToken = z.object({
  id: z.string(),
  token: z.string().describe("shown once"),
  role: roleSchema,
  expiresAt: z.number().nullable(),
});

export function userRoutes(r: ApiRouter, deps: ApiDeps): void {
  r.add(
    {
      method: "GET",
      path: "/api/v1/users",
      access: "admin",
      summary: "users",
      response: list(userInfo, "users"),
    },
    async (c) => {
      const users = await deps.store.users.list();
      return c.json({
        users: users.map((u) => ({
          name: u.name,
          role: u.role,
          totp: u.totpSecret !== null,
          createdAt: u.createdAt,
        })),
      });
    },
  );
  r.add(
    {
      method: "POST",
      path: "/api/v1/users",
      access: "admin",
      summary: "add a user",
      body: newUser,
      status: 204,
    },
    async (c) => {
      const body = await readJson(c, newUser);
      const problem = passwordProblem(body.password);
      if (problem) throw new ApiError(422, "invalid", problem);
      const now = deps.clock.now();
      const passwordHash = await hashPassword(body.password, deps.passwordParams ?? OWASP_SCRYPT);
      const added = await deps.store.users.add({
        name: body.name,
        role: body.role,
        passwordHash,
        totpSecret: null,
        createdAt: now,
        updatedAt: now,
      });
      if (!added) throw new ApiError(409, "exists", `user "${body.name}" exists already`);
      return c.body(null, 204);
    },
  );
  r.add(
    { method: "DELETE", path: "/api/v1/users/:name", access: "admin", summary: "remove a user", status: 204 },
    async (c) => {
      const name = param(c, "name");
      if (name === c.get("principal")?.user)
        throw new ApiError(409, "self", "you cannot remove yourself; another admin can");
      if (!(await deps.store.users.remove(name))) throw notFound(`user "${name}"`);
      return c.body(null, 204);
    },
  );

  r.add(
    {
      method: "GET",
      path: "/api/v1/api-tokens",
      access: "admin",
      summary: "API tokens (never their secrets)",
      response: list(tokenInfo, "tokens"),
    },
    async (c) => {
      const tokens = await deps.store.users.tokens();
      return c.json({ tokens: tokens.map(({ hash: _, ...t }) => t) });
    },
  );
  r.add(
    {
      method: "POST",
      path: "/api/v1/api-tokens",
      access: "admin",
      summary: "create an API token (shown once)",
      body: newToken,
      response: createdToken,
      status: 201,
    },
    async (c) => {
      const body = await readJson(c, newToken);
      let ttl: number | undefined;
      if (body.ttl !== undefined) {
        try {
          ttl = parseDuration(body.ttl);
        } catch (err) {
          throw badRequest(`ttl: ${errorMessage(err)}`);
        }
        if (ttl <= 0) throw badRequest("ttl must be positive");
      }
      const now = deps.clock.now();
      const t = newApiToken();
      const expiresAt = ttl === undefined ? null : now + ttl * 1000;
      await deps.store.users.putToken({
        id: t.id,
        hash: sha256(t.secret),
        role: body.role,
        createdBy: c.get("principal")?.user ?? "api",
        createdAt: now,
        expiresAt,
        lastUsedAt: null,
      });
      return c.json({ id: t.id, token: t.token, role: body.role, expiresAt }, 201);
    },
  );
  r.add(
    {
      method: "DELETE",
      path: "/api/v1/api-tokens/:id",
      access: "admin",
      summary: "revoke an API token",
      status: 204,
    },
    async (c) => {
      if (!(await deps.store.users.revokeToken(param(c, "id")))) throw notFound("API token");
      return c.body(null, 204);
    },
  );
}
