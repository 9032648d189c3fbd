/**
 * Alarms: the configured ones with their stored state, detail (history, datapoints, sample lines) and
 * acknowledgement (who, why, until). An acknowledgement without `until` lasts until the alarm changes state.
 */
import { feedersOf, findSamples } from "../../alarms/samples.js";
import type { AlarmConfig } from "../../config/schema.js";
import type { AlarmAck, AlarmStateRecord } from "../../store/store.js";
import type { ApiDeps } from "../deps.js";
import { badRequest, notFound } from "../errors.js";
import { type ApiRouter, param, readJson } from "../router.js";
import { ackBody, alarmDetail, alarmSummary, list } from "../schemas.js";
import { statisticOf } from "./metrics.js";

const parseJson = (s: string | null): unknown => {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

/** The latest acknowledgement still in force for this state. */
export function ackInForce(
  acks: readonly AlarmAck[],
  state: AlarmStateRecord | undefined,
  now: number,
): AlarmAck | null {
  for (const a of acks) {
    if (state && a.at < state.since) continue;
    if (a.until !== null && a.until <= now) continue;
    return a;
  }
  return null;
}

function summary(a: AlarmConfig, s: AlarmStateRecord | undefined, ack: AlarmAck | null) {
  return {
    name: a.name,
    description: a.description,
    state: s?.state ?? "INSUFFICIENT_DATA",
    reason: s?.reason ?? "not evaluated yet",
    since: s?.since ?? null,
    evaluatedAt: s?.evaluatedAt ?? null,
    metric: { namespace: a.metric.namespace, name: a.metric.name, dimensions: a.metric.dimensions ?? {} },
    statistic: a.statistic,
    period: a.period,
    threshold: a.threshold,
    comparison: a.comparison,
    evaluationPeriods: a.evaluation_periods,
    acknowledged: ack && { by: ack.by, why: ack.why, until: ack.until, at: ack.at },
  };
}

function parseUntil(v: number | string | undefined, now: number): number | null {
  if (v === undefined) return null;
  const t = typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(t)) throw badRequest("until must be ms since epoch or an ISO 8601 time");
  if (t <= now) throw badRequest("until must be in the future");
  return t;
}

export function alarmRoutes(r: ApiRouter, deps: ApiDeps): void {
  const find = (name: string) => {
    const a = deps.config().alarms.find((x) => x.name === name);
    if (!a) throw notFound(`alarm "${name}"`);
    return a;
  };

  r.add(
    {
      method: "GET",
      path: "/api/v1/alarms",
      access: "viewer",
      summary: "every alarm and its state",
      response: list(alarmSummary, "alarms"),
    },
    async (c) => {
      const now = deps.clock.now();
      const states = new Map((await deps.store.alarms.list()).map((s) => [s.name, s]));
      const acks = await deps.store.users.acks();
      const alarms = deps.config().alarms.map((a) => {
        const s = states.get(a.name);
        return summary(
          a,
          s,
          ackInForce(
            acks.filter((k) => k.alarm === a.name),
            s,
            now,
          ),
        );
      });
      return c.json({ alarms });
    },
  );

  r.add(
    {
      method: "GET",
      path: "/api/v1/alarms/:name",
      access: "viewer",
      summary: "one alarm: state, reason, history, datapoints, sample lines",
      response: alarmDetail,
    },
    async (c) => {
      const a = find(param(c, "name"));
      const now = deps.clock.now();
      const s = await deps.store.alarms.get(a.name);
      const acks = await deps.store.users.acks(a.name);
      const periodMs = a.period * 1000;
      const end = Math.floor(now / periodMs) * periodMs + periodMs;
      const start = end - Math.max(a.evaluation_periods * 3, 60) * periodMs;
      const points = await deps.store.metrics.statistics({
        ...a.metric,
        dimensions: a.metric.dimensions ?? {},
        start,
        end,
        period: a.period,
      });
      const breaching =
        s?.state === "ALARM"
          ? Array.from(
              { length: a.evaluation_periods },
              (_, i) => Math.floor(s.since / periodMs) * periodMs - i * periodMs,
            )
          : [];
      const samples = breaching.length
        ? await findSamples(deps.store.logs, a, feedersOf(a, deps.metricFilters()), breaching)
        : [];
      const history = await deps.store.alarms.history(a.name, 100);
      return c.json({
        ...summary(a, s, ackInForce(acks, s, now)),
        reasonData: parseJson(s?.reasonData ?? null),
        history: history.map((h) => ({
          timestamp: h.timestamp,
          type: h.type,
          summary: h.summary,
          data: parseJson(h.data),
        })),
        datapoints: points.map((d) => ({ timestamp: d.timestamp, value: statisticOf(d, a.statistic) })),
        samples,
        acks: acks.map((k) => ({ by: k.by, why: k.why, until: k.until, at: k.at })),
      });
    },
  );

  r.add(
    {
      method: "POST",
      path: "/api/v1/alarms/:name/acknowledge",
      access: "admin",
      summary: "acknowledge an alarm (who, why, until)",
      body: ackBody,
      status: 204,
    },
    async (c) => {
      const a = find(param(c, "name"));
      const body = await readJson(c, ackBody);
      const now = deps.clock.now();
      const who = c.get("principal")?.user ?? "unknown";
      await deps.store.users.acknowledge({
        alarm: a.name,
        by: who,
        why: body.why,
        until: parseUntil(body.until, now),
        at: now,
      });
      return c.body(null, 204);
    },
  );
}
