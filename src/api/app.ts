/**
 * The Hono app: security headers, the first-start setup gate, a body size limit, every /api/v1 route
 * (each with its least role, see router.ts), the SSE stream, the OpenAPI document and the UI's files.
 * Errors are `{"error":{"code","message"}}`; bad input is a 4xx, never a 500.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { errorMessage } from "../core/errors.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { ApiError, errorBody, sendError } from "./errors.js";
import { openApiDocument } from "./openapi.js";
import { ApiRouter, type RouteSpec, readQuery } from "./router.js";
import { agentRoutes } from "./routes/agents.js";
import { alarmRoutes } from "./routes/alarms.js";
import { banRoutes } from "./routes/bans.js";
import { hidsRoutes } from "./routes/hids.js";
import { compileOr422, logRoutes } from "./routes/logs.js";
import { metricRoutes } from "./routes/metrics.js";
import { sessionRoutes } from "./routes/session.js";
import { userRoutes } from "./routes/users.js";
import { SetupGate, setupRoutes } from "./setup.js";
import { defaultWebRoot, securityHeaders, staticRoutes } from "./static.js";
import { StreamHub } from "./stream.js";

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const API_VERSION = "1.0.0";

export interface ApiApp {
  app: Hono<ApiEnv>;
  table: readonly RouteSpec[];
  hub: StreamHub;
  setup: SetupGate;
}

const streamQuery = z.strictObject({
  tail: z.string().min(1).max(512).optional(),
  pattern: z.string().max(1024).optional(),
});

export function buildApiApp(deps: ApiDeps): ApiApp {
  const app = new Hono<ApiEnv>();
  const hub = new StreamHub();
  const setup = new SetupGate(deps);

  app.use("*", async (c, next) => {
    let ip = "unknown";
    try {
      ip = getConnInfo(c).remote.address ?? "unknown";
    } catch {
      // app.request() in tests has no socket
    }
    c.set("clientIp", ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1"));
    return next();
  });
  app.use("*", securityHeaders());
  app.use("*", setup.middleware());
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          errorBody("too_large", `the body is over ${deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`),
          413,
        ),
    }),
  );
  setupRoutes(app, setup, deps);

  const r = new ApiRouter(app, deps);
  sessionRoutes(r, deps);
  logRoutes(r, deps);
  metricRoutes(r, deps);
  alarmRoutes(r, deps);
  banRoutes(r, deps);
  hidsRoutes(r, deps);
  agentRoutes(r, deps);
  userRoutes(r, deps);
  r.add(
    {
      method: "GET",
      path: "/api/v1/stream",
      access: "viewer",
      summary: "Server-Sent Events: alarm, ban, finding, agent, tail (?tail=GROUP&pattern=P)",
      query: streamQuery,
    },
    (c) => {
      const q = readQuery(c, streamQuery);
      const tail = q.tail ? { group: q.tail, pattern: compileOr422(q.pattern) } : undefined;
      return hub.respond(c, deps.clock, tail);
    },
  );
  let doc: unknown;
  r.add({ method: "GET", path: "/api/v1/openapi.json", access: "public", summary: "this document" }, (c) => {
    doc ??= openApiDocument(r.table, API_VERSION);
    return c.json(doc);
  });

  staticRoutes(app, deps.webRoot ?? defaultWebRoot());

  app.notFound((c) => sendError(c, new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    if (err instanceof ApiError) return sendError(c, err);
    if (err instanceof HTTPException && err.status < 500)
      return sendError(
        c,
        new ApiError(err.status === 413 ? 413 : 400, "bad_request", err.message || "bad request"),
      );
    deps.log.error({ err: errorMessage(err), path: c.req.path, method: c.req.method }, "API request failed");
    return sendError(c, new ApiError(500, "internal", "the server failed; the log says why"));
  });
  return { app, table: r.table, hub, setup };
}
