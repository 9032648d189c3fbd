/**
 * The mamori.yaml contract (../shared/spec/config.md), as strict zod schemas: unknown keys are errors.
 * Durations are kept as written here and turned into seconds by `duration` (so errors point at the value).
 */
import { z } from "zod";
import { HTTP_SERVER_DEFAULTS, httpServerSchema } from "../api/config.js";
import { duration, type EntryCheck, nonEmpty, pathString } from "../core/config.js";
import { agentSchema, serverSchema } from "../fleet/config.js";
import { auditSchema } from "../hids/audit/config.js";
import { fimSchema } from "../hids/fim/config.js";
import { rootcheckSchema } from "../hids/rootcheck/config.js";
import { emailChannelSchema, smtpSchema } from "../notify/channels/email/config.js";
import { execChannelSchema } from "../notify/channels/exec/config.js";
import { checkSlackChannel, slackChannelSchema } from "../notify/channels/slack/config.js";
import { webhookChannelSchema } from "../notify/channels/webhook/config.js";
import { jailSchema } from "./jails.js";
import { sourceSchema } from "./sources.js";

export { duration } from "../core/config.js";
export type { FimConfig, FimPathConfig } from "../hids/fim/config.js";
export { smtpSchema } from "../notify/channels/email/config.js";
export type { CloudtrailSourceConfig } from "../sources/cloudtrail/config.js";
export type { FileSourceConfig } from "../sources/file/config.js";
export { fileSourceSchema } from "../sources/file/config.js";
export type { HttpSourceConfig } from "../sources/http/config.js";
export type { JournaldSourceConfig } from "../sources/journald/config.js";
export { journaldSourceSchema } from "../sources/journald/config.js";
export type { SyslogSourceConfig } from "../sources/syslog/config.js";
export type { VpcFlowSourceConfig } from "../sources/vpc-flow/config.js";
export { type ActionName, actionNames, type JailConfig, jailSchema } from "./jails.js";
export { type SourceConfig, sourceSchema } from "./sources.js";

// ---------------------------------------------------------------- log groups, metric filters

/** days events are kept when neither the group nor the file's top-level `retention_days` says otherwise */
export const DEFAULT_RETENTION_DAYS = 30;
/** `retention_days` in days; 0 keeps events forever */
const retentionDays = z.number().int().min(0, "retention_days is a number of days (0 keeps events forever)");

export const logGroupSchema = z.strictObject({
  name: nonEmpty,
  retention_days: retentionDays.optional(),
});

const metricName = z.string().regex(/^[^:*$]{1,255}$/, "1-255 characters, no ':', '*' or '$'");

export const metricFilterSchema = z
  .strictObject({
    name: nonEmpty,
    group: nonEmpty.optional(),
    log_group: nonEmpty.optional(),
    pattern: z.string(),
    metric: z.strictObject({
      namespace: metricName,
      name: metricName,
      value: z.union([z.string(), z.number()]).transform(String).default("1"),
      default: z.number().optional(),
      unit: nonEmpty.optional(),
      dimensions: z.record(z.string(), z.string()).optional(),
    }),
  })
  .superRefine((v, ctx) => {
    if (!v.group && !v.log_group)
      ctx.addIssue({ code: "custom", message: "a metric filter needs `group` (the log group it reads)" });
    if (v.metric.dimensions && Object.keys(v.metric.dimensions).length > 3)
      ctx.addIssue({
        code: "custom",
        path: ["metric", "dimensions"],
        message: "at most 3 dimensions are allowed",
      });
    if (v.metric.dimensions && v.metric.default !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["metric", "default"],
        message: "`default` cannot be used together with `dimensions` (as in CloudWatch); remove one",
      });
  })
  .transform((v) => ({ ...v, group: (v.group ?? v.log_group) as string }));

// ---------------------------------------------------------------- alarms

export const comparisonSchema = z.enum([
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
]);
export const statisticSchema = z.enum(["Sum", "Average", "Minimum", "Maximum", "SampleCount"]);

export const alarmSchema = z
  .strictObject({
    name: nonEmpty,
    description: z.string().default(""),
    metric: z.strictObject({
      namespace: metricName,
      name: metricName,
      dimensions: z.record(z.string(), z.string()).optional(),
    }),
    statistic: statisticSchema,
    period: duration().refine((p) => p === 10 || p === 30 || (p >= 60 && p % 60 === 0), {
      message: "period must be 10, 30 or a multiple of 60 seconds",
    }),
    evaluation_periods: z.number().int().positive(),
    datapoints_to_alarm: z.number().int().positive().optional(),
    threshold: z.number(),
    comparison: comparisonSchema,
    treat_missing_data: z.enum(["missing", "notBreaching", "breaching", "ignore"]).default("missing"),
    early: z.boolean().optional(),
    actions: z
      .strictObject({
        alarm: z.array(nonEmpty).default([]),
        ok: z.array(nonEmpty).default([]),
        insufficient_data: z.array(nonEmpty).default([]),
      })
      .default({ alarm: [], ok: [], insufficient_data: [] }),
  })
  .superRefine((v, ctx) => {
    if (v.datapoints_to_alarm !== undefined && v.datapoints_to_alarm > v.evaluation_periods)
      ctx.addIssue({
        code: "custom",
        path: ["datapoints_to_alarm"],
        message: `datapoints_to_alarm (${v.datapoints_to_alarm}) must not exceed evaluation_periods (${v.evaluation_periods})`,
      });
  });

