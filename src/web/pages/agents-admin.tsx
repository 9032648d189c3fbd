/**
 * The agents page's admin forms: a new enrollment token (as `mamori agents token create`) and "run a
 * check now" on one agent, a group or all (as `mamori agents check`), with each agent's answer.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorBox, Panel, Text } from "../components/bits";

interface TokenView {
  token: string;
  id: string;
  group: string;
  uses: number;
  expires: string;
}

export function NewToken() {
  const [group, setGroup] = useState("default");
  const [uses, setUses] = useState("1");
  const [ttl, setTtl] = useState("1d");
  const [error, setError] = useState<Error | undefined>(undefined);
  const [made, setMade] = useState<TokenView | undefined>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setMade(undefined);
    try {
      setMade(
        await api<TokenView>("POST", "/agents/tokens", { group: group.trim(), uses: Number(uses), ttl }),
      );
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <Panel title="New enrollment token" id="new-token">
      <form class="inline-form" onSubmit={submit} aria-label="New enrollment token">
        <label class="grow">
          Group
          <input name="group" required value={group} onInput={(e) => setGroup(e.currentTarget.value)} />
        </label>
        <label>
          Uses
          <input
            name="uses"
            type="number"
            min={1}
            required
            value={uses}
            onInput={(e) => setUses(e.currentTarget.value)}
          />
        </label>
        <label>
          Valid for
          <select name="ttl" value={ttl} onChange={(e) => setTtl(e.currentTarget.value)}>
            <option value="1h">1 hour</option>
            <option value="1d">1 day</option>
            <option value="7d">7 days</option>
            <option value="30d">30 days</option>
          </select>
        </label>
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      <ErrorBox error={error} />
      {made && (
        <div role="status" data-testid="new-token">
          <p>
            Token {made.id} for group <Text value={made.group} />, {made.uses} use{made.uses === 1 ? "" : "s"}
            , valid until {made.expires}. It is shown only now; on each host run:
          </p>
          <pre class="mono copy">mamori agent enroll --token {made.token}</pre>
        </div>
      )}
    </Panel>
  );
}

interface CheckAnswer {
  agent: string;
  name: string;
  state: string;
  error: string | null;
}

interface CheckView {
  request: number;
  sent: boolean;
  done: boolean;
  results: CheckAnswer[];
}

export function RunCheck(props: { agents: ReadonlyArray<{ id: string; name: string; group: string }> }) {
  const [target, setTarget] = useState("all");
  const [check, setCheck] = useState("fim");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [out, setOut] = useState<CheckView | undefined>(undefined);
  const groups = [...new Set(props.agents.map((a) => a.group))];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setOut(undefined);
    setBusy(true);
    // the select's values: "all", "group:NAME" or "agent:ID"
    const value = target.slice(target.indexOf(":") + 1);
    const who = target.startsWith("agent:")
      ? { agent: value }
      : target.startsWith("group:")
        ? { group: value }
        : { all: true };
    try {
      setOut(await api<CheckView>("POST", "/agents/checks", { check, ...who, wait: 10 }));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Run a check now" id="run-check">
      <form class="inline-form" onSubmit={submit} aria-label="Run a check now">
        <label class="grow">
          On
          <select name="target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            <option value="all">every agent</option>
            {groups.map((g) => (
              <option key={`g${g}`} value={`group:${g}`}>
                group {g}
              </option>
            ))}
            {props.agents.map((a) => (
              <option key={`a${a.id}`} value={`agent:${a.id}`}>
                {a.name} ({a.id})
              </option>
            ))}
          </select>
        </label>
        <label>
          Check
          <select name="check" value={check} onChange={(e) => setCheck(e.currentTarget.value)}>
            <option value="fim">file integrity (fim)</option>
            <option value="rootcheck">rootcheck</option>
            <option value="audit">policy audit</option>
          </select>
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Running…" : "Run check"}
        </button>
      </form>
      <ErrorBox error={error} />
      {out && !out.sent && (
        <p role="status">
          Request {out.request} is waiting for the fleet server to send it (is it running?).
        </p>
      )}
      {out?.sent && (
        <table data-testid="check-answers">
          <tbody>
            {out.results.map((r) => (
              <tr key={r.agent} data-agent={r.agent}>
                <td title={r.agent}>
                  <Text value={r.name} />
                </td>
                <td>
                  {r.state === "ok" ? (
                    "ran it"
                  ) : r.state === "pending" ? (
                    "still running"
                  ) : (
                    <Text value={`error: ${r.error ?? ""}`} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
