/**
 * The notify part of the daemon: one channel per subscription, and the Publisher every producer gets as
 * an argument. It lives as long as the daemon; a reload updates its topics in place (see
 * TopicPublisher.update), so queued notifications survive.
 */
import type { Logger } from "pino";
import type { SmtpConfig, TopicConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { Service } from "../service.js";
import type { DeliveryStore } from "../store/store.js";
import { type Channel, createChannel } from "./channels/index.js";
import { TopicPublisher } from "./publisher.js";

export interface ChannelSettings {
  smtp?: SmtpConfig;
}

export function channelsFor(topic: TopicConfig, settings: ChannelSettings): Channel[] {
  return topic.subscriptions.map((s) => createChannel(s, { smtp: settings.smtp }));
}

/** A topic changes when its own config or the SMTP relay does (its paths are absolute already). */
export function topicFingerprint(topic: TopicConfig, settings: ChannelSettings): string {
  return JSON.stringify({ topic, smtp: settings.smtp ?? null });
}

export interface NotifyPart {
  publisher: TopicPublisher;
  service: Service;
  /** a reload: the topics as the new config has them */
  update(topics: readonly TopicConfig[], settings: ChannelSettings): ReturnType<TopicPublisher["update"]>;
}

export function buildNotifyPart(
  topics: readonly TopicConfig[],
  settings: ChannelSettings,
  deps: { clock: Clock; deliveries: Pick<DeliveryStore, "record">; log: Logger; host: () => string },
): NotifyPart {
  const log = deps.log.child({ part: "notify" });
  let current = settings;
  const publisher = new TopicPublisher(
    topics,
    (t) => channelsFor(t, current),
    { clock: deps.clock, deliveries: deps.deliveries, log, host: deps.host },
    (t) => topicFingerprint(t, current),
  );
  return {
    publisher,
    update(next, nextSettings) {
      const previous = current;
      current = nextSettings;
      return publisher.update(next).catch((err) => {
        current = previous;
        throw err;
      });
    },
    service: {
      name: "notify",
      async start() {
        publisher.start();
      },
      async stop() {
        await publisher.stop();
        const stats = publisher.stats();
        if (stats.length > 0) log.info({ subscriptions: stats }, "notifications");
      },
      stats: () => ({ subscriptions: publisher.stats(), unknownTopics: publisher.unknownTopics }),
    },
  };
}
