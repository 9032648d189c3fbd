/**
 * /logs?group=G&stream=S&pattern=P&range=1h&live=1: search a group with the filter-pattern language
 * (checked as you type, errors shown at their position), matches highlighted, live tail over SSE.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { systemClock } from "../../core/clock";
import { API, get, qs } from "../api";
import { Empty, ErrorBox, Loading, Panel, Text } from "../components/bits";
import { formatTime } from "../format";
import { checkPattern, highlight, needles, type PatternCheck } from "../highlight";
import { eventOf, eventPageOf, type LogEventView, listOf } from "../model";
import { useResource } from "../resource";
import { href, navigate, type Route } from "../router";

const RANGES: Array<[string, string, number]> = [
  ["15m", "last 15 minutes", 15 * 60_000],
  ["1h", "last hour", 3600_000],
  ["6h", "last 6 hours", 6 * 3600_000],
  ["24h", "last 24 hours", 24 * 3600_000],
  ["7d", "last 7 days", 7 * 24 * 3600_000],
  ["30d", "last 30 days", 30 * 24 * 3600_000],
  ["all", "all time", 0],
];
const MAX_LIVE_ROWS = 2000;

/** The pattern text with the offending character marked, and the parser's reason. */
function PatternError({ source, check }: { source: string; check: PatternCheck }) {
  const e = check.error;
  if (!e) return null;
  const at = Math.min(e.offset, source.length);
  return (
    <div class="pattern-error" role="alert" data-offset={e.offset} data-col={e.col}>
      <p>
        <strong>
          {e.line}:{e.col}
        </strong>{" "}
        <Text value={e.reason} />
      </p>
      <pre class="caret" aria-hidden="true">
        <Text value={source.slice(0, at)} />
        <mark class="at">
          <Text value={source.slice(at, at + 1) || " "} />
        </mark>
        <Text value={source.slice(at + 1)} />
      </pre>
    </div>
  );
}

function Message({ text, marks }: { text: string; marks: string[] }) {
  return (
    <span class="untrusted">
      {highlight(text, marks).map((p, i) =>
        p.mark ? (
          <mark key={i}>
            <Text value={p.text} />
          </mark>
        ) : (
          <Text key={i} value={p.text} />
        ),
      )}
    </span>
  );
}

function Rows({ events, check }: { events: LogEventView[]; check: PatternCheck }) {
  return (
    <ol class="log-rows" aria-label="Log events">
      {events.map((e) => (
        <li class="log-row" key={e.id}>
          <span class="ts mono">{formatTime(e.timestamp)}</span>
          <span class="stream mono muted">
            <Text value={e.stream} />
          </span>
          <span class="msg mono">
            <Message text={e.message} marks={needles(check, e.message)} />
          </span>
        </li>
      ))}
    </ol>
  );
}

interface SearchState {
  events: LogEventView[];
  next?: string;
  error?: Error;
  loading: boolean;
}

function useSearch(group: string, stream: string, pattern: string, range: string, valid: boolean) {
  const [state, setState] = useState<SearchState>({ events: [], loading: false });
  const seq = useRef(0);
  const base = useMemo(() => {
    const ms = RANGES.find((r) => r[0] === range)?.[2] ?? 3600_000;
    return { group, stream, pattern, start: ms ? systemClock.now() - ms : undefined };
  }, [group, stream, pattern, range]);

  const load = async (next?: string) => {
    if (!group || !valid) return;
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: undefined, ...(next ? {} : { events: [] }) }));
    try {
      const page = eventPageOf(await get(`/logs/events${qs({ ...base, limit: 200, next })}`));
      if (mine !== seq.current) return;
      setState((s) => ({
        events: next ? [...s.events, ...page.events] : page.events,
        next: page.next,
        loading: false,
      }));
    } catch (e) {
      if (mine === seq.current) setState((s) => ({ ...s, error: e as Error, loading: false }));
    }
  };
  useEffect(() => {
    void load();
  }, [base, valid]);
  return { state, setState, more: () => load(state.next) };
}

/** Appends events of the group that match the pattern as they are stored, over SSE. */
function useTail(on: boolean, group: string, pattern: string, append: (e: LogEventView) => void) {
  const [status, setStatus] = useState<"off" | "connecting" | "live">("off");
  const ref = useRef(append);
  ref.current = append;
  useEffect(() => {
    if (!on || !group) {
      setStatus("off");
      return;
    }
    setStatus("connecting");
    const es = new EventSource(`${API}/stream${qs({ tail: group, pattern })}`, { withCredentials: true });
    const onEvent = (m: MessageEvent) => {
      try {
        const data = JSON.parse(m.data) as Record<string, unknown>;
        const items = Array.isArray(data)
          ? data
          : Array.isArray(data.events)
            ? data.events
            : [data.event ?? data];
        for (const item of items) {
          const e = eventOf(item);
          if (e.message || e.id) ref.current(e);
        }
      } catch {
        // a keep-alive or a message that is not an event
      }
    };
    es.onopen = () => setStatus("live");
    es.onerror = () => setStatus("connecting");
    es.addEventListener("tail", onEvent);
    es.addEventListener("event", onEvent);
    es.onmessage = onEvent;
    return () => es.close();
  }, [on, group, pattern]);
  return status;
}

