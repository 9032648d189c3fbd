/** `mamori replay FILE... --config FILE`: old logs through the live path on a virtual clock. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import type { LogFormat } from "../../core/log-format.js";
import { createLogger } from "../../core/logger.js";
import { loadConfig } from "../../load-config.js";
import { logFormatOption } from "../log-format-option.js";
import { isoTime, printable } from "../printable.js";

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description(
      "push old log files through the live path (metric filters, alarms, jails) on a virtual clock",
    )
    .argument("<files...>", "log files, replayed in the order given")
    .requiredOption("-c, --config <file>", "the config whose metric filters, alarms and jails to run")
    .option("-g, --group <group>", "log group of the lines (default: the file source whose path matches)")
    .option("--data-dir <dir>", "where the replay stores its data (default: a new temporary directory)")
    .option(
      "--live",
      "use the configured ban actions and notification subscriptions (default: dry-run, no notifications)",
    )
    .option("--json", "print the summary as JSON")
    .addOption(logFormatOption())
    .action(
      async (
        files: string[],
        o: {
          config: string;
          group?: string;
          dataDir?: string;
          live?: boolean;
          json?: boolean;
          logFormat?: LogFormat;
        },
      ) => {
        // the jails' filter thread starts loading its modules while the config loads, and compiles the
        // jails' filters while the replay loads
        const filterThread = await import("../../replay/filter-thread.js");
        filterThread.warmFilterThread();
        const loaded = loadConfig(o.config, { deep: true });
        const paths = files.map((f) => path.resolve(f));
        filterThread.prepareFilterThread(loaded.config, paths, o.group);
        const dataDir = path.resolve(o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "mamori-replay-")));
        const log = createLogger(process.env.MAMORI_LOG_LEVEL ?? "warn", { format: o.logFormat });
        const { replay } = await import("../../replay/replay.js");
        const started = systemClock.now();
        const s = await replay({
          files: paths,
          config: loaded.config,
          group: o.group,
          dataDir,
          live: o.live ?? false,
          log,
          now: systemClock.now(),
        });
        const elapsedMs = Math.max(1, systemClock.now() - started);
        const linesPerSecond = Math.round((s.lines / elapsedMs) * 1000);
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ ...s, elapsedMs, linesPerSecond })}\n`);
          return;
        }
        const iso = (t: number | null) => (t === null ? "-" : isoTime(t));
        const out = [
          `replayed ${s.lines} lines (${s.events} events, ${iso(s.firstEvent)} .. ${iso(s.lastEvent)}) in ${(elapsedMs / 1000).toFixed(2)} s, ${linesPerSecond} lines/s; data in ${s.dataDir}`,
          `alarm state changes: ${s.alarms.length}`,
          ...s.alarms.map((a) => `  ${iso(a.time)}  ${a.name}: ${printable(a.summary)}`),
          `bans: ${s.bans.length}`,
          ...s.bans.map(
            (b) =>
              `  ${iso(b.start)}  ${b.jail} ${b.ip} (${b.failures} failures) until ${b.end === null ? "forever" : iso(b.end)}`,
          ),
        ];
        if (s.overBudgetLines > 0)
          out.push(
            `lines given up on: ${s.overBudgetLines} (a filter or pattern ran over the line budget on them; their results are missing: see the warnings above)`,
          );
        process.stdout.write(`${out.join("\n")}\n`);
      },
    );
}
