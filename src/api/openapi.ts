/** The OpenAPI 3.1 document (GET /api/v1/openapi.json), generated from the route table and its zod schemas. */
import { z } from "zod";
import { CSRF_HEADER, SESSION_COOKIE } from "./auth.js";
import type { RouteSpec } from "./router.js";
import { errorSchema } from "./schemas.js";

type Json = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: "input" | "output"): Json =>
  z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;

const ERRORS: Record<string, string> = {
  "400": "bad input (malformed JSON, bad query)",
  "401": "not signed in, or a bad API token",
  "403": "role too low, CSRF check failed, or setup not done",
  "404": "no such thing",
  "409": "conflict (e.g. the jail is not running)",
  "413": "body too large",
  "422": "well-formed but invalid (e.g. a filter pattern's syntax error, with line/col)",
  "429": "too many failed logins (see Retry-After)",
};

function operation(r: RouteSpec): Json {
  const params: Json[] = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (r.query) {
    const q = schemaOf(r.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {}))
      params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema });
  }
  const ok: Json = r.response
    ? { description: "OK", content: { "application/json": { schema: schemaOf(r.response, "output") } } }
    : { description: "done, no body" };
  const status = String(r.status ?? (r.response ? 200 : 204));
  const errorContent = { "application/json": { schema: schemaOf(errorSchema, "output") } };
  return {
    summary: r.summary,
    "x-mamori-role": r.access,
    ...(r.access === "public" ? { security: [] } : {}),
    parameters: params,
    ...(r.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(r.body, "input") } },
          },
        }
      : {}),
    responses: {
      [status]: ok,
      ...Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [code, { description, content: errorContent }]),
      ),
    },
  };
}

export function openApiDocument(table: readonly RouteSpec[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of table) {
    const p = r.path.replace(/:([A-Za-z]+)/g, "{$1}");
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: operation(r) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "mamori API",
      version,
      description: `Session cookie (${SESSION_COOKIE}, POST /api/v1/session) with the ${CSRF_HEADER} header on state-changing requests, or Authorization: Bearer <api token>. Errors are {"error":{"code","message"}}. x-mamori-role: the least role a route needs.`,
    },
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
        token: { type: "http", scheme: "bearer" },
      },
    },
    security: [{ session: [] }, { token: [] }],
    paths,
  };
}
