/** Descriptions of the `sources` keys (config-keys.ts holds the rest). */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

const followSymlinks = (type: string): Record<string, KeyDoc> => ({
  [`sources[type=${type}].follow_symlinks`]: d(
    "Follow symlinks that lead out of the glob's own tree (never to a file the link's owner could not read). Off: such links are refused and counted.",
    "true",
  ),
});

const limits = (type: string, defaults: { perPeer: number; idle: string }): Record<string, KeyDoc> => ({
  [`sources[type=${type}].limits`]: d("Connection limits of the listener (see docs/security.md)."),
  [`sources[type=${type}].limits.max_connections`]: d(
    "Connections open at once; the next one is closed at once and counted.",
    "1024",
  ),
  [`sources[type=${type}].limits.max_connections_per_peer`]: d(
    `Connections open at once from one address (default ${defaults.perPeer}).`,
    "8",
  ),
  [`sources[type=${type}].limits.header_timeout`]: d(
    "Time to send a request's headers or finish the TLS handshake.",
    "5s",
  ),
  [`sources[type=${type}].limits.idle_timeout`]: d(
    `A connection silent this long is closed (default ${defaults.idle}).`,
    "1m",
  ),
});

const maxFileBytes = (type: string): Record<string, KeyDoc> => ({
  [`sources[type=${type}].max_file_bytes`]: d(
    "Largest file read, on disk and after decompression (gzip bombs); larger files are skipped and counted. Default 64 MiB.",
    "268435456",
  ),
});

const common = (type: string, example: { id: string; group: string }): Record<string, KeyDoc> => ({
  [`sources[type=${type}].id`]: d(
    "Stable id of the source, under which its checkpoints are kept; default: derived from type and path/listen.",
    example.id,
  ),
  [`sources[type=${type}].group`]: d("The log group its events go to.", example.group),
});

