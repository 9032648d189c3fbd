/**
 * The built UI (dist/web, made by `npm run build:web` / vite) as static files, under a strict
 * Content-Security-Policy: scripts and styles only from this server, no inline script, no framing. The
 * UI's page addresses (spec/web.md) all answer index.html, so a bookmarked /alarms/NAME loads the app.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono, MiddlewareHandler } from "hono";
import type { ApiEnv } from "./deps.js";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every response (API ones too). */
export function securityHeaders(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  };
}

/** The page addresses of the UI: each answers index.html. */
export const SPA_PAGES = [
  /^\/$/,
  /^\/logs$/,
  /^\/alarms$/,
  /^\/alarms\/[^/]+$/,
  /^\/bans$/,
  /^\/host$/,
  /^\/agents$/,
  /^\/login$/,
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/** dist/web of the package this file is in (src/api or dist/api both sit two levels below the root). */
export function defaultWebRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, "..", "..", "dist", "web");
}

function fileUnder(root: string, urlPath: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (rel.includes("\0")) return undefined;
  const file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  try {
    return fs.statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

export function staticRoutes(app: Hono<ApiEnv>, webRoot: string): void {
  const root = path.resolve(webRoot);
  const send = (file: string, immutable: boolean) =>
    new Response(fs.readFileSync(file), {
      headers: {
        "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      },
    });
  app.get("*", async (c, next) => {
    const p = c.req.path;
    if (p.startsWith("/api/")) return next();
    if (SPA_PAGES.some((re) => re.test(p))) {
      const index = fileUnder(root, "/index.html");
      if (!index)
        return c.text(
          "the web UI is not built: run `npm run build:web` (the API under /api/v1 works without it)",
          404,
        );
      return send(index, false);
    }
    const file = p === "/index.html" ? undefined : fileUnder(root, p);
    if (!file) return next();
    return send(file, p.startsWith("/assets/"));
  });
}
