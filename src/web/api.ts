/**
 * The UI's client of /api/v1: JSON in and out, the session cookie sent by the browser, the CSRF token on
 * every state-changing request, and errors as {code, message} the pages can show.
 */
import { navigate } from "./router";

export const API = "/api/v1";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken = "";
let role = "";

/** The signed-in user's role, from GET /api/v1/session: viewers do not get admin-only controls. */
export function setRole(r: string): void {
  role = r;
}
export function isAdmin(): boolean {
  return role === "admin";
}

/** The session's CSRF token, from GET /api/v1/session (sent as X-CSRF-Token on POST and DELETE). */
function csrf(): string {
  return csrfToken;
}

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

/** Calls the API; a 401 on a page other than login/setup sends the user to /login and back afterwards. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    const token = csrf();
    if (token) headers["x-csrf-token"] = token;
  }
  const res = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const fresh = res.headers.get("x-csrf-token");
  if (fresh) csrfToken = fresh;
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && location.pathname !== "/login" && path !== "/session") {
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  return (type.includes("json") ? await res.json() : await res.text()) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);

/** "?a=1&b=2" from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
