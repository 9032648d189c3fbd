/**
 * The mamori.yaml contract (../shared/spec/config.md), as strict zod schemas: unknown keys are errors.
 * Durations are kept as written here and turned into seconds by `duration` (so errors point at the value).
 */
import { z } from "zod";
import { DurationError, parseDuration } from "../core/duration.js";
import { parseCidr } from "../core/ip.js";

/** `600`, `"10m"`, `"1h30m"` → seconds. fail2ban's `-1` (forever) is allowed where `allowForever`. */
export const duration = (opts: { allowForever?: boolean } = {}) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    try {
      const s = parseDuration(v);
      if (s < 0 && !(opts.allowForever && s === -1)) {
        ctx.addIssue({
          code: "custom",
          message: `duration must not be negative${opts.allowForever ? " (use -1 for forever)" : ""}`,
        });
        return z.NEVER;
      }
      return s;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: err instanceof DurationError ? err.message : String(err) });
      return z.NEVER;
    }
  });

const nonEmpty = z.string().min(1, "must not be empty");

const cidrOrHost = z.string().refine((v) => parseCidr(v) !== undefined || /^[A-Za-z0-9.-]+$/.test(v), {
  message: "expected an IP address, a CIDR (10.0.0.0/8) or a host name",
});

// ---------------------------------------------------------------- sources

export const fileSourceSchema = z.strictObject({
  type: z.literal("file"),
  id: nonEmpty.optional(),
  path: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  exclude: z.array(nonEmpty).optional(),
  group: nonEmpty,
  stream: nonEmpty.default("{hostname}"),
  start_position: z.enum(["start_of_file", "end_of_file"]).default("end_of_file"),
  datetime_format: nonEmpty.optional(),
  timezone: z.enum(["local", "UTC"]).default("local"),
  encoding: z.enum(["utf-8", "latin1"]).default("utf-8"),
  poll_interval: duration().default(1),
});

export const journaldSourceSchema = z.strictObject({
  type: z.literal("journald"),
  id: nonEmpty.optional(),
  group: nonEmpty,
  stream: nonEmpty.optional(),
  matches: z
    // "+" between matches ORs them, as in journalctl (fail2ban's journalmatch uses it)
    .array(
      z
        .string()
        .regex(/^(?:[A-Z0-9_]+=.*|\+)$/, 'expected FIELD=value (e.g. "_SYSTEMD_UNIT=ssh.service") or "+"'),
    )
    .default([]),
  directory: nonEmpty.optional(),
  journalctl: nonEmpty.default("journalctl"),
  /** without a saved cursor: the whole journal (start_of_file) or only new entries (end_of_file) */
  start_position: z.enum(["start_of_file", "end_of_file"]).default("end_of_file"),
});

export const syslogSourceSchema = z.strictObject({
  type: z.literal("syslog"),
  id: nonEmpty.optional(),
  listen: z
    .string()
    .regex(
      /^(udp|tcp|tls):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/,
      "expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT",
    ),
  group: nonEmpty,
  stream: nonEmpty.optional(),
  framing: z.enum(["auto", "newline", "octet-counting"]).default("auto"),
  tls: z.strictObject({ cert: nonEmpty, key: nonEmpty, ca: nonEmpty.optional() }).optional(),
  max_message_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
});

export const httpSourceSchema = z.strictObject({
  type: z.literal("http"),
  id: nonEmpty.optional(),
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/, "expected HOST:PORT, e.g. 127.0.0.1:8514"),
  tokens: z.array(nonEmpty).min(1, "at least one bearer token is required"),
  groups: z.array(nonEmpty).optional(),
  max_body_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});

export const vpcFlowSourceSchema = z.strictObject({
  type: z.literal("vpc-flow"),
  id: nonEmpty.optional(),
  path: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  format: nonEmpty.optional(),
  group: nonEmpty,
  poll_interval: duration().default(5),
});

export const cloudtrailSourceSchema = z.strictObject({
  type: z.literal("cloudtrail"),
  id: nonEmpty.optional(),
  path: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  group: nonEmpty,
  poll_interval: duration().default(5),
});

export const sourceSchema = z.discriminatedUnion("type", [
  fileSourceSchema,
  journaldSourceSchema,
  syslogSourceSchema,
  httpSourceSchema,
  vpcFlowSourceSchema,
  cloudtrailSourceSchema,
]);

// ---------------------------------------------------------------- log groups, metric filters

