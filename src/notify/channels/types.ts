/** What a channel is: delivers one notification once. */
import type { SmtpConfig } from "../../config/schema.js";
import type { RenderContext } from "../render.js";
import type { Notification } from "../types.js";

export interface Channel {
  /** what delivery records show: "email:ops@example.com", "slack:hooks.slack.com" — never a secret */
  readonly id: string;
  /** Delivers once; rejects with an error that says what failed (never containing a secret). */
  send(n: Notification, ctx: RenderContext, signal: AbortSignal): Promise<void>;
}

export interface ChannelDeps {
  smtp?: SmtpConfig;
}
