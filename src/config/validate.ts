/**
 * Checks after the schema: each component's checks of its own keys (sources/<type>/config.ts, the
 * action a jail names, channels), and the checks that need the whole config: unique names, references
 * between sections, two sources on one port.
 */

import { httpServerPorts } from "../api/config.js";
import { type Locator, type PortClaim, scopedLocator } from "../core/config.js";
import type { ConfigProblem } from "../core/errors.js";
import { checkJail } from "./jails.js";
import { checkSubscription, groupConfigSchema, type MamoriConfig } from "./schema.js";
import { checkSource, portsOf } from "./sources.js";

/** The checks each source, jail (with its action) and subscription makes of its own keys. */
export function componentChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.sources.forEach((s, i) => {
    problems.push(...checkSource(s, scopedLocator(locate, ["sources", i])));
  });
  config.jails.forEach((j, i) => {
    if (j.enabled) problems.push(...checkJail(j, scopedLocator(locate, ["jails", i])));
  });
  config.agent_groups.forEach((g, i) => {
    problems.push(...checkGroupConfig(g.config, scopedLocator(locate, ["agent_groups", i, "config"])));
  });
  config.topics.forEach((t, i) => {
    t.subscriptions.forEach((s, j) => {
      problems.push(...checkSubscription(s, scopedLocator(locate, ["topics", i, "subscriptions", j])));
    });
  });
  return problems;
}

const WILDCARD = new Set(["0.0.0.0", "::", "*", ""]);

function sameSocket(a: PortClaim, b: PortClaim): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port || a.port === 0) return false;
  return a.host === b.host || WILDCARD.has(a.host) || WILDCARD.has(b.host);
}

/** Two sources that bind one port would fail at start, one of them in a restart loop: refuse the config. */
export function portConflicts(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const taken: Array<{ claim: PortClaim; index: number }> = [];
  config.sources.forEach((s, i) => {
    for (const claim of portsOf(s)) {
      const other = taken.find((t) => sameSocket(t.claim, claim));
      if (other) {
        const o = config.sources[other.index];
        problems.push(
          locate(
            ["sources", i, "listen"],
            `${claim.protocol} port ${claim.port} is already bound by sources[${other.index}] (${o.type}${"listen" in o ? ` ${o.listen}` : ""}); give each source its own port`,
          ),
        );
      } else taken.push({ claim, index: i });
    }
  });
  for (const claim of httpServerPorts(config.http)) {
    const other = taken.find((t) => sameSocket(t.claim, claim));
    if (other)
      problems.push(
        locate(
          ["http", "listen"],
          `tcp port ${claim.port} is already bound by sources[${other.index}]; give the web UI/API server (http.listen) another port`,
        ),
      );
  }
  return problems;
}

export function crossCheck(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const unique = (section: string, names: Array<string | undefined>, what: string) => {
    const seen = new Map<string, number>();
    names.forEach((name, i) => {
      if (name === undefined) return;
      const first = seen.get(name);
      if (first !== undefined)
        problems.push(
          locate(
            [section, i, "name"],
            `duplicate ${what} "${name}" (first defined at ${section}[${first}]); names must be unique`,
          ),
        );
      else seen.set(name, i);
    });
  };
  unique(
    "alarms",
    config.alarms.map((a) => a.name),
    "alarm",
  );
  unique(
    "topics",
    config.topics.map((t) => t.name),
    "topic",
  );
  unique(
    "jails",
    config.jails.map((j) => j.name),
    "jail",
  );
  unique(
    "metric_filters",
    config.metric_filters.map((m) => m.name),
    "metric filter",
  );
  unique(
    "log_groups",
    config.log_groups.map((g) => g.name),
    "log group",
  );
  const ids = new Map<string, number>();
  config.sources.forEach((s, i) => {
    if (!s.id) return;
    if (ids.has(s.id))
      problems.push(locate(["sources", i, "id"], `duplicate source id "${s.id}"; ids must be unique`));
    ids.set(s.id, i);
  });

  const topics = new Set(config.topics.map((t) => t.name));
  const topicHint = topics.size ? `known topics: ${[...topics].join(", ")}` : "define it under topics:";
  config.alarms.forEach((a, i) => {
    for (const kind of ["alarm", "ok", "insufficient_data"] as const) {
      a.actions[kind].forEach((t, j) => {
        if (!topics.has(t))
          problems.push(locate(["alarms", i, "actions", kind, j], `unknown topic "${t}"; ${topicHint}`));
      });
    }
  });
  config.jails.forEach((jail, i) => {
    jail.notify.forEach((t, j) => {
      if (!topics.has(t))
        problems.push(locate(["jails", i, "notify", j], `unknown topic "${t}"; ${topicHint}`));
    });
  });
  problems.push(...portConflicts(config, locate));
  return problems;
}

/** An agent group's config, checked on the server as `config check` checks the keys it may set. */
export function checkGroupConfig(raw: unknown, locate: Locator): ConfigProblem[] {
  const parsed = groupConfigSchema.safeParse(raw);
  if (!parsed.success)
    return parsed.error.issues.map((issue) =>
      locate(
        issue.path as (string | number)[],
        issue.path.length === 0 || (issue.code === "unrecognized_keys" && issue.path.length === 0)
          ? `${issue.message} (a group config sets only sources:, jails:, fim:, rootcheck: and audit:)`
          : issue.message,
      ),
    );
  const problems: ConfigProblem[] = [];
  parsed.data.sources.forEach((s, i) => {
    problems.push(...checkSource(s, scopedLocator(locate, ["sources", i])));
  });
  parsed.data.jails.forEach((j, i) => {
    if (j.enabled) problems.push(...checkJail(j, scopedLocator(locate, ["jails", i])));
  });
  return problems;
}