export const logGroupSchema = z.strictObject({
  name: nonEmpty,
  retention_days: z.number().int().positive().optional(),
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

export const subscriptionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("email"), to: z.union([nonEmpty, z.array(nonEmpty).min(1)]) }),
  z.strictObject({
    type: z.literal("slack"),
    url: z.string().url("expected the Slack incoming-webhook URL").optional(),
    url_file: nonEmpty.optional(),
  }),
  z.strictObject({
    type: z.literal("webhook"),
    url: z.string().url("expected an http(s) URL"),
    secret: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({
    type: z.literal("exec"),
    command: z.array(nonEmpty).min(1, "command is an argv array: [program, arg...]"),
  }),
]);

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

export const smtpSchema = z.strictObject({
  host: nonEmpty.default("127.0.0.1"),
  port: z.number().int().min(1).max(65535).default(25),
  from: nonEmpty.default("mamori@localhost"),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
});

// ---------------------------------------------------------------- jails

export const actionNames = ["nftables", "ipset", "iptables", "hosts-deny", "dry-run", "exec"] as const;

export const jailSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "jail names are 1-64 letters, digits, '_', '.' or '-'"),
  enabled: z.boolean().default(true),
  filter: nonEmpty,
  mode: nonEmpty.optional(),
  group: nonEmpty,
  maxretry: z.number().int().positive().default(5),
  findtime: duration().default(600),
  bantime: duration({ allowForever: true }).default(600),
  bantime_increment: z
    .strictObject({
      enabled: z.boolean().default(false),
      factor: z.number().positive().default(1),
      multipliers: z.array(z.number().positive()).optional(),
      maxtime: duration().optional(),
      rndtime: duration().optional(),
      overalljails: z.boolean().default(false),
    })
    .default({ enabled: false, factor: 1, overalljails: false }),
  ignoreip: z.array(cidrOrHost).default(["127.0.0.1/8", "::1"]),
  ignoreself: z.boolean().default(true),
  action: z.enum(actionNames).default("dry-run"),
  exec: z
    .strictObject({
      ban: z.array(nonEmpty).min(1),
      unban: z.array(nonEmpty).optional(),
      check: z.array(nonEmpty).optional(),
    })
    .optional(),
  port: z.union([z.string(), z.number()]).transform(String).optional(),
  protocol: z.enum(["tcp", "udp", "all"]).default("tcp"),
  chain: nonEmpty.optional(),
  blocktype: z.enum(["drop", "reject"]).default("reject"),
  ban_prefix_v6: z.number().int().min(1).max(128).optional(),
  hosts_deny: nonEmpty.optional(),
  /** remove the action's firewall state (nft table/sets, ipset, chains, hosts.deny block) when mamori stops; default keep, so bans hold across restarts */
  remove_on_stop: z.boolean().default(false),
  /** how often the firewall is compared with the stored bans and repaired (after a firewall reload); 0 = never */
  firewall_check: duration().default(30),
  daemon: nonEmpty.optional(),
  notify: z.array(nonEmpty).default([]),
});

// ---------------------------------------------------------------- whole file

export const configSchema = z.strictObject({
  data_dir: nonEmpty.default("./data"),
  hostname: nonEmpty.optional(),
  log_level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  sources: z.array(sourceSchema).default([]),
  log_groups: z.array(logGroupSchema).default([]),
  metric_filters: z.array(metricFilterSchema).default([]),
  alarms: z.array(alarmSchema).default([]),
  topics: z.array(topicSchema).default([]),
  smtp: smtpSchema.optional(),
  jails: z.array(jailSchema).default([]),
  filter_dirs: z.array(nonEmpty).default(["/etc/fail2ban/filter.d"]),
  fail2ban: z.strictObject({ path: nonEmpty.default("/etc/fail2ban") }).optional(),
});

export type MamoriConfig = z.output<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type FileSourceConfig = z.output<typeof fileSourceSchema>;
export type JournaldSourceConfig = z.output<typeof journaldSourceSchema>;
export type SyslogSourceConfig = z.output<typeof syslogSourceSchema>;
export type HttpSourceConfig = z.output<typeof httpSourceSchema>;
export type VpcFlowSourceConfig = z.output<typeof vpcFlowSourceSchema>;
export type CloudtrailSourceConfig = z.output<typeof cloudtrailSourceSchema>;
export type MetricFilterConfig = z.output<typeof metricFilterSchema>;
export type AlarmConfig = z.output<typeof alarmSchema>;
export type TopicConfig = z.output<typeof topicSchema>;
export type SubscriptionConfig = z.output<typeof subscriptionSchema>;
export type SmtpConfig = z.output<typeof smtpSchema>;
export type JailConfig = z.output<typeof jailSchema>;
export type ActionName = (typeof actionNames)[number];
