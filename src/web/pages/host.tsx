/** /host: file changes (with diffs and package attribution), rootcheck findings and audit results. */
import { systemClock } from "../../core/clock";
import { Empty, ErrorBox, Loading, Panel, Text } from "../components/bits";
import { Link } from "../components/link";
import { ago, formatTime } from "../format";
import { useNow } from "../live";
import { latestEvents } from "../model";
import { useAsync } from "../resource";
import { href } from "../router";
import { type AuditResult, auditOf, type FimChange, fimChangeOf, rootcheckOf } from "./host-model";

const DAY = 24 * 3600_000;
const HOST_LIVE = ["finding", "fim", "rootcheck", "audit"];

/** The newest `n` events of the last `days` days, newest first (none when the group does not exist yet). */
function newest(group: string, n: number, days: number) {
  return latestEvents(group, n, systemClock.now(), days * DAY).catch(() => []);
}

/** A unified diff, one line per row, coloured by its first character (as text, never markup). */
function Diff({ text }: { text: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a wide diff scrolls sideways; focus lets the keyboard scroll it
    <pre class="diff" tabIndex={0}>
      {text.split("\n").map((line, i) => (
        <span
          key={i}
          class={
            line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : ""
          }
        >
          <Text value={line} />
          {"\n"}
        </span>
      ))}
    </pre>
  );
}

function Change({ c, now }: { c: FimChange; now: number }) {
  return (
    <li class="change" data-kind={c.kind}>
      <div class="row">
        <span class={`tag ${c.kind}`}>{c.kind}</span>
        <Text value={c.path} class="mono path" />
      </div>
      <div class="row muted small">
        <span title={formatTime(c.timestamp)}>{ago(c.timestamp, now)}</span>
        <span>
          on <Text value={c.host} />
        </span>
        {c.changed.length > 0 && (
          <span>
            changed: <Text value={c.changed.join(", ")} />
          </span>
        )}
        {c.package ? (
          <span
            class="tag good"
            title="the new content matches this package's checksums: an upgrade, not tampering"
          >
            package <Text value={c.package} />
          </span>
        ) : (
          c.kind !== "deleted" && <span class="tag warn">no package matches</span>
        )}
        {c.maintenance && <span class="tag">maintenance</span>}
      </div>
      {c.diff && (
        <details>
          <summary>diff</summary>
          <Diff text={c.diff} />
        </details>
      )}
    </li>
  );
}

function FileChanges() {
  const res = useAsync(
    "host-fim",
    async () => (await newest("mamori/fim", 100, 30)).map(fimChangeOf),
    HOST_LIVE,
  );
  const now = useNow(30_000);
  return (
    <Panel
      title="File changes"
      id="fim"
      actions={<Link href={href("/logs", { group: "mamori/fim" })}>as logs</Link>}
    >
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data?.length === 0 && (
        <Empty>No file changes in the last 30 days (or file integrity monitoring is off).</Empty>
      )}
      <ul class="list changes">
        {res.data?.map((c) => (
          <Change key={c.id} c={c} now={now} />
        ))}
      </ul>
    </Panel>
  );
}

function Findings() {
  const res = useAsync(
    "host-rootcheck",
    async () => (await newest("mamori/rootcheck", 100, 30)).map(rootcheckOf),
    HOST_LIVE,
  );
  const now = useNow(30_000);
  return (
    <Panel
      title="Rootcheck findings"
      id="rootcheck"
      actions={<Link href={href("/logs", { group: "mamori/rootcheck" })}>as logs</Link>}
    >
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data?.length === 0 && <Empty>No rootcheck findings in the last 30 days.</Empty>}
      {res.data && res.data.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Finding</th>
              <th scope="col" class="hide-narrow">
                Check
              </th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((f) => (
              <tr key={f.id}>
                <td>
                  <span class={`tag sev-${f.severity}`}>{f.severity}</span>
                </td>
                <td>
                  <Text value={f.title} />
                  {f.path && (
                    <div>
                      <Text value={f.path} class="mono path small" />
                    </div>
                  )}
                  {f.detail && (
                    <div class="muted small">
                      <Text value={f.detail} />
                    </div>
                  )}
                </td>
                <td class="hide-narrow mono small nowrap">
                  <Text value={f.check} />
                </td>
                <td title={formatTime(f.timestamp)}>{ago(f.timestamp, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** The newest result of each check (the group holds results that changed). */
function current(results: AuditResult[]): AuditResult[] {
  const byCheck = new Map<string, AuditResult>();
  for (const r of results) byCheck.set(`${r.policy}\u0000${r.check}`, r);
  const order = (r: AuditResult) => (r.result === "failed" ? 0 : r.result === "passed" ? 1 : 2);
  return [...byCheck.values()].sort((a, b) => order(a) - order(b) || a.check.localeCompare(b.check));
}

function Audit() {
  const res = useAsync(
    "host-audit",
    async () => current((await newest("mamori/audit", 5000, 90)).reverse().map(auditOf)),
    HOST_LIVE,
  );
  const failed = res.data?.filter((r) => r.result === "failed").length ?? 0;
  return (
    <Panel
      title="Configuration audit"
      id="audit"
      actions={
        res.data && res.data.length > 0 ? (
          <span class={failed ? "count bad" : "count good"}>{failed} failed</span>
        ) : undefined
      }
    >
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data?.length === 0 && <Empty>No audit results yet.</Empty>}
      {res.data && res.data.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Result</th>
              <th scope="col">Check</th>
              <th scope="col" class="hide-narrow">
                Policy
              </th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((r) => (
              <tr key={`${r.policy}/${r.check}`}>
                <td>
                  <span class={`tag r-${r.result}`}>{r.result.replace("_", " ")}</span>
                </td>
                <td>
                  <span class="mono small">
                    <Text value={r.check} />
                  </span>{" "}
                  <Text value={r.title} />
                  {r.reason && (
                    <div class="muted small">
                      <Text value={r.reason} />
                    </div>
                  )}
                  {r.result === "failed" && r.remediation && (
                    <div class="small">
                      Fix: <Text value={r.remediation} />
                    </div>
                  )}
                </td>
                <td class="hide-narrow">
                  <Text value={r.policy} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function Host() {
  return (
    <>
      <h1>Host checks</h1>
      <div class="grid">
        <FileChanges />
        <Findings />
        <Audit />
      </div>
    </>
  );
}