// ---------------------------------------------------------------- topics

/** Every channel type: its schema (notify/channels/<type>/config.ts) and the checks of its keys. */
export const channelTypes = {
  email: { schema: emailChannelSchema },
  slack: { schema: slackChannelSchema, check: checkSlackChannel },
  webhook: { schema: webhookChannelSchema },
  exec: { schema: execChannelSchema },
};

type ChannelSchemas = (typeof channelTypes)[keyof typeof channelTypes]["schema"];

export const subscriptionSchema = z.discriminatedUnion(
  "type",
  Object.values(channelTypes).map((t) => t.schema) as [ChannelSchemas, ...ChannelSchemas[]],
);

export const topicSchema = z.strictObject({
  name: nonEmpty,
  subscriptions: z.array(subscriptionSchema).default([]),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(20).default(5),
      backoff: duration().default(1),
      max_backoff: duration().default(60),
    })
    .default({ attempts: 5, backoff: 1, max_backoff: 60 }),
});

// ---------------------------------------------------------------- fleet agent groups

/**
 * What every agent of a group runs, on top of its own agent.yaml: kept as written (the server pushes the
 * text and the agent validates it), checked here against `groupConfigSchema` with this file's positions.
 */
export const agentGroupSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "group names are 1-64 letters, digits, '.', '_' or '-'"),
  config: z.record(z.string(), z.unknown()).default({}),
});

/** The keys a group config may set: sources, jails and the host checks. */
export const groupConfigSchema = z.strictObject({
  sources: z.array(sourceSchema).default([]),
  jails: z.array(jailSchema).default([]),
  fim: fimSchema.optional(),
  rootcheck: rootcheckSchema.optional(),
  audit: auditSchema.optional(),
});

// ---------------------------------------------------------------- whole file

export const configSchema = z.strictObject({
  data_dir: pathString.default("./data"),
  hostname: nonEmpty.optional(),
  log_level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  sources: z.array(sourceSchema).default([]),
  log_groups: z.array(logGroupSchema).default([]),
  /** retention of every group without its own retention_days (also groups created by sources) */
  retention_days: retentionDays.default(DEFAULT_RETENTION_DAYS),
  metric_filters: z.array(metricFilterSchema).default([]),
  alarms: z.array(alarmSchema).default([]),
  topics: z.array(topicSchema).default([]),
  smtp: smtpSchema.optional(),
  jails: z.array(jailSchema).default([]),
  filter_dirs: z.array(pathString).default(["/etc/fail2ban/filter.d"]),
  fail2ban: z.strictObject({ path: pathString.default("/etc/fail2ban") }).optional(),
  rootcheck: rootcheckSchema.optional(),
  /** policy audit (Wazuh SCA policies); absent: no audit runs in the daemon */
  audit: auditSchema.optional(),
  /** file integrity monitoring (src/hids/fim/) */
  fim: fimSchema.optional(),
  /** the web UI and API server (spec/web.md); not the `type: http` ingest source */
  http: httpServerSchema.default(HTTP_SERVER_DEFAULTS),
  /** present: this daemon is a fleet server (src/fleet/config.ts) */
  server: serverSchema.optional(),
  /** fleet server: the config each agent group runs (pushed to its agents) */
  agent_groups: z.array(agentGroupSchema).default([]),
  /** present: this data dir belongs to a fleet agent (written by `mamori agent enroll`) */
  agent: agentSchema.optional(),
});

export type MamoriConfig = z.output<typeof configSchema>;
export type MetricFilterConfig = z.output<typeof metricFilterSchema>;
export type AlarmConfig = z.output<typeof alarmSchema>;
export type TopicConfig = z.output<typeof topicSchema>;
export type SubscriptionConfig = z.output<typeof subscriptionSchema>;
export type { HttpServerConfig } from "../api/config.js";
export type SmtpConfig = z.output<typeof smtpSchema>;

/** The checks of a subscription's own keys. */
export function checkSubscription(sub: SubscriptionConfig, at: Parameters<EntryCheck<unknown>>[1]) {
  const t = channelTypes[sub.type] as { check?: EntryCheck<SubscriptionConfig> };
  return t.check ? t.check(sub, at) : [];
}
