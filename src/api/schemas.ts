/**
 * The request and response bodies of the API as zod schemas: requests are checked with them, and the
 * OpenAPI document (openapi.ts) is generated from them, so the document and the server cannot disagree.
 * Times in responses are ms since the epoch (numbers), as in the CLI's JSON.
 */
import { z } from "zod";

export const roleSchema = z.enum(["viewer", "admin"]);
const name = z.string().min(1).max(128);

export const loginBody = z.strictObject({
  username: name,
  password: z.string().min(1).max(1024),
  totp: z
    .string()
    .regex(/^\d{6}$/, "6 digits")
    .optional(),
});

export const setupBody = z.strictObject({
  token: z.string().min(1).max(200),
  username: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, "1-64 letters, digits, '_', '.', '@' or '-'"),
  password: z.string().min(10, "at least 10 characters").max(1024),
});

export const sessionInfo = z.object({
  user: z.string(),
  role: roleSchema,
  via: z.enum(["session", "token"]),
  csrfToken: z.string().optional().describe("send it as X-CSRF-Token on POST/DELETE"),
});

export const timeParam = z
  .string()
  .regex(/^(\d{1,16}|\d{4}-\d\d-\d\d[T ][0-9:.]+(Z|[+-]\d\d:?\d\d)?)$/, "ms since epoch or ISO 8601")
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .refine((v) => Number.isFinite(v), "not a valid time");

export const eventsQuery = z.strictObject({
  group: z.string().min(1, "group is required"),
  pattern: z.string().max(1024).optional(),
  start: timeParam.optional(),
  end: timeParam.optional(),
  stream: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  next: z.string().max(200).optional(),
});

export const logEvent = z.object({
  eventId: z.string(),
  timestamp: z.number(),
  ingestionTime: z.number(),
  logStreamName: z.string(),
  message: z.string(),
});

export const eventsPage = z.object({
  events: z.array(logEvent),
  next: z.string().nullable().describe("pass as ?next= for the following page; null at the end"),
  scanned: z.number().describe("events read for this page (a page may end early after many non-matches)"),
});

export const groupInfo = z.object({
  name: z.string(),
  retentionDays: z.number().nullable(),
  createdAt: z.number(),
  storedEvents: z.number(),
  storedBytes: z.number(),
});

export const streamInfo = z.object({
  name: z.string(),
  firstEventTimestamp: z.number().nullable(),
  lastEventTimestamp: z.number().nullable(),
  lastIngestionTime: z.number().nullable(),
  storedEvents: z.number(),
});

export const metricQuery = z.strictObject({
  start: timeParam.optional(),
  end: timeParam.optional(),
  period: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400 * 7)
    .default(60),
  statistic: z.enum(["Sum", "Average", "Minimum", "Maximum", "SampleCount"]).default("Sum"),
  dimensions: z.string().max(1000).optional().describe('JSON object, e.g. {"jail":"sshd"}'),
});

export const metricSeries = z.object({
  namespace: z.string(),
  name: z.string(),
  statistic: z.string(),
  period: z.number(),
  datapoints: z.array(z.object({ timestamp: z.number(), value: z.number(), unit: z.string().optional() })),
});

export const ackInfo = z.object({
  by: z.string(),
  why: z.string(),
  until: z.number().nullable(),
  at: z.number(),
});

export const alarmSummary = z.object({
  name: z.string(),
  description: z.string(),
  state: z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]),
  reason: z.string(),
  since: z.number().nullable(),
  evaluatedAt: z.number().nullable(),
  metric: z.object({ namespace: z.string(), name: z.string(), dimensions: z.record(z.string(), z.string()) }),
  statistic: z.string(),
  period: z.number(),
  threshold: z.number(),
  comparison: z.string(),
  evaluationPeriods: z.number(),
  acknowledged: ackInfo.nullable().describe("the latest acknowledgement still in force"),
});

export const alarmDetail = alarmSummary.extend({
  reasonData: z.unknown().nullable(),
  history: z.array(
    z.object({ timestamp: z.number(), type: z.string(), summary: z.string(), data: z.unknown() }),
  ),
  datapoints: z.array(z.object({ timestamp: z.number(), value: z.number() })),
  samples: z.array(
    z.object({ timestamp: z.number(), logGroup: z.string(), logStream: z.string(), message: z.string() }),
  ),
  acks: z.array(ackInfo),
});

export const ackBody = z.strictObject({
  why: z.string().min(1).max(1000),
  until: z
    .union([z.number().int().positive(), z.string().max(40)])
    .optional()
    .describe("ms or ISO 8601; default until the state changes"),
});

export const banInfo = z.object({
  jail: z.string(),
  ip: z.string(),
  state: z.enum(["active", "pending-unban"]),
  start: z.number(),
  end: z.number().nullable(),
  remainingSeconds: z.number().nullable(),
  failures: z.number(),
  banCount: z.number(),
  lines: z
    .array(z.string())
    .describe("the log lines that led to the ban (up to 10; attacker-controlled text)"),
});

export const banBody = z.strictObject({
  jail: z.string().min(1).max(64),
  ip: z.string().min(1).max(64),
  duration: z
    .union([z.number(), z.string().max(20)])
    .optional()
    .describe("seconds or 10m/1h/1d; -1 forever; default the jail's bantime"),
});

export const jailInfo = z.object({
  name: z.string(),
  enabled: z.boolean(),
  running: z.boolean(),
  group: z.string(),
  filter: z.string(),
  action: z.string(),
  maxretry: z.number(),
  findtime: z.number(),
  bantime: z.number(),
  currentlyFailed: z.number(),
  totalFailed: z.number(),
  totalBans: z.number(),
  activeBans: z.number(),
});

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});

export const list = <T extends z.ZodType>(item: T, key: string) => z.object({ [key]: z.array(item) });