export const sourceKeys: Record<string, KeyDoc> = {
  "sources[type=file].type": d(
    "Tails files (the CloudWatch Logs agent's job), through every rotation style.",
  ),
  ...common("file", { id: "auth", group: "/var/log/auth.log" }),
  "sources[type=file].path": d("A path or glob (`**` too), or a list of them.", "/var/log/nginx/*.log"),
  "sources[type=file].exclude": d(
    "Globs of files not to read (a bare name matches the file name).",
    '["*.gz"]',
  ),
  "sources[type=file].stream": d(
    "Log stream name: text with `{hostname}`, `{instance_id}`, `{filename}`, `{agent}`, `{agent_id}` (docs/fleet.md#stream-names).",
    '"{filename}"',
  ),
  "sources[type=file].start_position": d(
    "Where a file seen for the first time is read from (later: from its checkpoint).",
    "start_of_file",
  ),
  "sources[type=file].datetime_format": d(
    "strftime format of the line's timestamp; common formats are detected without it.",
    '"%b %d %H:%M:%S"',
  ),
  "sources[type=file].timezone": d("Time zone of timestamps that carry none.", "UTC"),
  "sources[type=file].encoding": d("Text encoding of the files.", "latin1"),
  "sources[type=file].poll_interval": d("How often files are checked (inotify only makes it sooner).", "5s"),
  ...followSymlinks("file"),

  "sources[type=journald].type": d("Reads the systemd journal through `journalctl --output=json --follow`."),
  ...common("journald", { id: "journal", group: "journal/ssh" }),
  "sources[type=journald].stream": d(
    "Log stream name (placeholders as for files, docs/fleet.md#stream-names); default: the entry's systemd unit (or syslog identifier).",
    '"{hostname}"',
  ),
  "sources[type=journald].matches": d(
    'journalctl matches (`FIELD=value`; "+" between them ORs).',
    "[_SYSTEMD_UNIT=ssh.service]",
  ),
  "sources[type=journald].directory": d(
    "A journal directory to read instead of the system journal.",
    "/var/log/journal",
  ),
  "sources[type=journald].journalctl": d("The journalctl program.", "/usr/bin/journalctl"),
  "sources[type=journald].start_position": d(
    "Without a saved cursor: the whole journal (`start_of_file`) or only new entries.",
    "start_of_file",
  ),

  "sources[type=syslog].type": d("Receives syslog (RFC 3164 and 5424) over UDP, TCP or TLS."),
  ...common("syslog", { id: "syslog", group: "syslog" }),
  "sources[type=syslog].listen": d("Protocol, address and port.", "udp://127.0.0.1:5514"),
  "sources[type=syslog].stream": d(
    "Log stream name (placeholders as for files, docs/fleet.md#stream-names); default: the sender's host name from the message.",
    "routers",
  ),
  "sources[type=syslog].framing": d(
    "TCP framing: newline, octet counting (RFC 6587), or detected per connection.",
    "newline",
  ),
  "sources[type=syslog].tls": d("TLS files for `tls://`."),
  "sources[type=syslog].tls.cert": d("Server certificate (PEM).", "/etc/mamori/tls/syslog.crt"),
  "sources[type=syslog].tls.key": d("Its private key (PEM).", "/etc/mamori/tls/syslog.key"),
  "sources[type=syslog].tls.ca": d(
    "CA that client certificates must chain to; without it clients are not asked for one.",
    "/etc/mamori/tls/ca.crt",
  ),
  "sources[type=syslog].max_message_bytes": d("Longest message accepted; longer ones are cut.", "131072"),
  ...limits("syslog", { perPeer: 32, idle: "120 s" }),

  "sources[type=http].type": d(
    "Accepts batches of log lines by `POST /v1/logs/{group}/{stream}` with `Authorization: Bearer TOKEN`.",
  ),
  "sources[type=http].id": d("Stable id of the source; default: derived from `listen`.", "http-in"),
  "sources[type=http].listen": d("Address and port.", "127.0.0.1:8514"),
  "sources[type=http].tokens": d(
    "Bearer tokens accepted; keep them in the environment. `{token, groups}` limits a token to those log groups (403 otherwise).",
    '["${INGEST_TOKEN}", { token: "${WEB_TOKEN}", groups: [web] }]',
  ),
  "sources[type=http].groups": d("The log groups requests may write to; default: any.", "[app, web]"),
  "sources[type=http].max_body_bytes": d("Largest request body accepted.", "4194304"),
  "sources[type=http].tls": d("Serve HTTPS with these PEM files (plain HTTP is then refused)."),
  "sources[type=http].tls.cert": d("Server certificate (PEM).", "/etc/mamori/ingest.crt"),
  "sources[type=http].tls.key": d("Its private key (PEM).", "/etc/mamori/ingest.key"),
  "sources[type=http].tls.ca": d(
    "CA certificate (PEM): clients must present a certificate it signed (mutual TLS).",
    "/etc/mamori/clients-ca.crt",
  ),
  ...limits("http", { perPeer: 64, idle: "30 s" }),

  "sources[type=vpc-flow].type": d(
    "Reads VPC Flow Log files as delivered to S3 (`.log` or `.log.gz`, header line).",
  ),
  ...common("vpc-flow", { id: "vpc", group: "vpc-flow-logs" }),
  "sources[type=vpc-flow].path": d("A path or glob of the files, or a list.", "/var/log/vpc/**/*.log.gz"),
  "sources[type=vpc-flow].format": d(
    "The `${field}` format of a custom flow log; default: the file's header line, else the default format.",
    '"${srcaddr} ${dstaddr} ${bytes} ${action}"',
  ),
  "sources[type=vpc-flow].poll_interval": d("How often new files are looked for.", "1m"),
  ...followSymlinks("vpc-flow"),
  ...maxFileBytes("vpc-flow"),

  "sources[type=cloudtrail].type": d(
    'Reads CloudTrail files (`{"Records":[...]}`, `.json` or `.json.gz`), one event per record.',
  ),
  ...common("cloudtrail", { id: "trail", group: "cloudtrail" }),
  "sources[type=cloudtrail].path": d(
    "A path or glob of the files, or a list.",
    "/var/log/cloudtrail/**/*.json.gz",
  ),
  "sources[type=cloudtrail].poll_interval": d("How often new files are looked for.", "1m"),
  ...followSymlinks("cloudtrail"),
  ...maxFileBytes("cloudtrail"),

  "sources[type=command].type": d(
    "Reads the lines a long-running program prints on stdout (run directly, never through a shell; restarted with backoff when it exits; stderr lines are logged). Lines printed while mamori is down are not seen.",
  ),
  ...common("command", { id: "tail-app", group: "app" }),
  "sources[type=command].command": d(
    "The program and its arguments, as a list (argv).",
    '["/usr/bin/tail", "-F", "/srv/app/app.log"]',
  ),
  "sources[type=command].env": d(
    "Environment variables added for the program (it otherwise gets only PATH, LANG and HOME).",
    "{ TZ: UTC }",
  ),
  "sources[type=command].cwd": d("Working directory of the program.", "/srv/app"),
  "sources[type=command].stream": d(
    "Log stream name: text with `{hostname}`, `{instance_id}`, `{agent}`, `{agent_id}` (docs/fleet.md#stream-names).",
    "app-1",
  ),
};
