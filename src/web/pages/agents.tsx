/** /agents: the fleet (spec/fleet.md) is not built yet; the page says so and where to read about it. */
import { Panel } from "../components/bits";

export function Agents() {
  return (
    <>
      <h1>Agents</h1>
      <Panel title="Fleet not configured" id="agents">
        <p class="empty" data-testid="fleet-not-configured">
          The fleet is not configured: this server watches only its own host. Agents (status, last seen,
          version, enrollment tokens) appear here once mamori runs as a fleet server.
        </p>
      </Panel>
    </>
  );
}
