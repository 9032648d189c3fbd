/**
 * The agent's side of "run a check now": the server's `check` command runs one of this host's configured
 * checks (fim, rootcheck, audit) at once, with the config it runs (its own file plus its group's). The
 * findings travel as every other event (mamori/fim, mamori/rootcheck, mamori/audit through the spool);
 * the command is acknowledged once the run is over, or refused with the reason.
 */
import type { Service } from "../../service.js";
import { HOST_CHECK_NAMES, type HostCheckName } from "../../store/store.js";
import type { AgentCommand } from "./forwarder.js";

/** A host check part that can be asked to run now (src/hids/{fim,rootcheck,audit}/part.ts). */
interface RunsNow {
  runNow(): Promise<void>;
}

/** The running host check part of that name, if this host runs one. */
export type HostCheckLookup = (name: HostCheckName) => Service | undefined;

export async function runHostCheck(cmd: AgentCommand, lookup: HostCheckLookup): Promise<void> {
  const check = cmd.check;
  if (typeof check !== "string" || !(HOST_CHECK_NAMES as readonly string[]).includes(check))
    throw new Error(
      `unknown check ${JSON.stringify(String(check).slice(0, 40))}; this agent runs ${HOST_CHECK_NAMES.join(", ")}`,
    );
  const part = lookup(check as HostCheckName) as (Service & Partial<RunsNow>) | undefined;
  if (!part || typeof part.runNow !== "function")
    throw new Error(
      `${check} is not configured on this agent: add ${check}: to its agent.yaml or to its group's config on the server (agent_groups)`,
    );
  await part.runNow();
}
