/**
 * `mamori fim check|baseline|maintenance` (spec/hids.md). `check` scans now against the stored baseline
 * (creating it when there is none), records each change in `mamori/fim` as the daemon would (so alarms
 * and `mamori logs` see it) and exits 3 when something changed. `baseline` rebuilds the baseline and
 * reports nothing. `maintenance --for 30m` opens a window whose changes carry "maintenance": true.
 */
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import pino from "pino";
import type { MamoriConfig } from "../../config/schema.js";
import { systemClock } from "../../core/clock.js";
import { parseDuration } from "../../core/duration.js";
import { UsageError } from "../../core/errors.js";
import { pipelineCommit } from "../../hids/fim/commit.js";
import type { FimConfig } from "../../hids/fim/config.js";
import type { FimEvent } from "../../hids/fim/events.js";
import { currentPackageIndex } from "../../hids/fim/packages.js";
import { FimScanner } from "../../hids/fim/scanner.js";
import { buildMetricsPart } from "../../metrics/part.js";
import { Pipeline } from "../../pipeline/pipeline.js";
import type { SqliteStore } from "../../store/sqlite/index.js";
import { isoTime, printable } from "../printable.js";
import { withStore } from "../store-access.js";

interface Common {
  config?: string;
  json?: boolean;
}

/** exit code of a check that ran fine and found changes */
const FOUND = 3;

function fimOf(config: MamoriConfig, file: string | undefined): FimConfig {
  if (!config.fim)
    throw new UsageError(
      `${file ?? "the config"} has no fim: section; add one with the paths to watch (see docs/host-checks.md), e.g.\nfim:\n  paths:\n    - path: /etc`,
    );
  return config.fim;
}

async function withScanner<T>(
  o: Common,
  fn: (scanner: FimScanner, store: SqliteStore) => Promise<T>,
): Promise<T> {
  return withStore({ config: o.config }, async (store, loaded) => {
    const fim = fimOf(loaded.config, o.config);
    const log = pino({ level: "silent" });
    const pipeline = new Pipeline({ logs: store.logs, log });
    buildMetricsPart(loaded.config.metric_filters, pipeline);
    const host = () => loaded.config.hostname ?? os.hostname();
    const scanner = new FimScanner(fim, {
      fim: store.fim,
      commit: pipelineCommit(pipeline, systemClock, host),
      clock: systemClock,
      host,
      copiesDir: path.join(path.resolve(loaded.config.data_dir), "fim", "copies"),
      packages: fim.verify_packages ? () => currentPackageIndex(fim.package_root) : undefined,
    });
    try {
      return await fn(scanner, store);
    } finally {
      await scanner.close();
      await pipeline.flushed();
    }
  });
}

function describeEvent(e: FimEvent): string {
  const what = e.changed?.length ? ` (${e.changed.join(", ")})` : e.detail ? `: ${e.detail}` : "";
  const tags = [
    e.package ? `package ${e.package}` : "",
    e.unexplained ?? "",
    e.maintenance ? "maintenance" : "",
  ]
    .filter(Boolean)
    .join("; ");
  return `${e.change.padEnd(10)} ${printable(e.path)}${what}${tags ? ` [${printable(tags)}]` : ""}`;
}

export function registerFim(program: Command): void {
  const fim = program
    .command("fim")
    .description("file integrity monitoring: check, baseline, maintenance windows");
  const common = (c: Command) =>
    c.option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)");

  common(
    fim
      .command("check")
      .description(
        "scan now against the stored baseline (created when there is none); exit 3 when something changed",
      ),
  )
    .option("--json", "one JSON line per change (the mamori/fim message)")
    .action(async (o: Common) => {
      await withScanner(o, async (scanner) => {
        const events = await scanner.scanAll();
        let changes = 0;
        for (const e of events) {
          if (e.change === "baseline") {
            process.stderr.write(`baseline of ${printable(e.path)} created: ${e.files} paths\n`);
            continue;
          }
          if (e.change !== "unreadable" && e.change !== "too_large") changes++;
          process.stdout.write(o.json ? `${JSON.stringify(e)}\n` : `${describeEvent(e)}\n`);
        }
        if (!o.json && changes === 0) process.stderr.write("no changes\n");
        if (changes > 0) process.exitCode = FOUND;
      });
    });

  common(
    fim.command("baseline").description("(re)build the baseline of every fim path, reporting nothing"),
  ).action(async (o: Common) => {
    await withScanner(o, async (scanner) => {
      const events = await scanner.scanAll({ rebuild: true });
      for (const e of events)
        if (e.change === "baseline")
          process.stderr.write(`baseline of ${printable(e.path)}: ${e.files} paths\n`);
    });
  });

  common(
    fim
      .command("maintenance")
      .description('open a maintenance window: changes in it carry "maintenance": true'),
  )
    .requiredOption("--for <duration>", "how long the window lasts (30m, 2h)")
    .option("--reason <text>", "why (kept with the window and shown in its events)")
    .action(async (o: Common & { for: string; reason?: string }) => {
      let seconds: number;
      try {
        seconds = parseDuration(o.for);
      } catch (err) {
        throw new UsageError(`--for: ${(err as Error).message}`);
      }
      if (seconds <= 0) throw new UsageError(`--for must be longer than 0 (e.g. 30m)`);
      await withStore({ config: o.config }, async (store, loaded) => {
        fimOf(loaded.config, o.config);
        const start = systemClock.now();
        const end = start + seconds * 1000;
        await store.fim.addMaintenance({ start, end, reason: o.reason ?? "" });
        process.stdout.write(`maintenance window open until ${isoTime(end)}\n`);
      });
    });
}
