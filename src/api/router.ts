/**
 * Routes are registered through `ApiRouter.add`, which records each one (method, path, least role, zod
 * schemas) in `table`: the guard enforces the role, the OpenAPI document is generated from the same
 * entries, and the tests walk the table route by route.
 */
import type { Context, Handler, Hono } from "hono";
import type { z } from "zod";
import { type Access, guard } from "./auth.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { ApiError, badRequest } from "./errors.js";

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  /** Hono syntax: /api/v1/bans/:jail/:ip */
  path: string;
  access: Access;
  summary: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** the 200 response body; none = 204 or not JSON */
  response?: z.ZodType;
  /** status of a success (default 200 with a response schema, else 204) */
  status?: 200 | 201 | 204;
}

export class ApiRouter {
  readonly table: RouteSpec[] = [];

  constructor(
    private readonly app: Hono<ApiEnv>,
    private readonly deps: ApiDeps,
  ) {}

  add(spec: RouteSpec, handler: Handler<ApiEnv>): void {
    this.table.push(spec);
    this.app.on(spec.method, spec.path, guard(spec.access, this.deps), handler);
  }
}

/** The zod issues as one sentence: "limit: Too big: expected number to be <=1000; ..." */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ");
}

/** The request's JSON body checked against schema: 400 when it is not JSON, 422 when it does not fit. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new ApiError(400, "bad_request", "send the body as JSON (Content-Type: application/json)");
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch {
    throw badRequest("the body is not valid JSON");
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError(422, "invalid", issuesText(r.error));
  return r.data;
}

/** The query string checked against schema: 400 when it does not fit. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw badRequest(issuesText(r.error));
  return r.data;
}

/** A path parameter, decoded by Hono (a %2F stays inside its segment: `mamori%2Fbans`). */
export function param(c: Context, name: string): string {
  const v = c.req.param(name);
  if (v === undefined) throw badRequest(`missing ${name}`);
  return v;
}
