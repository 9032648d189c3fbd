/** `mamori alarms list|history`: alarm states and their history from the store (like `aws cloudwatch describe-alarms`). */
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { AlarmStateRecord } from "../../store/store.js";
import { isoTime, printable } from "../printable.js";
import { parsePositiveInt, withStore } from "../store-access.js";

interface Common {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

const iso = isoTime;

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)")
    .option("--data-dir <dir>", "read this data directory instead of the config's")
    .option("--json", "JSON lines");
}

interface Row {
  name: string;
  state: AlarmStateRecord["state"];
  since: number | null;
  reason: string;
  reasonData: string | null;
  configured: boolean;
}

export function registerAlarms(program: Command): void {
  const alarms = program.command("alarms").description("alarm states and history");

  withCommon(alarms.command("list").description("every alarm: name, state, since when, and why")).action(
    async (o: Common) => {
      await withStore(o, async (store, loaded) => {
        const stored = new Map((await store.alarms.list()).map((s) => [s.name, s]));
        const rows: Row[] = loaded.config.alarms.map((a) => {
          const s = stored.get(a.name);
          stored.delete(a.name);
          return s
            ? { ...s, configured: true }
            : {
                name: a.name,
                state: "INSUFFICIENT_DATA",
                since: null,
                reason: "not evaluated yet (is `mamori serve` running with this config?)",
                reasonData: null,
                configured: true,
              };
        });
        for (const s of stored.values()) rows.push({ ...s, configured: false });
        if (o.json) {
          for (const r of rows)
            process.stdout.write(
              `${JSON.stringify({
                AlarmName: r.name,
                StateValue: r.state,
                StateReason: r.reason,
                StateReasonData: r.reasonData,
                StateUpdatedTimestamp: r.since === null ? null : iso(r.since),
                Configured: r.configured,
              })}\n`,
            );
          return;
        }
        if (rows.length === 0) {
          process.stdout.write("no alarms (define them under alarms: in the config)\n");
          return;
        }
        const names = rows.map((r) => printable(r.configured ? r.name : `${r.name} (not in config)`));
        const w = Math.max(4, ...names.map((n) => n.length));
        process.stdout.write(`${"NAME".padEnd(w)}  ${"STATE".padEnd(17)}  ${"SINCE".padEnd(24)}  REASON\n`);
        rows.forEach((r, i) => {
          process.stdout.write(
            `${names[i].padEnd(w)}  ${r.state.padEnd(17)}  ${(r.since === null ? "-" : iso(r.since)).padEnd(24)}  ${printable(r.reason)}\n`,
          );
        });
      });
    },
  );

  withCommon(
    alarms
      .command("history")
      .argument("<name>", "alarm name")
      .description("state changes and actions of an alarm, newest first")
      .option("--limit <n>", "at most n items", "100"),
  ).action(async (name: string, o: Common & { limit: string }) => {
    const limit = parsePositiveInt(o.limit, "--limit");
    await withStore(o, async (store, loaded) => {
      const items = await store.alarms.history(name, limit);
      if (items.length === 0 && !loaded.config.alarms.some((a) => a.name === name)) {
        const known = loaded.config.alarms.map((a) => a.name);
        throw new UsageError(
          `no alarm "${name}"; ${known.length ? `known alarms: ${known.join(", ")}` : "the config defines no alarms"}`,
        );
      }
      for (const h of items) {
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ AlarmName: h.name, Timestamp: iso(h.timestamp), HistoryItemType: h.type, HistorySummary: h.summary, HistoryData: h.data })}\n`
            : `${iso(h.timestamp)}  ${h.type.padEnd(19)}  ${printable(h.summary)}\n`,
        );
      }
    });
  });
}
