/**
 * `mamori agents token create|list|remove`, `mamori agents list|remove|check` on the fleet server. They
 * work on the server's store (the config's data_dir, or --data-dir); the running server reads revocations
 * and "run a check now" requests from it.
 */
import path from "node:path";
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import { parseDuration } from "../../core/duration.js";
import { UsageError } from "../../core/errors.js";
import { checkRequestRefusal, requestCheck } from "../../fleet/server/check-request.js";
import { agentJson, revokeAgent } from "../../fleet/server/registry.js";
import { createEnrollToken, GROUP_NAME, GROUP_NAME_HINT } from "../../fleet/server/tokens.js";
import type { CheckTarget, HostCheckName } from "../../store/store.js";
import { isoTime, printable } from "../printable.js";
import { parsePositiveInt, withStore } from "../store-access.js";

interface Common {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file of the fleet server (default ./mamori.yaml)")
    .option("--data-dir <dir>", "use this data directory instead of the config's");
}

export function registerAgents(program: Command): void {
  const agents = program.command("agents").description("fleet server: enrollment tokens and enrolled agents");
  const token = agents.command("token").description("enrollment tokens: create, list, remove");

  withCommon(token.command("create").description("print a new enrollment token"))
    .option("--group <name>", "agent group the enrolled agents join", "default")
    .option("--uses <n>", "how many agents may enroll with it", "1")
    .option("--ttl <duration>", "how long it stays valid (1h, 1d, 7d)", "1d")
    .action(async (o: Common & { group: string; uses: string; ttl: string }) => {
      if (!GROUP_NAME.test(o.group)) throw new UsageError(`--group "${o.group}": ${GROUP_NAME_HINT}`);
      const uses = parsePositiveInt(o.uses, "--uses");
      let ttl: number;
      try {
        ttl = parseDuration(o.ttl);
      } catch {
        throw new UsageError(`--ttl "${o.ttl}" is not a duration (1h, 1d, 7d)`);
      }
      if (ttl <= 0) throw new UsageError("--ttl must be longer than 0");
      await withStore(o, async (store, loaded) => {
        const server = loaded.config.server;
        if (!server)
          throw new UsageError(
            `${loaded.path ?? "the config"} has no \`server:\` section: add server: { name: HOST } to make this mamori a fleet server (docs/fleet.md)`,
          );
        const t = await createEnrollToken(
          {
            agents: store.agents,
            dataDir: path.resolve(o.dataDir ?? loaded.config.data_dir),
            server,
            clock: systemClock,
          },
          { group: o.group, uses, ttlS: ttl },
        );
        process.stdout.write(`${t.token}\n`);
        process.stderr.write(
          `token ${t.id}: group ${o.group}, ${uses} use${uses === 1 ? "" : "s"}, valid until ${isoTime(t.expiresAt)}\n` +
            `on the agent: mamori agent enroll --token <the line above> [--name NAME] [--data-dir DIR]\n`,
        );
      });
    });

  withCommon(token.command("list").description("enrollment tokens (never their secrets)"))
    .option("--json", "JSON lines")
    .action(async (o: Common) => {
      await withStore(o, async (store) => {
        for (const t of await store.agents.tokens()) {
          const j = {
            id: t.id,
            group: t.group,
            uses: t.uses,
            used: t.used,
            expires: isoTime(t.expiresAt),
            created: isoTime(t.createdAt),
          };
          process.stdout.write(
            o.json
              ? `${JSON.stringify(j)}\n`
              : `${j.id}  ${printable(j.group).padEnd(12)}  ${j.used}/${j.uses}  expires ${j.expires}\n`,
          );
        }
      });
    });

  withCommon(token.command("remove").description("delete a token (agents enrolled with it stay)"))
    .argument("<id>", "token id, as `agents token list` shows it")
    .action(async (id: string, o: Common) => {
      await withStore(o, async (store) => {
        if (!(await store.agents.removeToken(id)))
          throw new UsageError(`no token ${printable(id)}; see mamori agents token list`);
        process.stdout.write(`token ${id} removed\n`);
      });
    });

  withCommon(agents.command("list").description("enrolled agents and their status"))
    .option("--json", "JSON lines")
    .action(async (o: Common) => {
      await withStore(o, async (store) => {
        const list = await store.agents.list();
        if (o.json) {
          for (const a of list) process.stdout.write(`${JSON.stringify(agentJson(a))}\n`);
          return;
        }
        if (list.length === 0) process.stdout.write("no agents enrolled; see mamori agents token create\n");
        for (const a of list)
          process.stdout.write(
            `${a.id}  ${printable(a.name).padEnd(16)}  ${printable(a.group).padEnd(10)}  ${a.status.padEnd(15)}  ${a.lastSeen === null ? "-" : isoTime(a.lastSeen)}  ${a.address ?? "-"}\n`,
          );
      });
    });

  withCommon(agents.command("remove").description("revoke an agent: its next request is refused"))
    .argument("<id>", "agent id, as `agents list` shows it")
    .action(async (id: string, o: Common) => {
      await withStore(o, async (store) => {
        if (!(await revokeAgent(store.agents, id)))
          throw new UsageError(`no agent ${printable(id)}; see mamori agents list`);
        process.stdout.write(`agent ${id} revoked\n`);
      });
    });

  withCommon(
    agents
      .command("check")
      .description(
        "run a host check (fim, rootcheck, audit) now on one agent, a group or all; prints each agent's answer",
      ),
  )
    .argument("<args...>", "ID CHECK, or CHECK with --group or --all")
    .option("--group <name>", "every agent of this group")
    .option("--all", "every agent")
    .option("--wait <duration>", "how long to wait for the agents' answers", "60s")
    .option("--json", "one JSON line per agent")
    .action(async (args: string[], o: Common & { group?: string; all?: boolean; wait: string }) => {
      const { check, target } = checkArgs(args, o);
      let waitS: number;
      try {
        waitS = parseDuration(o.wait);
      } catch {
        throw new UsageError(`--wait "${o.wait}" is not a duration (10s, 1m)`);
      }
      await withStore(o, async (store) => {
        const refusal = await checkRequestRefusal(store.agents, check, target);
        if (refusal) throw new UsageError(refusal);
        // the clock's timers do not hold the process open (a daemon's must not): this port does, while waiting
        const hold = new MessageChannel();
        hold.port1.on("message", () => {});
        const out = await requestCheck(store.agents, check as HostCheckName, target, {
          clock: systemClock,
          waitMs: waitS * 1000,
        }).finally(() => hold.port1.close());
        if (out.sentAt === null) {
          process.stderr.write(
            `request ${out.id}: no fleet server picked it up within ${o.wait}; is \`mamori serve\` (with server:) running on this data dir? It is sent when the server starts\n`,
          );
          process.exitCode = 1;
          return;
        }
        for (const r of out.results) {
          const state = r.ok === null ? "pending" : r.ok ? "ok" : "error";
          process.stdout.write(
            o.json
              ? `${JSON.stringify({ request: out.id, check, agent: r.agent, name: r.name, state, error: r.error })}\n`
              : `${r.agent}  ${printable(r.name).padEnd(16)}  ${state === "pending" ? `no answer within ${o.wait} (it answers when its run is over)` : state === "ok" ? `ran ${check}` : `error: ${printable(r.error ?? "")}`}\n`,
          );
        }
        if (out.results.some((r) => r.ok !== true)) process.exitCode = 1;
      });
    });
}

/** `ID CHECK`, or `CHECK` with --group/--all: exactly one of the three targets. */
function checkArgs(
  args: string[],
  o: { group?: string; all?: boolean },
): { check: string; target: CheckTarget } {
  const given = [args.length === 2, o.group !== undefined, o.all === true].filter(Boolean).length;
  if (given !== 1 || args.length > 2)
    throw new UsageError(
      "name the agents once: mamori agents check ID CHECK, mamori agents check --group G CHECK or mamori agents check --all CHECK",
    );
  if (args.length === 2) return { check: args[1], target: { agent: args[0] } };
  if (o.group !== undefined) {
    if (!GROUP_NAME.test(o.group)) throw new UsageError(`--group "${o.group}": ${GROUP_NAME_HINT}`);
    return { check: args[0], target: { group: o.group } };
  }
  return { check: args[0], target: { all: true } };
}
