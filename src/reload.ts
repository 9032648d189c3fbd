/**
 * Applying a plan of keyed parts to the running ones (Prometheus `rules/manager.go` Update, Vector's
 * config diff): a part whose fingerprint did not change keeps running untouched; new and changed parts
 * are built first (a filter that does not load fails before anything changes), new ones start before any
 * removed one stops, and a part that fails to start rolls back every step taken, so what ran before runs
 * again.
 */
import type { Logger } from "pino";
import { errorMessage } from "./core/errors.js";
import type { PartSpec } from "./parts.js";
import type { Service } from "./service.js";

export interface RunningPart {
  kind: PartSpec["kind"];
  key: string;
  fingerprint: string;
  service: Service;
}

const idOf = (p: { kind: string; key: string }) => `${p.kind}\u0000${p.key}`;

async function stopQuietly(part: RunningPart, log: Logger): Promise<void> {
  try {
    await part.service.stop();
  } catch (err) {
    log.error({ err: errorMessage(err), service: part.service.name }, "stopping a part failed");
  }
}

/** Returns the parts running afterwards (in plan order); rejects, with the old parts running, on a failed start. */
export async function applyPlan(
  current: RunningPart[],
  plan: PartSpec[],
  log: Logger,
): Promise<RunningPart[]> {
  const running = new Map(current.map((r) => [idOf(r), r]));
  const planned = new Set(plan.map(idOf));
  const next: RunningPart[] = [];
  const added: RunningPart[] = [];
  const changed: Array<{ old: RunningPart; now: RunningPart }> = [];
  for (const spec of plan) {
    const old = running.get(idOf(spec));
    if (old && old.fingerprint === spec.fingerprint) {
      next.push(old);
      continue;
    }
    const now = {
      kind: spec.kind,
      key: spec.key,
      fingerprint: spec.fingerprint,
      service: spec.build(old?.service),
    };
    next.push(now);
    if (old) changed.push({ old, now });
    else added.push(now);
  }
  const removed = current.filter((r) => !planned.has(idOf(r)));
  const undo: Array<() => Promise<void>> = [];
  try {
    for (const now of added) {
      try {
        await now.service.start();
      } catch (err) {
        await stopQuietly(now, log);
        throw new Error(`${now.service.name} failed to start: ${errorMessage(err)}`);
      }
      undo.push(() => stopQuietly(now, log));
    }
    for (const { old, now } of changed) {
      if (!now.service.takesOver) await old.service.stop();
      try {
        await now.service.start();
      } catch (err) {
        await stopQuietly(now, log);
        await old.service.start();
        throw new Error(`${now.service.name} failed to start: ${errorMessage(err)}`);
      }
      undo.push(async () => {
        await stopQuietly(now, log);
        await old.service.start();
      });
    }
  } catch (err) {
    for (const step of undo.reverse())
      await step().catch((e) => log.error({ err: errorMessage(e) }, "rolling a part back failed"));
    throw err;
  }
  for (const r of removed) await stopQuietly(r, log);
  if (current.length > 0)
    log.info(
      {
        added: added.map((r) => r.service.name),
        changed: changed.map((c) => c.now.service.name),
        removed: removed.map((r) => r.service.name),
        unchanged: next.length - added.length - changed.length,
      },
      "reload: parts compared",
    );
  return next;
}
