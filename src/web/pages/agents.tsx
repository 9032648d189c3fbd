/**
 * /agents: the fleet's agents (spec/fleet.md) with status, last seen, address and versions; admins can
 * revoke one, make an enrollment token and run a host check now (agents-admin.tsx). On a server without
 * agents the page says how to get some.
 */
import { useState } from "preact/hooks";
import { api, isAdmin } from "../api";
import { ErrorBox, Loading, Panel, StateBadge, Text } from "../components/bits";
import { ago } from "../format";
import { useNow } from "../live";
import { listOf } from "../model";
import { useResource } from "../resource";
import { NewToken, RunCheck } from "./agents-admin";

interface AgentView {
  id: string;
  name: string;
  group: string;
  status: string;
  lastSeen: string | null;
  address: string | null;
  version: string | null;
}

function agentOf(x: unknown): AgentView {
  const a = (x ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    id: s(a.id) ?? "",
    name: s(a.name) ?? "",
    group: s(a.group) ?? "",
    status: s(a.status) ?? "unknown",
    lastSeen: s(a.lastSeen),
    address: s(a.address),
    version: s(a.version),
  };
}

export function Agents() {
  const res = useResource<unknown>("/agents", ["agent"]);
  const [error, setError] = useState<Error | undefined>(undefined);
  const now = useNow();
  const agents = listOf<unknown>(res.data, "agents").map(agentOf);
  const revoke = async (a: AgentView) => {
    setError(undefined);
    try {
      await api("DELETE", `/agents/${encodeURIComponent(a.id)}`);
      res.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <h1>Agents</h1>
      <Panel title="Enrolled agents" id="agents">
        <ErrorBox error={res.error ?? error} />
        {res.data === undefined && !res.error && <Loading />}
        {res.data !== undefined && agents.length === 0 && (
          <p class="empty" data-testid="fleet-not-configured">
            No agents are enrolled: this server watches only its own host. To add hosts, give this mamori a
            <code> server:</code> section, then run <code>mamori agents token create</code> here and{" "}
            <code>mamori agent enroll</code> on each host (docs/fleet.md).
          </p>
        )}
        {agents.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th class="hide-narrow">Group</th>
                <th>Last seen</th>
                <th class="hide-narrow">Address</th>
                <th class="hide-narrow">Version</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.id} data-agent={a.id}>
                  <td title={a.id}>
                    <Text value={a.name} />
                  </td>
                  <td>
                    <StateBadge state={a.status} />
                  </td>
                  <td class="hide-narrow">
                    <Text value={a.group} />
                  </td>
                  <td>{a.lastSeen ? ago(Date.parse(a.lastSeen), now) : "never"}</td>
                  <td class="hide-narrow mono">
                    <Text value={a.address ?? ""} />
                  </td>
                  <td class="hide-narrow">
                    <Text value={a.version ?? ""} />
                  </td>
                  <td>
                    {isAdmin() && a.status !== "revoked" && (
                      <button
                        type="button"
                        class="danger small"
                        onClick={() => void revoke(a)}
                        aria-label={`Revoke ${a.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {isAdmin() && agents.some((a) => a.status !== "revoked") && (
        <RunCheck agents={agents.filter((a) => a.status !== "revoked")} />
      )}
      {isAdmin() && <NewToken />}
    </>
  );
}
