/** `mamori config check [--config FILE]`: validates without starting anything. */
import type { Command } from "commander";
import { loadConfig } from "../../load-config.js";

export function registerConfig(program: Command): void {
  const config = program.command("config").description("work with the configuration file");
  config
    .command("check")
    .description(
      "validate a config (schema, references, patterns, filters) without starting; exit 2 with FILE:LINE:COL lines when invalid",
    )
    .option("-c, --config <file>", "config file (default: ./mamori.yaml, else the built-in default)")
    .action((opts: { config?: string }) => {
      const loaded = loadConfig(opts.config, {
        deep: true,
        onWarning: (p) => process.stderr.write(`${p.file}:${p.line}:${p.col}: warning: ${p.message}\n`),
      });
      const c = loaded.config;
      const where = loaded.origin === "file" ? loaded.path : "built-in default";
      process.stdout.write(
        `${where}: ok (${c.sources.length} sources, ${c.metric_filters.length} metric filters, ${c.alarms.length} alarms, ${c.topics.length} topics, ${c.jails.length} jails)\n`,
      );
      for (const j of c.jails.filter((j) => j.enabled))
        process.stdout.write(
          `  jail ${j.name}: filter ${j.filter}, reads ${j.group}, bans via ${j.action}\n`,
        );
    });
}
