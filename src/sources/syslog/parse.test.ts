import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSyslog, type SyslogMessage } from "./parse.js";

// Received 2023-11-25 12:00 local time; RFC 3164 timestamps are local and year-less.
const NOW = new Date(2023, 10, 25, 12, 0, 0).getTime();
const local = (mo: number, d: number, h: number, mi: number, s: number, y = 2023) =>
  new Date(y, mo, d, h, mi, s).getTime();

const valid: Array<[string, string, Partial<SyslogMessage>]> = [
  [
    "RFC 3164 from rsyslog",
    "<38>Nov 25 08:00:01 web1 sshd[4242]: Connection closed by 203.0.113.5 port 50122 [preauth]",
    {
      format: "rfc3164",
      pri: 38,
      facility: 4,
      severity: 6,
      timestamp: local(10, 25, 8, 0, 1),
      hostname: "web1",
      appName: "sshd",
      procId: "4242",
      line: "Nov 25 08:00:01 web1 sshd[4242]: Connection closed by 203.0.113.5 port 50122 [preauth]",
    },
  ],
  [
    "RFC 3164, space-padded day, tag without pid",
    "<13>Nov  5 23:59:59 fw kernel: IN=eth0 OUT= SRC=198.51.100.7",
    { format: "rfc3164", timestamp: local(10, 5, 23, 59, 59), hostname: "fw", appName: "kernel" },
  ],
  [
    "RFC 3164 without a host (logger via /dev/log)",
    "<86>Nov 25 08:00:02 sudo[77]: alice : TTY=pts/0 ; COMMAND=/bin/ls",
    { format: "rfc3164", hostname: undefined, appName: "sudo", procId: "77" },
  ],
  [
    "RFC 3164 from December read in January is last year's",
    "<13>Dec 31 23:00:00 h app: x",
    { timestamp: local(11, 31, 23, 0, 0, 2022) },
  ],
  [
    "RFC 3164 with an RFC 3339 timestamp (rsyslog forward format)",
    "<30>2023-11-25T08:00:03.123456+00:00 db2 postgres[9]: ready",
    {
      format: "rfc3164",
      timestamp: Date.UTC(2023, 10, 25, 8, 0, 3, 123),
      hostname: "db2",
      appName: "postgres",
    },
  ],
  [
    "RFC 5424 example 1 (RFC 5424 §6.5)",
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8",
    {
      format: "rfc5424",
      pri: 34,
      facility: 4,
      severity: 2,
      timestamp: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
      hostname: "mymachine.example.com",
      appName: "su",
      procId: undefined,
      msgId: "ID47",
      line: "1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8",
    },
  ],
  [
    "RFC 5424 with structured data incl. an escaped ] and no MSG",
    '<165>1 2003-10-11T22:14:15.003-07:00 host evntslog 11 ID47 [exampleSDID@32473 iut="3" eventSource="App\\]lication"][x@1 a="b"]',
    { format: "rfc5424", timestamp: Date.UTC(2003, 9, 12, 5, 14, 15, 3), appName: "evntslog", procId: "11" },
  ],
  [
    "RFC 5424 with nil timestamp and host",
    "<14>1 - - app 1 - - hello",
    { format: "rfc5424", timestamp: undefined, hostname: undefined, appName: "app" },
  ],
];

test("parses RFC 3164 and RFC 5424 messages", () => {
  for (const [name, frame, want] of valid) {
    const got = parseSyslog(frame, NOW);
    assert.ok(got, `${name}: should parse`);
    for (const [k, v] of Object.entries(want)) {
      assert.deepEqual(got[k as keyof SyslogMessage], v, `${name}: ${k}`);
    }
  }
});

const malformed: Array<[string, string]> = [
  ["no PRI", "Nov 25 08:00:01 web1 sshd[1]: hello"],
  ["PRI out of range", "<192>Nov 25 08:00:01 web1 app: x"],
  ["PRI with a leading zero", "<013>Nov 25 08:00:01 web1 app: x"],
  ["PRI but no timestamp", "<13>hello world"],
  ["bad month", "<13>Foo 25 08:00:01 web1 app: x"],
  ["impossible time", "<13>Nov 25 25:00:01 web1 app: x"],
  ["5424 with a bad timestamp", "<14>1 yesterday host app - - - x"],
  ["5424 with unterminated structured data", '<14>1 - host app - - [id a="b" x'],
  ["5424 cut short", "<14>1 2003-10-11T22:14:15Z host"],
  ["binary garbage", "\u0000\u0001\u0002"],
  ["empty", ""],
];

test("rejects malformed frames (the receiver keeps them raw)", () => {
  for (const [name, frame] of malformed) {
    assert.equal(parseSyslog(frame, NOW), undefined, name);
  }
});
