/**
 * `mamori rootcheck [--config F] [--json]`: runs the rootcheck checks now (spec/hids.md). `--json` prints one
 * JSON line per finding, the `mamori/rootcheck` event shape. Exit 0: nothing found; 3: findings; 1: a check
 * could not run (the others still ran and were printed); 2: usage or config error. The config's
 * `rootcheck:` key chooses the checks; without it every check runs with the defaults. The SUID baseline is
 * the store's, shared with the daemon.
 */
import os from "node:os";
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import { rootcheckSchema } from "../../hids/rootcheck/config.js";
import type { Finding } from "../../hids/rootcheck/finding.js";
import { runRootcheck } from "../../hids/rootcheck/run.js";
import { printable } from "../printable.js";
import { withStore } from "../store-access.js";

function printFinding(f: Finding): string {
  const where = [
    f.path !== undefined ? `path ${printable(f.path)}` : "",
    f.pid !== undefined ? `pid ${f.pid}` : "",
    f.port !== undefined ? `port ${f.port}` : "",
  ].filter(Boolean);
  return (
    `[${f.severity.toUpperCase()}] ${f.check}: ${printable(f.title)}${where.length ? ` (${where.join(", ")})` : ""}\n` +
    `    ${printable(f.detail)}\n`
  );
}

export function registerRootcheck(program: Command): void {
  program
    .command("rootcheck")
    .description(
      "run the rootkit and host checks now (hidden processes and ports, promiscuous interfaces, /dev, SUID, world-writable, rootkit files); exit 3 when something is found",
    )
    .option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)")
    .option("--data-dir <dir>", "use this data directory (SUID baseline) instead of the config's")
    .option("--json", "one JSON line per finding")
    .action(async (o: { config?: string; dataDir?: string; json?: boolean }) => {
      await withStore(o, async (store, loaded) => {
        const config = loaded.config.rootcheck ?? rootcheckSchema.parse({});
        const run = await runRootcheck(config, {
          store: store.rootcheck,
          now: () => systemClock.now(),
          host: loaded.config.hostname ?? os.hostname(),
        });
        for (const f of run.findings)
          process.stdout.write(o.json ? `${JSON.stringify(f)}\n` : printFinding(f));
        if (!o.json && run.findings.length === 0 && run.failures.length === 0)
          process.stdout.write(`rootcheck: nothing found (${config.checks.join(", ")})\n`);
        for (const f of run.failures)
          process.stderr.write(`rootcheck: the ${f.check} check could not run: ${printable(f.error)}\n`);
        if (run.failures.length > 0) process.exitCode = 1;
        else if (run.findings.length > 0) process.exitCode = 3;
      });
    });
}
