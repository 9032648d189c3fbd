/** Where an agent keeps its identity in its data dir: DATA/agent.yaml and DATA/fleet/agent.{key,crt}, ca.crt. */
import path from "node:path";

export interface AgentFiles {
  config: string;
  key: string;
  cert: string;
  ca: string;
}

export function agentFiles(dataDir: string): AgentFiles {
  return {
    config: path.join(dataDir, "agent.yaml"),
    key: path.join(dataDir, "fleet", "agent.key"),
    cert: path.join(dataDir, "fleet", "agent.crt"),
    ca: path.join(dataDir, "fleet", "ca.crt"),
  };
}
