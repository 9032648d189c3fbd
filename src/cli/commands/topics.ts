/** `mamori topics test TOPIC`: sends a test message to every subscription now and reports each result. */
import os from "node:os";
import type { Command } from "commander";
import pino from "pino";
import { systemClock } from "../../core/clock.js";
import { UsageError } from "../../core/errors.js";
import { channelsFor } from "../../notify/part.js";
import { sendToEverySubscription } from "../../notify/publisher.js";
import { testNotification } from "../../notify/render.js";
import { withStore } from "../store-access.js";

export function registerTopics(program: Command): void {
  const topics = program.command("topics").description("notification topics");

  topics
    .command("test")
    .argument("<topic>", "topic name")
    .description("send a test message to every subscription of TOPIC now; exit 1 if any failed")
    .option("-c, --config <file>", "config file (default ./mamori.yaml)")
    .option("--data-dir <dir>", "record the attempts in this data directory instead of the config's")
    .option("--json", "one JSON line per subscription")
    .action(async (name: string, o: { config?: string; dataDir?: string; json?: boolean }) => {
      await withStore(o, async (store, loaded) => {
        const topic = loaded.config.topics.find((t) => t.name === name);
        if (!topic) {
          const known = loaded.config.topics.map((t) => t.name);
          throw new UsageError(
            `no topic "${name}"; ${known.length ? `known topics: ${known.join(", ")}` : "define it under topics: in the config"}`,
          );
        }
        if (topic.subscriptions.length === 0) throw new UsageError(`topic "${name}" has no subscriptions`);
        const host = loaded.config.hostname ?? os.hostname();
        const channels = channelsFor(topic, { smtp: loaded.config.smtp });
        const results = await sendToEverySubscription(
          topic,
          channels,
          testNotification({
            text: `This is a test notification from mamori for topic "${name}".`,
            time: new Date(systemClock.now()).toISOString(),
            host,
          }),
          { clock: systemClock, deliveries: store.deliveries, log: pino({ level: "silent" }), host },
        );
        for (const r of results) {
          process.stdout.write(
            o.json
              ? `${JSON.stringify(r)}\n`
              : `${r.ok ? "ok  " : "FAIL"}  ${r.subscription}  (${Math.round(r.durationMs)} ms)${r.error ? `  ${r.error}` : ""}\n`,
          );
        }
        if (results.some((r) => !r.ok)) process.exitCode = 1;
      });
    });
}
