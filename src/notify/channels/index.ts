/**
 * One channel per subscription type, in one plain map (config `type` → factory). A channel delivers one
 * notification once; retries, queues and timeouts belong to the publisher.
 */
import type { SubscriptionConfig } from "../../config/schema.js";
import { emailChannel } from "./email.js";
import { execChannel } from "./exec.js";
import { slackChannel, webhookChannel } from "./http.js";
import type { Channel, ChannelDeps } from "./types.js";

export type { Channel, ChannelDeps } from "./types.js";

type Factory<T extends SubscriptionConfig["type"]> = (
  sub: Extract<SubscriptionConfig, { type: T }>,
  deps: ChannelDeps,
) => Channel;

/** Complete: a channel type in src/config/schema.ts without a factory here does not compile. */
export const channelFactories = {
  email: emailChannel,
  slack: slackChannel,
  webhook: webhookChannel,
  exec: execChannel,
} satisfies { [T in SubscriptionConfig["type"]]: Factory<T> };

export function createChannel(sub: SubscriptionConfig, deps: ChannelDeps): Channel {
  const factory = channelFactories[sub.type] as Factory<typeof sub.type>;
  return factory(sub as never, deps);
}
