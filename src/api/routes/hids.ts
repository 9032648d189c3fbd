/**
 * Host checks: file changes, rootcheck findings and audit results are events in their `mamori/*` groups
 * (spec/hids.md), so the API serves them as searches of those groups (newest pages via start/next, the
 * same filter patterns). They work as soon as the host checks write events, and need nothing of them.
 */

import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { type ApiRouter, readQuery } from "../router.js";
import { eventsPage, timeParam } from "../schemas.js";
import { compileOr422, decodeNext, eventJson, searchEvents } from "./logs.js";

export const HOST_CHECK_GROUPS = {
  "/api/v1/fim/changes": "mamori/fim",
  "/api/v1/rootcheck/findings": "mamori/rootcheck",
  "/api/v1/audit/results": "mamori/audit",
} as const;

const hidsQuery = z.strictObject({
  pattern: z.string().max(1024).optional(),
  start: timeParam.optional(),
  end: timeParam.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  next: z.string().max(200).optional(),
});

export function hidsRoutes(r: ApiRouter, deps: ApiDeps): void {
  for (const [path, group] of Object.entries(HOST_CHECK_GROUPS)) {
    r.add(
      {
        method: "GET",
        path,
        access: "viewer",
        summary: `events of ${group} (each message is the finding as JSON)`,
        query: hidsQuery,
        response: eventsPage,
      },
      async (c) => {
        const q = readQuery(c, hidsQuery);
        const pattern = compileOr422(q.pattern);
        const after = q.next ? decodeNext(q.next) : undefined;
        const page = await searchEvents(
          deps.store.logs,
          { group, start: q.start, end: q.end, limit: q.limit, after },
          pattern,
        );
        return c.json({ events: page.events.map(eventJson), next: page.next, scanned: page.scanned });
      },
    );
  }
}
