/**
 * What each config key means, with an example value, keyed by its path in the schema (schema-walk.ts).
 * docs/config.md is generated from the schema and this table; a test fails when a key of the schema has
 * no entry here (describe keys you add) or an entry names a key the schema no longer has.
 * Examples are YAML values as a user writes them; a key without one shows its default as the example.
 */

import { auditKeys } from "./config-keys-audit.js";
import { fimKeys } from "./config-keys-fim.js";
import { fleetKeys } from "./config-keys-fleet.js";
import { httpKeys } from "./config-keys-http.js";
import { rootcheckKeys } from "./config-keys-rootcheck.js";
import { sourceKeys } from "./config-keys-sources.js";

export interface KeyDoc {
  text: string;
  example?: string;
}

const d = (text: string, example?: string): KeyDoc => ({ text, example });

export const configKeys: Record<string, KeyDoc> = {
  data_dir: d("Folder of the SQLite database and state (created when missing).", "/var/lib/mamori"),
  hostname: d(
    "Host name used for `{hostname}` streams and in notifications; default: the system's.",
    "web-1",
  ),
  retention_days: d(
    "Default retention of every log group without its own `retention_days` (including groups sources create); 0 keeps events forever.",
    "90",
  ),
  log_level: d("Least severe level of mamori's own logs; `MAMORI_LOG_LEVEL` overrides it.", "debug"),

  sources: d(
    "Where log lines come from. Each source feeds a log group; metric filters and jails read groups.",
  ),
  ...sourceKeys,
  ...httpKeys,

  log_groups: d("Settings of log groups. A group also exists without an entry here (a source creates it)."),
  "log_groups[].name": d("The log group.", "/var/log/auth.log"),
  "log_groups[].retention_days": d(
    "Delete events older than this many days (checked hourly); default: the top-level `retention_days` (30); 0 keeps forever.",
    "30",
  ),

  metric_filters: d(
    "CloudWatch metric filters: a filter pattern over a log group, and the metric each match adds to.",
  ),
  "metric_filters[].name": d("Name of the filter.", "ssh-preauth"),
  "metric_filters[].group": d(
    "The log group the filter reads (this or `log_group` is required).",
    "/var/log/auth.log",
  ),
  "metric_filters[].log_group": d("Same as `group` (CloudWatch's spelling).", "/var/log/auth.log"),
  "metric_filters[].pattern": d(
    "CloudWatch filter pattern: terms, space-delimited `[...]` or JSON `{ ... }`. Try it with `mamori pattern test`.",
    `'"[preauth]"'`,
  ),
  "metric_filters[].metric": d("The metric a matching line adds to."),
  "metric_filters[].metric.namespace": d("Metric namespace.", "Security"),
  "metric_filters[].metric.name": d("Metric name.", "SshPreauth"),
  "metric_filters[].metric.value": d(
    "Value added per match: a number or a `$field` of the pattern.",
    "$bytes",
  ),
  "metric_filters[].metric.default": d(
    "Value published for a minute without matches (not with `dimensions`).",
    "0",
  ),
  "metric_filters[].metric.unit": d("CloudWatch unit of the metric.", "Bytes"),
  "metric_filters[].metric.dimensions": d(
    "Up to 3 dimensions, values taken from pattern fields.",
    "{ ip: $ip }",
  ),

  alarms: d(
    "CloudWatch alarms on metrics: OK, ALARM or INSUFFICIENT_DATA, with CloudWatch's evaluation rules.",
  ),
  "alarms[].name": d("Name of the alarm (`mamori alarms history NAME`).", "ssh-intrusion"),
  "alarms[].description": d(
    "Text sent with every notification.",
    "SSH connections closed before authentication",
  ),
  "alarms[].metric": d("The metric the alarm watches."),
  "alarms[].metric.namespace": d("Metric namespace.", "Security"),
  "alarms[].metric.name": d("Metric name.", "SshPreauth"),
  "alarms[].metric.dimensions": d(
    "Dimensions of the metric, when its filter sets them.",
    "{ ip: 203.0.113.7 }",
  ),
  "alarms[].statistic": d("How the datapoints of a period are combined.", "Sum"),
  "alarms[].period": d("Length of one period: 10, 30 or a multiple of 60 seconds.", "5m"),
  "alarms[].evaluation_periods": d("How many recent periods are evaluated.", "3"),
  "alarms[].datapoints_to_alarm": d("How many of those must breach (M of N); default: all of them.", "2"),
  "alarms[].threshold": d("The value the statistic is compared with.", "10"),
  "alarms[].comparison": d("How the statistic is compared with the threshold.", "GreaterThanThreshold"),
  "alarms[].treat_missing_data": d("What a period without data counts as, as in CloudWatch.", "notBreaching"),
  "alarms[].early": d(
    "Fire within the current period once it is already over the threshold; default on where sound (Sum, SampleCount or Maximum compared from above).",
    "false",
  ),
  "alarms[].actions": d("Topics notified on each state change."),
  "alarms[].actions.alarm": d("Topics notified when the alarm goes to ALARM.", "[security]"),
  "alarms[].actions.ok": d("Topics notified when it goes back to OK.", "[security]"),
  "alarms[].actions.insufficient_data": d("Topics notified on INSUFFICIENT_DATA.", "[ops]"),

  topics: d("Named notification targets (like SNS topics); alarms and jails publish to them."),
  "topics[].name": d("Name alarms and jails refer to.", "security"),
  "topics[].subscriptions": d(
    "Where each message goes; each subscription has its own bounded queue and retries.",
  ),
  "topics[].subscriptions[type=email].type": d("E-mail through the `smtp` relay."),
  "topics[].subscriptions[type=email].to": d("Recipient address or addresses.", "ops@example.com"),
  "topics[].subscriptions[type=slack].type": d("A Slack incoming webhook."),
  "topics[].subscriptions[type=slack].url": d(
    "The webhook URL; keep it in the environment.",
    '"${SLACK_WEBHOOK_URL}"',
  ),
  "topics[].subscriptions[type=slack].url_file": d(
    "A file holding the webhook URL (instead of `url`), relative to the config file.",
    "/etc/mamori/slack-url",
  ),
  "topics[].subscriptions[type=webhook].type": d("An HTTP POST of the message as JSON."),
  "topics[].subscriptions[type=webhook].url": d("The http(s) URL.", "http://127.0.0.1:9000/hook"),
  "topics[].subscriptions[type=webhook].secret": d(
    "Signs the body: header `X-Mamori-Signature: sha256=<HMAC-SHA256 hex>`.",
    '"${HOOK_SECRET}"',
  ),
  "topics[].subscriptions[type=webhook].headers": d("Extra request headers.", "{ X-Team: ops }"),
  "topics[].subscriptions[type=exec].type": d(
    "Runs a program (argv, never a shell) with the message as JSON on stdin.",
  ),
  "topics[].subscriptions[type=exec].command": d(
    "Program and arguments.",
    "[/usr/local/bin/page-oncall, --urgent]",
  ),
  "topics[].retry": d("How failed deliveries are retried."),
  "topics[].retry.attempts": d("Tries per message, the first included.", "10"),
  "topics[].retry.backoff": d("Wait before the first retry; doubles after each.", "2s"),
  "topics[].retry.max_backoff": d("Longest wait between retries.", "5m"),

  smtp: d("The SMTP relay e-mail subscriptions send through."),
  "smtp.host": d("Relay host.", "smtp.example.com"),
  "smtp.port": d("Relay port.", "587"),
  "smtp.from": d("Sender address.", "mamori@example.com"),
  "smtp.secure": d("TLS from the first byte (port 465); otherwise STARTTLS when offered.", "true"),
  "smtp.user": d("User name for SMTP authentication.", "mamori"),
  "smtp.password": d("Password; keep it in the environment.", '"${SMTP_PASSWORD}"'),

  jails: d(
    "fail2ban-style jails: a filter over a log group counts failures per address and bans the address.",
  ),
  "jails[].name": d("Name of the jail (`mamori jails status NAME`).", "sshd"),
  "jails[].enabled": d("`false` turns the jail off (also one imported from fail2ban).", "false"),
  "jails[].filter": d("A fail2ban filter name (looked up in `filter_dirs`) or a filter file path.", "sshd"),
  "jails[].mode": d("The filter's mode, as fail2ban's `mode =`.", "aggressive"),
  "jails[].group": d("The log group whose events feed the jail.", "/var/log/auth.log"),
  "jails[].maxretry": d("Failures within `findtime` that ban an address.", "3"),
  "jails[].findtime": d("Window in which failures are counted.", "10m"),
  "jails[].bantime": d("How long a ban lasts; -1 bans for ever.", "1h"),
  "jails[].bantime_increment": d("Longer bans for addresses banned before (fail2ban's bantime.increment)."),
  "jails[].bantime_increment.enabled": d("Turn increments on.", "true"),
  "jails[].bantime_increment.factor": d("Ban time × 2^(bans before, at most 20) × factor.", "2"),
  "jails[].bantime_increment.multipliers": d(
    "Fixed multipliers per repeat instead of the formula.",
    "[1, 5, 30, 60]",
  ),
  "jails[].bantime_increment.maxtime": d("Longest ban the increments may reach.", "1w"),
  "jails[].bantime_increment.rndtime": d(
    "Random extra time added to each ban (against bots that wait it out).",
    "5m",
  ),
  "jails[].bantime_increment.overalljails": d(
    "Count bans of the address in every jail, not only this one.",
    "true",
  ),
  "jails[].ignoreip": d(
    "Addresses, networks and host names never banned.",
    '[127.0.0.1/8, "::1", 10.0.0.0/8]',
  ),
  "jails[].ignoreself": d("Never ban this host's own addresses.", "false"),
  "jails[].action": d("How a ban is enforced; `dry-run` records it and touches nothing.", "nftables"),
  "jails[].exec": d(
    "Commands for `action: exec`: argv arrays, never a shell; `{ip}`, `{jail}`, `{failures}`, `{bantime}` are replaced.",
  ),
  "jails[].exec.ban": d("Command that bans `{ip}`.", '[/usr/local/bin/block, "{ip}"]'),
  "jails[].exec.unban": d("Command that lifts the ban.", '[/usr/local/bin/unblock, "{ip}"]'),
  "jails[].exec.check": d(
    "Command that exits 0 while the ban mechanism works (mamori's health check of the action).",
    "[/usr/local/bin/blocker-ok]",
  ),
  "jails[].port": d("Port(s) the ban covers (name, number or list `22,2222`); default: all ports.", "ssh"),
  "jails[].protocol": d("Protocol the ban covers.", "all"),
  "jails[].chain": d("iptables/ipset: the chain the jail's rule is inserted into; default INPUT.", "FORWARD"),
  "jails[].blocktype": d("`reject` answers with an ICMP/TCP reset, `drop` stays silent.", "drop"),
  "jails[].ban_prefix_v6": d(
    "Ban the whole IPv6 network of this prefix length instead of one address.",
    "64",
  ),
  "jails[].hosts_deny": d(
    "`action: hosts-deny`: the file to write; default /etc/hosts.deny.",
    "/etc/hosts.deny",
  ),
  "jails[].remove_on_stop": d(
    "Remove the action's firewall state when mamori stops; default keep, so bans hold across restarts.",
    "true",
  ),
  "jails[].daemon": d(
    "`action: hosts-deny`: the daemon list of the line; default `sshd` for an sshd jail, else `ALL`.",
    "sshd",
  ),
  "jails[].notify": d("Topics told about each ban.", "[security]"),
  "jails[].scope": d(
    "Where a ban is enforced: `host` (here), `fleet` (a fleet server pushes it to every connected agent and bans here too) or `group:NAME` (the agents of one agent group). Agents that reconnect get the current list.",
    "fleet",
  ),
  "jails[].notify_unban": d(
    "Also tell the `notify` topics when a ban ends (expired or lifted by hand).",
    "true",
  ),
  "jails[].firewall_check": d(
    "How often the firewall is compared with the stored bans and repaired (a firewall reload removes mamori's table); 0 = never.",
    "1m",
  ),

  filter_dirs: d(
    "Where fail2ban filters named by `jails[].filter` are looked up, in order.",
    "[/etc/fail2ban/filter.d]",
  ),
  fail2ban: d(
    "Load the jails enabled in an existing fail2ban setup (jail.conf, jail.d, jail.local) as they are.",
  ),
  "fail2ban.path": d("fail2ban's configuration folder.", "/etc/fail2ban"),
  ...rootcheckKeys,
  ...auditKeys,
  ...fimKeys,
  ...fleetKeys,
};
