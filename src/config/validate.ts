/** Checks that need the whole config: unique names and references between sections. */
import type { ConfigProblem } from "../core/errors.js";
import type { Locator } from "./load.js";
import type { MamoriConfig } from "./schema.js";

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
    if (jail.action === "exec" && !jail.exec) {
      problems.push(
        locate(
          ["jails", i, "action"],
          'action "exec" needs an `exec:` key with `ban: [program, args...]` ({ip}, {jail} are substituted)',
        ),
      );
    }
  });
  config.topics.forEach((t, i) => {
    t.subscriptions.forEach((s, j) => {
      if (s.type === "slack" && !s.url && !s.url_file) {
        problems.push(
          locate(
            ["topics", i, "subscriptions", j],
            'a slack subscription needs `url` (e.g. "${SLACK_WEBHOOK_URL}") or `url_file`',
          ),
        );
      }
    });
  });
  return problems;
}
