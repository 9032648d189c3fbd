/** The notify part of the daemon: builds a channel per subscription and provides the Publisher. */
import type { TopicConfig } from "../config/schema.js";
import type { BuiltPart } from "../parts.js";
import type { ServiceContext } from "../service.js";
import { type Channel, createChannel } from "./channels/index.js";
import { TopicPublisher } from "./publisher.js";

export function channelsFor(topic: TopicConfig, ctx: Pick<ServiceContext, "config">): Channel[] {
  return topic.subscriptions.map((s) => createChannel(s, { smtp: ctx.config.smtp }));
}

/** Builds the publisher every other part publishes through, and the service that runs its queues. */
export function buildNotifyService(ctx: ServiceContext): BuiltPart & { publisher: TopicPublisher } {
  const log = ctx.log.child({ part: "notify" });
  const publisher = new TopicPublisher(ctx.config.topics, (t) => channelsFor(t, ctx), {
    clock: ctx.clock,
    deliveries: ctx.store.deliveries,
    log,
    host: ctx.hostname,
  });
  return {
    publisher,
    services: [
      {
        name: "notify",
        async start() {
          publisher.start();
        },
        async stop() {
          await publisher.stop();
          const stats = publisher.stats();
          if (stats.length > 0) log.info({ subscriptions: stats }, "notifications");
        },
      },
    ],
  };
}
