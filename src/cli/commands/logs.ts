/** `mamori logs groups|streams|tail|filter`, shaped like `aws logs`. */
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import { UsageError } from "../../core/errors.js";
import type { StoredEvent } from "../../core/event.js";
import { compilePattern, PatternSyntaxError } from "../../patterns/index.js";
import { isoTime, printable } from "../printable.js";
import { parsePositiveInt, parseTimeArg, withStore } from "../store-access.js";

interface Common {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

const PAGE = 10_000;

function eventJson(e: StoredEvent): string {
  return JSON.stringify({
    eventId: String(e.id),
    timestamp: e.timestamp,
    ingestionTime: e.ingestTime,
    logStreamName: e.stream,
    message: e.message,
  });
}

function eventText(e: StoredEvent): string {
  return `${isoTime(e.timestamp)} ${printable(e.stream)} ${printable(e.message)}`;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file (its data_dir holds the store)")
    .option("--data-dir <dir>", "read this data directory instead of the config's");
}

export function registerLogs(program: Command): void {
  const logs = program
    .command("logs")
    .description("read stored log groups, streams and events (like `aws logs`)");

  withCommon(logs.command("groups").description("list log groups").option("--json", "JSON lines")).action(
    async (o: Common) => {
      await withStore(o, async (store) => {
        for (const g of await store.logs.groups()) {
          process.stdout.write(
            o.json
              ? `${JSON.stringify({ logGroupName: g.name, retentionInDays: g.retentionDays, creationTime: g.createdAt, storedEvents: g.storedEvents, storedBytes: g.storedBytes })}\n`
              : `${printable(g.name)}\t${g.storedEvents} events\t${g.retentionDays ? `${g.retentionDays}d retention` : "kept forever"}\n`,
          );
        }
      });
    },
  );

  withCommon(
    logs
      .command("streams")
      .argument("<group>", "log group name")
      .description("list the streams of a group")
      .option("--json", "JSON lines"),
  ).action(async (group: string, o: Common) => {
    await withStore(o, async (store) => {
      for (const s of await store.logs.streams(group)) {
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ logStreamName: s.name, firstEventTimestamp: s.firstEventTimestamp, lastEventTimestamp: s.lastEventTimestamp, lastIngestionTime: s.lastIngestionTime, storedEvents: s.storedEvents })}\n`
            : `${printable(s.name)}\t${s.storedEvents} events\tlast ${s.lastEventTimestamp ? isoTime(s.lastEventTimestamp) : "-"}\n`,
        );
      }
    });
  });

  withCommon(
    logs
      .command("filter")
      .argument("<group>", "log group name")
      .description("print the events of a group in event-time order, optionally matching a filter pattern")
      .option("-p, --pattern <pattern>", "CloudWatch filter pattern")
      .option("--start <time>", "from (ms epoch, ISO 8601, or a duration ago like 1h)")
      .option("--end <time>", "until, exclusive")
      .option("--stream <name...>", "only these streams")
      .option("--limit <n>", "at most n events")
      .option("--json", 'JSON lines {"eventId","timestamp","ingestionTime","logStreamName","message"}'),
  ).action(
    async (
      group: string,
      o: Common & { pattern?: string; start?: string; end?: string; limit?: string; stream?: string[] },
    ) => {
      const now = systemClock.now();
      const start = o.start !== undefined ? parseTimeArg(o.start, "--start", now) : undefined;
      const end = o.end !== undefined ? parseTimeArg(o.end, "--end", now) : undefined;
      const limit = o.limit !== undefined ? parsePositiveInt(o.limit, "--limit") : Number.POSITIVE_INFINITY;
      let matcher: ((m: string) => boolean) | undefined;
      if (o.pattern !== undefined) {
        try {
          const compiled = compilePattern(o.pattern);
          matcher = (m) => compiled.match(m) !== undefined;
        } catch (err) {
          if (err instanceof PatternSyntaxError) throw new UsageError(`pattern:${err.message}`);
          throw err;
        }
      }
      await withStore(o, async (store) => {
        let printed = 0;
        let cursor: { ts: number; id: number } | undefined;
        // pages in (timestamp, id) order, so a large group never sits in memory at once
        while (printed < limit) {
          const page = await store.logs.query({
            group,
            streams: o.stream,
            start: cursor ? cursor.ts : start,
            end,
            limit: PAGE + 1,
            afterKey: cursor,
          });
          const out: string[] = [];
          for (const e of page.slice(0, PAGE)) {
            if (printed >= limit) break;
            if (matcher && !matcher(e.message)) continue;
            out.push(o.json ? eventJson(e) : eventText(e));
            printed++;
          }
          if (out.length > 0) process.stdout.write(`${out.join("\n")}\n`);
          if (page.length <= PAGE) break;
          const last = page[PAGE - 1];
          cursor = { ts: last.timestamp, id: last.id };
        }
      });
    },
  );

  withCommon(
    logs
      .command("tail")
      .argument("<group>", "log group name")
      .description("print the newest events of a group; --follow keeps printing new ones")
      .option("-n, --lines <n>", "how many", "10")
      .option("-f, --follow", "keep printing new events")
      .option("--json", "JSON lines"),
  ).action(async (group: string, o: Common & { lines: string; follow?: boolean }) => {
    const n = parsePositiveInt(o.lines, "--lines");
    await withStore(o, async (store) => {
      let last = 0;
      for (const e of await store.logs.latest(group, n)) {
        process.stdout.write(`${o.json ? eventJson(e) : eventText(e)}\n`);
        last = e.id;
      }
      if (!o.follow) return;
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      while (!stop.signal.aborted) {
        for (const e of await store.logs.query({ group, afterId: last, orderById: true, limit: 1000 })) {
          process.stdout.write(`${o.json ? eventJson(e) : eventText(e)}\n`);
          last = e.id;
        }
        await systemClock.sleep(1000, stop.signal).catch(() => {});
      }
    });
  });
}