export function Logs({ route }: { route: Route }) {
  const q = route.query;
  const group = q.get("group") ?? "";
  const stream = q.get("stream") ?? "";
  const pattern = q.get("pattern") ?? "";
  const range = q.get("range") ?? "1h";
  const live = q.get("live") === "1";
  const [draft, setDraft] = useState(pattern);
  useEffect(() => setDraft(pattern), [pattern]);

  const groups = useResource<unknown>("/logs/groups");
  const streams = useResource<unknown>(group ? `/logs/groups/${encodeURIComponent(group)}/streams` : null);
  const groupNames = listOf<Record<string, unknown>>(groups.data, "groups", "logGroups").map((g) =>
    String(g.name ?? g.logGroupName ?? ""),
  );
  const streamNames = listOf<Record<string, unknown>>(streams.data, "streams", "logStreams").map((s) =>
    String(s.name ?? s.logStreamName ?? ""),
  );

  const draftCheck = useMemo(() => checkPattern(draft), [draft]);
  const applied = useMemo(() => checkPattern(pattern), [pattern]);
  const search = useSearch(group, stream, pattern, range, applied.ok);
  const tail = useTail(live, group, pattern, (e) => {
    if (stream && e.stream && e.stream !== stream) return;
    search.setState((s) =>
      s.events.some((x) => x.id === e.id && e.id)
        ? s
        : { ...s, events: [...s.events, e].slice(-MAX_LIVE_ROWS) },
    );
  });

  const go = (changes: Record<string, string | undefined>) =>
    navigate(
      href("/logs", {
        group,
        stream,
        pattern,
        range: range === "1h" ? undefined : range,
        live: live ? "1" : undefined,
        ...changes,
      }),
    );

  const submit = (e: Event) => {
    e.preventDefault();
    if (!draftCheck.ok) return;
    go({ pattern: draft.trim() ? draft : undefined });
  };

  return (
    <>
      <h1>Logs</h1>
      <form class="toolbar" onSubmit={submit} aria-label="Search logs">
        <label>
          Group
          <select
            name="group"
            value={group}
            onChange={(e) => go({ group: e.currentTarget.value, stream: undefined })}
          >
            <option value="">choose a group…</option>
            {groupNames.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
            {group && !groupNames.includes(group) && <option value={group}>{group}</option>}
          </select>
        </label>
        <label>
          Stream
          <select
            name="stream"
            value={stream}
            onChange={(e) => go({ stream: e.currentTarget.value || undefined })}
            disabled={!group}
          >
            <option value="">all streams</option>
            {streamNames.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time
          <select name="range" value={range} onChange={(e) => go({ range: e.currentTarget.value })}>
            {RANGES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Filter pattern
          <input
            name="pattern"
            class={`mono ${draftCheck.ok ? "" : "invalid"}`}
            placeholder={'"Failed password"   or   { $.action = "ban" }   or   [ip, user, ...]'}
            value={draft}
            spellcheck={false}
            autoComplete="off"
            aria-invalid={!draftCheck.ok}
            aria-describedby="pattern-help"
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={!group || !draftCheck.ok}>
            Search
          </button>
          <label class="check">
            <input
              type="checkbox"
              checked={live}
              disabled={!group}
              onChange={(e) => go({ live: e.currentTarget.checked ? "1" : undefined })}
            />
            Live tail
          </label>
        </div>
      </form>
      <div id="pattern-help">{!draftCheck.ok && <PatternError source={draft} check={draftCheck} />}</div>
      <Panel
        title={group ? `Events in ${group}` : "Events"}
        id="log-events"
        actions={
          live ? (
            <span class={`live ${tail}`} data-tail={tail}>
              <span class="dot" aria-hidden="true" /> tail {tail}
            </span>
          ) : undefined
        }
      >
        <ErrorBox error={search.state.error ?? groups.error} />
        {!group && <Empty>Choose a log group to search.</Empty>}
        {group && search.state.loading && search.state.events.length === 0 && <Loading />}
        {group && !applied.ok && <Empty>Fix the pattern above to search.</Empty>}
        {group &&
          applied.ok &&
          !search.state.loading &&
          !search.state.error &&
          search.state.events.length === 0 && (
            <Empty>No events match{pattern ? " this pattern" : ""} in this time range.</Empty>
          )}
        {search.state.events.length > 0 && <Rows events={search.state.events} check={applied} />}
        {search.state.next && (
          <button type="button" onClick={search.more} disabled={search.state.loading}>
            {search.state.loading ? "Loading…" : "Load more"}
          </button>
        )}
      </Panel>
    </>
  );
}
