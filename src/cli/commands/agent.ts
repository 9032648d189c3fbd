/**
 * `mamori agent enroll --token T [--name N] [--data-dir D]` and `mamori agent run --data-dir D` on a host
 * that reports to a fleet server. The agent's data dir is a mamori data dir: DATA/agent.yaml is its config
 * (`mamori bans list --config DATA/agent.yaml` and `mamori logs … --data-dir DATA` work on it).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { LogFormat } from "../../core/log-format.js";
import { EnrollError, enrollAgent } from "../../fleet/agent/enroll.js";
import { agentFiles } from "../../fleet/agent/files.js";
import { TokenFormatError } from "../../fleet/enroll/token.js";
import { logFormatOption } from "../log-format-option.js";
import { runServe } from "./serve.js";

const NAME = /^[\p{L}\p{N}._-]{1,64}$/u;

export function registerAgent(program: Command): void {
  const agent = program.command("agent").description("this host as a fleet agent: enroll, run");

  agent
    .command("enroll")
    .description("enroll this host with a fleet server (token from `mamori agents token create`)")
    .requiredOption("--token <token>", "the enrollment token")
    .option("--name <name>", "name shown on the server (default: the host name)")
    .option("--data-dir <dir>", "the agent's data dir (its config, keys and local store)", "./data")
    .action(async (o: { token: string; name?: string; dataDir: string }) => {
      const name = o.name ?? os.hostname().split(".")[0];
      if (!NAME.test(name))
        throw new UsageError(`--name "${name}": use 1-64 letters, digits, '.', '_' or '-'`);
      const dataDir = path.resolve(o.dataDir);
      try {
        const r = await enrollAgent({ token: o.token, name, dataDir });
        process.stdout.write(
          `enrolled as ${r.id} (name ${r.name}, group ${r.group}) with ${r.server}\n` +
            `config: ${r.configFile}\nstart it with: mamori agent run --data-dir ${o.dataDir}\n`,
        );
      } catch (err) {
        if (err instanceof TokenFormatError) throw new UsageError(err.message);
        if (err instanceof EnrollError) {
          process.stderr.write(`mamori: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });

  agent
    .command("run")
    .description("run this host's agent: its sources into its local store, forwarded to the server")
    .option("--data-dir <dir>", "the agent's data dir (as given to `agent enroll`)", "./data")
    .addOption(logFormatOption())
    .action(async (o: { dataDir: string; logFormat?: LogFormat }) => {
      const file = agentFiles(path.resolve(o.dataDir)).config;
      if (!fs.existsSync(file))
        throw new UsageError(
          `${file} does not exist: enroll first with mamori agent enroll --token T --data-dir ${o.dataDir}`,
        );
      await runServe({ config: file, logFormat: o.logFormat, http: false });
    });
}
