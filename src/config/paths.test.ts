/**
 * Paths in mamori.yaml are relative to the config file's folder, resolved once at load (spec/config.md):
 * components only ever see absolute paths, whatever the working directory.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { startFileSource } from "../sources/file/testing/file-source.js";
import { loadConfigFile, parseConfig } from "./load.js";
import type { MamoriConfig } from "./schema.js";

const DIR = "/srv/mamori";
const load = (yaml: string) => parseConfig(yaml, path.join(DIR, "mamori.yaml"));

describe("paths in the config are relative to its folder", () => {
  const cases: Array<{ what: string; yaml: string; get: (c: MamoriConfig) => unknown; want: unknown }> = [
    { what: "data_dir", yaml: "data_dir: ./state\n", get: (c) => c.data_dir, want: `${DIR}/state` },
    { what: "the default data_dir", yaml: "{}\n", get: (c) => c.data_dir, want: `${DIR}/data` },
    {
      what: "a file source's path (a glob) and exclude",
      yaml: "sources:\n  - { type: file, path: [logs/*.log, /var/log/x.log], exclude: [logs/skip.log], group: g }\n",
      get: (c) => c.sources[0].type === "file" && [c.sources[0].path, c.sources[0].exclude],
      want: [[`${DIR}/logs/*.log`, "/var/log/x.log"], [`${DIR}/logs/skip.log`]],
    },
    {
      what: "vpc-flow and cloudtrail paths",
      yaml: "sources:\n  - { type: vpc-flow, path: vpc/*.gz, group: v }\n  - { type: cloudtrail, path: ct, group: c }\n",
      get: (c) => c.sources.map((s) => ("path" in s ? s.path : undefined)),
      want: [`${DIR}/vpc/*.gz`, `${DIR}/ct`],
    },
    {
      what: "journald's directory (journalctl stays a program name)",
      yaml: "sources:\n  - { type: journald, group: j, directory: journal }\n",
      get: (c) => c.sources[0].type === "journald" && [c.sources[0].directory, c.sources[0].journalctl],
      want: [`${DIR}/journal`, "journalctl"],
    },
    {
      what: "syslog TLS files",
      yaml: "sources:\n  - { type: syslog, listen: 'tls://127.0.0.1:6514', group: s, tls: { cert: tls/c.pem, key: tls/k.pem, ca: ../ca.pem } }\n",
      get: (c) => c.sources[0].type === "syslog" && c.sources[0].tls,
      want: { cert: `${DIR}/tls/c.pem`, key: `${DIR}/tls/k.pem`, ca: "/srv/ca.pem" },
    },
    {
      what: "filter_dirs, a jail's filter file and hosts_deny (a filter name stays a name)",
      yaml: "filter_dirs: [filter.d]\njails:\n  - { name: a, filter: my/x.conf, group: g, action: hosts-deny, hosts_deny: hosts.deny }\n  - { name: b, filter: sshd, group: g }\n",
      get: (c) => [c.filter_dirs, c.jails[0].filter, c.jails[0].hosts_deny, c.jails[1].filter],
      want: [[`${DIR}/filter.d`], `${DIR}/my/x.conf`, `${DIR}/hosts.deny`, "sshd"],
    },
    {
      what: "a slack url_file (an exec command stays as written)",
      yaml: "topics:\n  - name: t\n    subscriptions:\n      - { type: slack, url_file: secrets/slack.url }\n      - { type: exec, command: [bin/page, x] }\n",
      get: (c) =>
        c.topics[0].subscriptions.map((s) =>
          s.type === "slack" ? s.url_file : s.type === "exec" ? s.command : undefined,
        ),
      want: [`${DIR}/secrets/slack.url`, ["bin/page", "x"]],
    },
    {
      what: "fail2ban.path",
      yaml: "fail2ban: { path: f2b }\n",
      get: (c) => c.fail2ban?.path,
      want: `${DIR}/f2b`,
    },
  ];
  for (const c of cases) it(c.what, () => assert.deepEqual(c.get(load(c.yaml)), c.want));

  it("a config in another folder reads the file next to it, not one in the working directory", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-paths-"));
    try {
      assert.notEqual(process.cwd(), dir);
      fs.writeFileSync(path.join(dir, "app.log"), "first line\nsecond line\n");
      const file = path.join(dir, "mamori.yaml");
      fs.writeFileSync(
        file,
        "sources:\n  - { type: file, path: app.log, group: g, start_position: start_of_file }\n",
      );
      const { config } = loadConfigFile(file);
      const s = await startFileSource({ ...config.sources[0] });
      try {
        await s.step();
        assert.deepEqual(await s.messages(), ["first line", "second line"]);
      } finally {
        await s.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
