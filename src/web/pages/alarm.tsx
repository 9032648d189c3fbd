/**
 * /alarms/NAME: the state timeline, the metric with its threshold line, the reason, the sample lines
 * that made it fire, and acknowledge (admins).
 */
import { useState } from "preact/hooks";
import { systemClock } from "../../core/clock";
import { api, isAdmin, qs } from "../api";
import { Empty, ErrorBox, Loading, Panel, StateBadge, Text } from "../components/bits";
import { Chart } from "../components/chart";
import { Link } from "../components/link";
import { ago, formatDuration, formatTime } from "../format";
import { useNow } from "../live";
import { alarmOf, listOf } from "../model";
import { useResource } from "../resource";
import { ALARM_LIVE } from "./overview";

type Obj = Record<string, unknown>;

interface Transition {
  timestamp: number;
  state: string;
  /** the state before this change */
  from?: string;
  summary: string;
}

/** State changes from the history items (StateUpdate), oldest first. */
function transitions(history: Obj[]): Transition[] {
  const out: Transition[] = [];
  for (const h of history) {
    const type = String(h.type ?? h.historyItemType ?? "StateUpdate");
    if (type !== "StateUpdate") continue;
    let data: Obj = {};
    try {
      data = typeof h.data === "string" ? (JSON.parse(h.data) as Obj) : ((h.data ?? {}) as Obj);
    } catch {
      // keep {}
    }
    const newState =
      (data.newState as Obj | undefined)?.stateValue ??
      data.new_state ??
      data.newState ??
      h.newState ??
      h.state;
    const oldState = (data.oldState as Obj | undefined)?.stateValue ?? data.old_state;
    const ts = typeof h.timestamp === "number" ? h.timestamp : Date.parse(String(h.timestamp));
    if (typeof newState === "string" && Number.isFinite(ts))
      out.push({
        timestamp: ts,
        state: newState,
        from: typeof oldState === "string" ? oldState : undefined,
        summary: String(h.summary ?? ""),
      });
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/** A horizontal bar: one segment per state, coloured by state (SVG attributes, no inline styles). */
function Timeline({
  items,
  start,
  end,
  current,
}: {
  items: Transition[];
  start: number;
  end: number;
  current: string;
}) {
  const span = Math.max(1, end - start);
  const segs: Array<{ from: number; to: number; state: string }> = [];
  // before the first change in view: the state it changed from (or, with no changes, the current one)
  let state =
    [...items].reverse().find((t) => t.timestamp <= start)?.state ??
    items[0]?.from ??
    items[0]?.state ??
    current;
  let from = start;
  for (const t of items) {
    if (t.timestamp <= start) {
      state = t.state;
      continue;
    }
    segs.push({ from, to: t.timestamp, state });
    from = t.timestamp;
    state = t.state;
  }
  segs.push({ from, to: end, state });
  return (
    <div class="timeline">
      <svg
        viewBox="0 0 1000 24"
        preserveAspectRatio="none"
        role="img"
        aria-label={`State over the last ${formatDuration(end - start)}`}
      >
        {segs.map((s, i) => (
          <rect
            key={i}
            class={`seg s-${s.state}`}
            x={((s.from - start) / span) * 1000}
            width={Math.max(4, ((s.to - s.from) / span) * 1000)}
            y={0}
            height={24}
          >
            <title>{`${s.state} from ${formatTime(s.from)} for ${formatDuration(s.to - s.from)}`}</title>
          </rect>
        ))}
      </svg>
      <div class="axis muted small">
        <span>{formatDuration(end - start)} ago</span>
        <span class="legend">
          <span class="key s-OK">OK</span> <span class="key s-ALARM">ALARM</span>{" "}
          <span class="key s-INSUFFICIENT_DATA">no data</span>
        </span>
        <span>now</span>
      </div>
    </div>
  );
}

function Acknowledge({ name, onDone }: { name: string; onDone(): void }) {
  const [why, setWhy] = useState("");
  const [hours, setHours] = useState("4");
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api("POST", `/alarms/${encodeURIComponent(name)}/acknowledge`, {
        why,
        until: systemClock.now() + Number(hours) * 3600_000,
      });
      setDone(true);
      onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Acknowledge">
      <label class="grow">
        Why
        <input
          name="why"
          required
          value={why}
          placeholder="looking into it"
          onInput={(e) => setWhy(e.currentTarget.value)}
        />
      </label>
      <label>
        For
        <select name="for" value={hours} onChange={(e) => setHours(e.currentTarget.value)}>
          <option value="1">1 hour</option>
          <option value="4">4 hours</option>
          <option value="24">24 hours</option>
          <option value="168">7 days</option>
        </select>
      </label>
      <button type="submit" class="primary">
        Acknowledge
      </button>
      {done && <span class="good-text">Acknowledged.</span>}
      <ErrorBox error={error} />
    </form>
  );
}

const CHART_SPAN_MS = 3 * 3600_000;

/** Every period of the last 3 hours (a period without data is a gap, as CloudWatch draws it). */
function seriesOf(points: Obj[], periodS: number, end: number): { x: number[]; y: Array<number | null> } {
  const step = Math.max(10, periodS) * 1000;
  const last = Math.floor(end / step) * step;
  const first = last - Math.floor(CHART_SPAN_MS / step) * step;
  const byTime = new Map<number, number>();
  for (const p of points)
    if (typeof p.timestamp === "number" && typeof p.value === "number") byTime.set(p.timestamp, p.value);
  const x: number[] = [];
  const y: Array<number | null> = [];
  for (let t = first; t <= last; t += step) {
    x.push(t);
    y.push(byTime.get(t) ?? null);
  }
  return { x, y };
}

function MetricChart({ d, now }: { d: Obj; now: number }) {
  const metric = (d.metric ?? {}) as Obj;
  const statistic = String(d.statistic ?? "Sum");
  const period = typeof d.period === "number" ? d.period : 60;
  const dims =
    metric.dimensions && Object.keys(metric.dimensions as Obj).length > 0
      ? JSON.stringify(metric.dimensions)
      : undefined;
  const path =
    typeof metric.namespace === "string" && typeof metric.name === "string"
      ? `/metrics/${encodeURIComponent(metric.namespace)}/${encodeURIComponent(metric.name)}${qs({
          start: Math.floor((now - CHART_SPAN_MS) / 60_000) * 60_000,
          period,
          statistic,
          dimensions: dims,
        })}`
      : null;
  const res = useResource<Obj>(path, ALARM_LIVE);
  const threshold = typeof d.threshold === "number" ? d.threshold : undefined;
  if (res.error) return <ErrorBox error={res.error} />;
  if (!res.data) return <Loading />;
  const s = seriesOf(listOf<Obj>(res.data, "datapoints"), period, now);
  return (
    <>
      <Chart
        label={`${statistic} per ${period} s with the threshold, last 3 hours`}
        x={s.x}
        series={[{ label: statistic, values: s.y }]}
        threshold={threshold}
      />
      {threshold !== undefined && (
        <p class="muted small">
          {statistic} per {period} s; alarm when <Text value={String(d.comparison ?? "")} /> {threshold} for{" "}
          {String(d.evaluationPeriods ?? 1)} period(s).
        </p>
      )}
    </>
  );
}

export function AlarmDetail({ name }: { name: string }) {
  const res = useResource<Obj>(`/alarms/${encodeURIComponent(name)}`, ALARM_LIVE);
  const now = useNow(30_000);
  if (res.error)
    return (
      <>
        <h1>
          <Text value={name} />
        </h1>
        <ErrorBox error={res.error} />
        <Link href="/alarms">All alarms</Link>
      </>
    );
  if (!res.data) return <Loading />;
  const d = res.data;
  const a = alarmOf(d.alarm ?? d);
  const history = transitions(listOf<Obj>(d.history, "history", "items"));
  const samples = listOf<unknown>(d.samples ?? d.sampleLines ?? d.sample_lines, "lines", "samples").map(
    (s) => (typeof s === "string" ? s : String((s as Obj).message ?? JSON.stringify(s))),
  );
  const metric = (d.metric ?? {}) as Obj;
  const metricName = [metric.namespace, metric.name].filter((x) => typeof x === "string").join(" / ");
  // from a bit before the first change shown, between 1 and 24 hours back
  const first = history.find((h) => h.timestamp > now - 24 * 3600_000)?.timestamp ?? now;
  const start = now - Math.min(24 * 3600_000, Math.max(3600_000, (now - first) * 1.25));
  return (
    <>
      <p class="crumbs">
        <Link href="/alarms">Alarms</Link> /
      </p>
      <h1 class="with-badge">
        <Text value={a.name} /> <StateBadge state={a.state} />
      </h1>
      <div class="grid">
        <Panel title="State" id="alarm-state">
          <p data-testid="alarm-reason">
            <Text value={a.reason || "No evaluation yet."} />
          </p>
          <p class="muted small">
            {a.since ? `In this state since ${formatTime(a.since)} (${ago(a.since, now)}).` : ""}
            {a.evaluatedAt ? ` Last evaluated ${ago(a.evaluatedAt, now)}.` : ""}
          </p>
          {a.acknowledged && (
            <p class="notice">
              Acknowledged by <Text value={a.acknowledged.by} />
              {a.acknowledged.why ? (
                <>
                  : <Text value={a.acknowledged.why} />
                </>
              ) : null}
              {a.acknowledged.until ? ` until ${formatTime(a.acknowledged.until)}` : ""}
            </p>
          )}
          <Timeline items={history} start={start} end={now} current={a.state} />
        </Panel>
        <Panel title={metricName ? `Metric: ${metricName}` : "Metric"} id="alarm-metric">
          <MetricChart d={d} now={now} />
        </Panel>
        <Panel title="Sample lines" id="alarm-samples">
          {samples.length === 0 ? (
            <Empty>No sample lines recorded.</Empty>
          ) : (
            <ul class="list mono small">
              {samples.map((s, i) => (
                <li key={i}>
                  <Text value={s} />
                </li>
              ))}
            </ul>
          )}
        </Panel>
        {isAdmin() && (
          <Panel title="Acknowledge" id="alarm-ack">
            <Acknowledge name={a.name} onDone={res.reload} />
          </Panel>
        )}
        <Panel title="History" id="alarm-history">
          {history.length === 0 ? (
            <Empty>No state changes recorded.</Empty>
          ) : (
            <ul class="list small">
              {[...history]
                .reverse()
                .slice(0, 30)
                .map((h, i) => (
                  <li key={i}>
                    <span class="mono">{formatTime(h.timestamp)}</span> <StateBadge state={h.state} />{" "}
                    <Text value={h.summary} />
                  </li>
                ))}
            </ul>
          )}
        </Panel>
      </div>
    </>
  );
}
