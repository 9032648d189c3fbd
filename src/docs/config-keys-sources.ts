/** Descriptions of the `sources` keys (config-keys.ts holds the rest). */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

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
    "Log stream name: `{hostname}`, `{instance_id}`, `{filename}` or text.",
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

  "sources[type=journald].type": d("Reads the systemd journal through `journalctl --output=json --follow`."),
  ...common("journald", { id: "journal", group: "journal/ssh" }),
  "sources[type=journald].stream": d(
    "Log stream name; default: the entry's systemd unit (or syslog identifier).",
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
    "Log stream name; default: the sender's host name from the message.",
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

  "sources[type=http].type": d(
    "Accepts batches of log lines by `POST /v1/logs/{group}/{stream}` with `Authorization: Bearer TOKEN`.",
  ),
  "sources[type=http].id": d("Stable id of the source; default: derived from `listen`.", "http-in"),
  "sources[type=http].listen": d("Address and port.", "127.0.0.1:8514"),
  "sources[type=http].tokens": d(
    "Bearer tokens accepted; keep them in the environment.",
    '["${INGEST_TOKEN}"]',
  ),
  "sources[type=http].groups": d("The log groups requests may write to; default: any.", "[app, web]"),
  "sources[type=http].max_body_bytes": d("Largest request body accepted.", "4194304"),

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

  "sources[type=cloudtrail].type": d(
    'Reads CloudTrail files (`{"Records":[...]}`, `.json` or `.json.gz`), one event per record.',
  ),
  ...common("cloudtrail", { id: "trail", group: "cloudtrail" }),
  "sources[type=cloudtrail].path": d(
    "A path or glob of the files, or a list.",
    "/var/log/cloudtrail/**/*.json.gz",
  ),
  "sources[type=cloudtrail].poll_interval": d("How often new files are looked for.", "1m"),
};
