/** `mamori serve [--config FILE]`: the daemon. SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config. */
import type { Command } from "commander";
import { describeDefault } from "../../config/defaults.js";
import { holdProcessOpen, systemClock } from "../../core/clock.js";
import { ConfigError, type ConfigProblem, errorMessage } from "../../core/errors.js";
import type { LogFormat } from "../../core/log-format.js";
import { createLogger } from "../../core/logger.js";
import { loadForServe } from "../../load-config.js";
import { logFormatOption } from "../log-format-option.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the daemon (default config: ./mamori.yaml if present, else the built-in default)")
    .option("-c, --config <file>", "config file")
    .addOption(logFormatOption())
    .option("--no-http", "do not serve the web UI and API (as `http: { enabled: false }`)")
    .action(runServe);
}

/**
 * The daemon until SIGTERM/SIGINT; `mamori agent run` runs it on the agent's DATA/agent.yaml (with
 * `http: false`: an agent serves no UI of its own; the fleet server's shows it).
 */
export async function runServe(opts: {
  config?: string;
  logFormat?: LogFormat;
  http?: boolean;
}): Promise<void> {
  const warnings: ConfigProblem[] = [];
  const now = () => systemClock.now();
  const loaded = loadForServe(opts.config, { now, onWarning: (p) => warnings.push(p) });
  const log = createLogger(process.env.MAMORI_LOG_LEVEL ?? loaded.config.log_level, {
    format: opts.logFormat,
  });
  for (const p of warnings) log.warn(`${p.file}:${p.line}:${p.col}: ${p.message}`);
  if (loaded.origin === "builtin")
    for (const notice of describeDefault(loaded.config)) log[notice.level](notice.message);
  else log.info({ config: loaded.path }, "configuration loaded");
  // the daemon (and every part it builds) is loaded by `serve` only, not by every CLI start
  const { Daemon } = await import("../../daemon.js");
  const daemon = new Daemon({
    config: loaded.config,
    configPath: loaded.path,
    jailFilters: loaded.jailFilters,
    clock: systemClock,
    log,
    serveHttp: opts.http !== false,
  });
  await daemon.start();
  // with only polling sources (vpc-flow, cloudtrail) nothing else holds the event loop until SIGTERM
  const hold = holdProcessOpen();
  await new Promise<void>((resolve) => {
    let reloading = Promise.resolve();
    const stop = (signal: string) => {
      log.info({ signal }, "stopping: draining the pipeline");
      process.off("SIGHUP", onHup);
      void reloading
        .then(() => daemon.stop())
        .then(resolve, (err) => {
          log.error({ err: errorMessage(err) }, "stop failed");
          process.exitCode = 1;
          resolve();
        });
    };
    const onHup = () => {
      reloading = reloading.then(async () => {
        try {
          const next = loadForServe(opts.config ?? loaded.path, { now });
          await daemon.reload(next.config, next.path, next.jailFilters);
        } catch (err) {
          // a part that failed to start was rolled back; the daemon logged that and what runs
          if (!(err instanceof ConfigError)) return;
          log.error(
            { problems: err.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`) },
            "reload refused: the new config is invalid; the old one keeps running",
          );
        }
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", onHup);
  });
  hold.release();
}
