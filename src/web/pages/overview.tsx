/** /: alarm states, events per minute per group, bans over time, top attacking addresses, latest file changes. */
import { useEffect } from "preact/hooks";
import { systemClock } from "../../core/clock";
import { get } from "../api";
import { Empty, ErrorBox, Loading, Panel, StateBadge, Text } from "../components/bits";
import { bucket, Chart } from "../components/chart";
import { Link } from "../components/link";
import { markOnce } from "../components/shell";
import { ago, compact, formatTime } from "../format";
import { useNow } from "../live";
import { type AlarmView, alarmOf, eventsIn, jsonOf, latestEvents, listOf } from "../model";
import { useAsync, useResource } from "../resource";
import { href } from "../router";
import { fimChangeOf } from "./host-model";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const ALARM_LIVE = ["alarm", "alarms", "alarm-state"];
export const BAN_LIVE = ["ban", "bans", "unban"];

function AlarmStates() {
  const res = useResource<unknown>("/alarms", ALARM_LIVE);
  const now = useNow(10_000);
  const alarms = listOf<unknown>(res.data, "alarms").map(alarmOf);
  const order = (a: AlarmView) => (a.state === "ALARM" ? 0 : a.state === "INSUFFICIENT_DATA" ? 1 : 2);
  alarms.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
  const firing = alarms.filter((a) => a.state === "ALARM").length;
  useEffect(() => {
    if (res.data !== undefined) markOnce("mamori:alarms");
  }, [res.data]);
  return (
    <Panel
      title="Alarms"
      id="alarm-states"
      actions={
        <span class={firing ? "count bad" : "count good"}>{firing ? `${firing} in alarm` : "all quiet"}</span>
      }
    >
      <ErrorBox error={res.error} />
      {res.data === undefined && !res.error && <Loading />}
      {res.data !== undefined && alarms.length === 0 && <Empty>No alarms configured.</Empty>}
      <ul class="alarm-grid">
        {alarms.map((a) => (
          <li key={a.name}>
            <Link
              href={`/alarms/${encodeURIComponent(a.name)}`}
              class={`alarm-card s-${a.state}`}
              data-alarm={a.name}
              data-state={a.state}
            >
              <span class="name">
                <Text value={a.name} />
              </span>
              <StateBadge state={a.state} />
              <span class="since muted">{a.since ? `since ${ago(a.since, now)}` : ""}</span>
            </Link>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

interface Rates {
  x: number[];
  series: Array<{ label: string; values: number[] }>;
  sampled: boolean;
}

/**
 * Per-minute counts of the last hour for the six biggest groups, counted from their events (up to 2000 a
 * group, then marked as sampled). Refreshed every minute rather than on every live event: a busy group
 * costs a few pages of search each time.
 */
async function eventRates(): Promise<Rates> {
  const now = systemClock.now();
  const end = Math.ceil(now / MINUTE) * MINUTE;
  const start = end - HOUR;
  const groups = listOf<{ name?: string; logGroupName?: string; storedEvents?: number }>(
    await get("/logs/groups"),
    "groups",
    "logGroups",
  );
  const names = groups
    .sort((a, b) => (b.storedEvents ?? 0) - (a.storedEvents ?? 0))
    .map((g) => String(g.name ?? g.logGroupName ?? ""))
    .filter(Boolean)
    .slice(0, 6);
  let sampled = false;
  const series = await Promise.all(
    names.map(async (g) => {
      const events = await eventsIn(g, { start, end, limit: 2000 });
      if (events.length >= 2000) sampled = true;
      return {
        label: g,
        values: bucket(
          events.map((e) => e.timestamp),
          start,
          end,
          MINUTE,
        ).y,
      };
    }),
  );
  return { x: bucket([], start, end, MINUTE).x, series, sampled };
}

function EventRates() {
  const res = useAsync("rates", eventRates, [], 60_000);
  return (
    <Panel title="Events per minute" id="event-rates">
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.series.length === 0 && <Empty>No log groups yet.</Empty>}
      {res.data && res.data.series.length > 0 && (
        <>
          <Chart
            label="Events per minute per log group, last hour"
            x={res.data.x}
            series={res.data.series}
            legend
          />
          {res.data.sampled && <p class="muted small">Busy groups are counted up to 2000 events an hour.</p>}
        </>
      )}
    </Panel>
  );
}

interface BanStats {
  x: number[];
  bans: number[];
  top: Array<{ ip: string; bans: number; failures: number; jails: string[]; last: number }>;
}

async function banStats(): Promise<BanStats> {
  const now = systemClock.now();
  const end = Math.ceil(now / HOUR) * HOUR;
  const start = end - 24 * HOUR;
  const events = await eventsIn("mamori/bans", { start, end, limit: 5000 }).catch(() => []);
  const times: number[] = [];
  const byIp = new Map<string, BanStats["top"][number]>();
  for (const e of events) {
    const j = jsonOf(e.message);
    if (j?.action !== "ban") continue;
    times.push(e.timestamp);
    const ip = String(j.ip ?? "");
    const row = byIp.get(ip) ?? { ip, bans: 0, failures: 0, jails: [], last: 0 };
    row.bans++;
    row.failures += Number(j.failures ?? 0) || 0;
    const jail = String(j.jail ?? "");
    if (jail && !row.jails.includes(jail)) row.jails.push(jail);
    row.last = Math.max(row.last, e.timestamp);
    byIp.set(ip, row);
  }
  const b = bucket(times, start, end, HOUR);
  const top = [...byIp.values()].sort((a, c) => c.bans - a.bans || c.failures - a.failures).slice(0, 8);
  return { x: b.x, bans: b.y, top };
}

function Bans() {
  const res = useAsync("bans", banStats, BAN_LIVE, 60_000);
  const now = useNow(30_000);
  return (
    <>
      <Panel title="Bans, last 24 hours" id="bans-over-time" actions={<Link href="/bans">all bans</Link>}>
        <ErrorBox error={res.error} />
        {!res.data && !res.error && <Loading />}
        {res.data && (
          <Chart
            label="Bans per hour, last 24 hours"
            x={res.data.x}
            series={[{ label: "bans", values: res.data.bans }]}
            bars
          />
        )}
      </Panel>
      <Panel title="Top attacking addresses" id="top-attackers">
        {res.data && res.data.top.length === 0 && <Empty>No bans in the last 24 hours.</Empty>}
        {res.data && res.data.top.length > 0 && (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col" class="num">
                  Bans
                </th>
                <th scope="col" class="num">
                  Failures
                </th>
                <th scope="col" class="hide-narrow">
                  Jails
                </th>
                <th scope="col">Last</th>
              </tr>
            </thead>
            <tbody>
              {res.data.top.map((t) => (
                <tr key={t.ip}>
                  <td class="mono">
                    <Link href={href("/logs", { group: "mamori/bans", pattern: `{ $.ip = "${t.ip}" }` })}>
                      <Text value={t.ip} />
                    </Link>
                  </td>
                  <td class="num">{compact(t.bans)}</td>
                  <td class="num">{compact(t.failures)}</td>
                  <td class="hide-narrow">
                    <Text value={t.jails.join(", ")} />
                  </td>
                  <td title={formatTime(t.last)}>{ago(t.last, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

function FileChanges() {
  const res = useAsync("fim", async () => {
    const events = await latestEvents("mamori/fim", 8, systemClock.now(), 7 * 24 * HOUR).catch(() => []);
    return events.map(fimChangeOf);
  }, ["finding", "fim"]);
  const now = useNow(30_000);
  return (
    <Panel title="Latest file changes" id="file-changes" actions={<Link href="/host">host checks</Link>}>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.length === 0 && <Empty>No file changes in the last 7 days.</Empty>}
      {res.data && res.data.length > 0 && (
        <ul class="list">
          {res.data.map((c) => (
            <li key={c.id}>
              <span class={`tag ${c.kind}`}>{c.kind}</span> <Text value={c.path} class="mono path" />
              <span class="muted small"> {ago(c.timestamp, now)}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

export function Overview() {
  return (
    <>
      <h1>Overview</h1>
      <div class="grid">
        <AlarmStates />
        <EventRates />
        <Bans />
        <FileChanges />
      </div>
    </>
  );
}
