/** The API's one error shape, `{"error":{"code","message"}}`, and the statuses it uses (spec/web.md). */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ApiStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

export class ApiError extends Error {
  constructor(
    readonly status: ApiStatus,
    readonly code: string,
    message: string,
    /** extra fields next to code and message (e.g. a pattern error's position) */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...details } };
}

export function sendError(c: Context, err: ApiError): Response {
  return c.json(errorBody(err.code, err.message, err.details), err.status as ContentfulStatusCode);
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const badRequest = (message: string) => new ApiError(400, "bad_request", message);
