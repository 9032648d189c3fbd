import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { loadJailFilter } from "../filter/index.js";
import { type Fail2banImport, importFail2banJails } from "./index.js";
import { type Fail2banTree, fail2banTree, PATHS_TEST, STOCK_DEFAULTS } from "./testing/tree.js";

const trees: Fail2banTree[] = [];
after(() => {
  for (const t of trees) t.remove();
});

/** A tree with Debian-shaped defaults plus the given files; returns the import and the tree. */
function imported(files: Record<string, string>, jails = ""): { r: Fail2banImport; t: Fail2banTree } {
  const t = fail2banTree({
    "jail.conf": STOCK_DEFAULTS + jails,
    "paths-test.conf": PATHS_TEST,
    "log/auth.log": "",
    ...files,
  });
  trees.push(t);
  return { r: importFail2banJails(t.dir, { hostname: "host.example" }), t };
}

const jail = (r: Fail2banImport, name: string) => {
  const j = r.jails.find((x) => x.name === name);
  assert.ok(j, `jail ${name} imported (problems: ${JSON.stringify(r.problems)})`);
  return j;
};
const messages = (r: Fail2banImport, severity: "error" | "warning") =>
  r.problems.filter((p) => p.severity === severity).map((p) => p.message);

const SSHD_NGINX = `
[sshd]
port    = ssh
logpath = %(sshd_log)s
backend = %(sshd_backend)s

[nginx-http-auth]
port    = http,https
logpath = %(nginx_error_log)s

[apache-auth]
port     = http,https
logpath  = {dir}/log/apache.log
`;

describe("importFail2banJails: which jails", () => {
  it("takes only the enabled sections", () => {
    const { r } = imported({ "jail.d/defaults-debian.conf": "[sshd]\nenabled = true\n" }, SSHD_NGINX);
    assert.deepEqual(
      r.jails.map((j) => j.name),
      ["sshd"],
    );
    assert.deepEqual(messages(r, "error"), []);
  });

  it("reads jail.conf, jail.d/*.conf, jail.local, jail.d/*.local in that order", () => {
    const { r } = imported(
      {
        "jail.d/a.conf": "[sshd]\nenabled = true\nmaxretry = 7\n[nginx-http-auth]\nenabled = true\n",
        "jail.local": "[sshd]\nmaxretry = 3\nfindtime = 1h\n[apache-auth]\nenabled = true\n",
        "jail.d/z.local": "[sshd]\nfindtime = 2h\n[nginx-http-auth]\nenabled = false\n",
      },
      SSHD_NGINX,
    );
    assert.deepEqual(r.jails.map((j) => j.name).sort(), ["apache-auth", "sshd"]);
    assert.equal(jail(r, "sshd").maxretry, 3, "jail.local overrides jail.d/a.conf");
    assert.equal(jail(r, "sshd").findtime, 7200, "jail.d/z.local overrides jail.local");
  });

  it("inherits [DEFAULT], with jail.local's [DEFAULT] over jail.conf's and a jail's own keys over both", () => {
    const { r } = imported(
      {
        "jail.local":
          "[DEFAULT]\nbantime = 1h\nmaxretry = 4\n[sshd]\nenabled = true\nbantime = -1\n[apache-auth]\nenabled = true\n",
      },
      SSHD_NGINX,
    );
    assert.equal(jail(r, "sshd").bantime, -1);
    assert.equal(jail(r, "sshd").maxretry, 4);
    assert.equal(jail(r, "apache-auth").bantime, 3600);
    assert.equal(jail(r, "apache-auth").findtime, 600, "jail.conf's [DEFAULT] findtime = 10m");
  });
});

describe("importFail2banJails: interpolation", () => {
  it("resolves %(__name__)s, %(mode)s, included paths, %(default/x)s and %(known/x)s", () => {
    const { r, t } = imported(
      {
        "jail.local": "[sshd]\nenabled = true\nmode = aggressive\nport = %(known/port)s,2222\n",
      },
      SSHD_NGINX,
    );
    const sshd = jail(r, "sshd");
    assert.equal(sshd.filter, path.join(t.dir, "filter.d/sshd.conf"));
    assert.equal(sshd.mode, "aggressive");
    assert.equal(sshd.port, "ssh,2222");
    assert.equal(sshd.group, path.join(t.dir, "log/auth.log"));
  });

  it("passes filter arguments and jail-level filter keys through to the filter", () => {
    const { r, t } = imported(
      {
        "jail.local":
          "[sshd]\nenabled = true\nfilter = sshd[mode=extra, maxlines=2]\ndatepattern = ^%%Y-%%d-%%m %%H:%%M:%%S\nusedns = no\n",
      },
      SSHD_NGINX,
    );
    const sshd = jail(r, "sshd");
    assert.equal(sshd.mode, "extra");
    assert.equal(
      sshd.filter,
      `${t.dir}/filter.d/sshd.conf[maxlines="2", datepattern="^%Y-%d-%m %H:%M:%S", usedns="no"]`,
    );
    const filter = loadJailFilter({
      filter: sshd.filter,
      mode: sshd.mode,
      filterDirs: [],
      now: () => 1.7e12,
    });
    assert.equal(filter.maxlines, 2);
    const line = "2024-01-02 03:04:05 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2";
    assert.deepEqual(
      filter.process(line).failures.map((f) => [f.ip, f.time]),
      [["192.0.2.1", new Date(2024, 1, 1, 3, 4, 5).getTime()]],
      "the jail's datepattern (day before month) reaches the filter",
    );
  });
});

describe("importFail2banJails: log sources", () => {
  it("one file source per set of log paths (globs, several lines), shared by jails that read the same files", () => {
    const { r, t } = imported(
      {
        "jail.local": `[sshd]\nenabled = true\n[pam-generic]\nenabled = true\nlogpath = %(sshd_log)s\n[nginx-http-auth]\nenabled = true\nlogpath = %(nginx_error_log)s\n  {dir}/log/other/*.log head\n`,
      },
      SSHD_NGINX,
    );
    const auth = path.join(t.dir, "log/auth.log");
    assert.equal(jail(r, "pam-generic").group, auth);
    assert.equal(jail(r, "sshd").group, auth);
    assert.equal(jail(r, "nginx-http-auth").group, "fail2ban/nginx-http-auth");
    assert.deepEqual(
      r.sources.map((s) => ({ type: s.type, group: s.group, path: s.type === "file" ? s.path : undefined })),
      [
        { type: "file", group: auth, path: auth },
        {
          type: "file",
          group: "fail2ban/nginx-http-auth",
          path: [path.join(t.dir, "log/nginx/*error.log"), path.join(t.dir, "log/other/*.log")],
        },
      ],
    );
    const [first, second] = r.sources;
    assert.equal(first.type === "file" && first.start_position, "end_of_file", "fail2ban's tail");
    assert.equal(second.type === "file" && second.start_position, "end_of_file", "one line is not head");
    assert.ok(
      r.problems.some((p) => p.severity === "warning" && p.message.includes("no file matches")),
      "a log path without files is reported",
    );
  });

  it("backend = systemd → a journald source with the filter's journalmatch (lines and + are ORs)", () => {
    const { r } = imported({ "jail.local": "[sshd]\nenabled = true\nbackend = systemd\n" }, SSHD_NGINX);
    assert.equal(jail(r, "sshd").group, "fail2ban/sshd");
    assert.deepEqual(r.sources, [
      {
        type: "journald",
        group: "fail2ban/sshd",
        matches: ["_SYSTEMD_UNIT=sshd.service", "+", "_COMM=sshd"],
        journalctl: "journalctl",
        start_position: "end_of_file",
      },
    ]);
  });

  it("jails whose filter has no journalmatch share one whole-journal source", () => {
    const { r } = imported(
      {
        "jail.local":
          "[DEFAULT]\nbackend = systemd\n[apache-auth]\nenabled = true\n[apache-nohome]\nenabled = true\n",
      },
      SSHD_NGINX,
    );
    assert.deepEqual(
      r.jails.map((j) => j.group),
      ["fail2ban/journal", "fail2ban/journal"],
    );
    assert.deepEqual(
      r.sources.map((s) => [s.type, s.group, s.type === "journald" && s.matches]),
      [["journald", "fail2ban/journal", []]],
    );
  });

  it("a jail-level journalmatch replaces the filter's; journalpath becomes the journal directory", () => {
    const { r } = imported(
      {
        "jail.local":
          "[sshd]\nenabled = true\nbackend = systemd[journalpath=/run/log/journal]\njournalmatch = _SYSTEMD_UNIT=ssh.service\n    _COMM=sshd\n",
      },
      SSHD_NGINX,
    );
    const s = r.sources[0];
    assert.equal(s.type, "journald");
    assert.deepEqual(s.type === "journald" && [s.matches, s.directory], [
      ["_SYSTEMD_UNIT=ssh.service", "+", "_COMM=sshd"],
      "/run/log/journal",
    ]);
  });
});

describe("importFail2banJails: actions", () => {
  const cases: Array<{ banaction: string; want: Record<string, unknown>; warns?: RegExp }> = [
    { banaction: "iptables-multiport", want: { action: "iptables", port: "ssh", protocol: "tcp" } },
    { banaction: "iptables-allports", want: { action: "iptables", port: undefined } },
    { banaction: "iptables", want: { action: "iptables", port: "ssh" } },
    { banaction: "iptables-ipset-proto6", want: { action: "ipset", port: "ssh" } },
    { banaction: "iptables-ipset-proto6-allports", want: { action: "ipset", port: undefined } },
    { banaction: "nftables-multiport", want: { action: "nftables", port: "ssh" } },
    { banaction: "nftables-allports", want: { action: "nftables", port: undefined } },
    { banaction: "nftables", want: { action: "nftables", port: "ssh" } },
    { banaction: "nftables[type=allports]", want: { action: "nftables", port: undefined } },
    { banaction: "iptables-multiport[blocktype=DROP]", want: { action: "iptables", blocktype: "drop" } },
    { banaction: "hostsdeny", want: { action: "hosts-deny", daemon: "ALL", hosts_deny: undefined } },
    {
      banaction: 'hostsdeny[file="/tmp/x/hosts.deny", daemon_list=sshd]',
      want: { action: "hosts-deny", daemon: "sshd", hosts_deny: "/tmp/x/hosts.deny" },
    },
    { banaction: "route", want: { action: "dry-run" }, warns: /action "route" has no mamori equivalent/ },
    { banaction: "ufw", want: { action: "dry-run" }, warns: /action "ufw" has no mamori equivalent/ },
  ];
  for (const c of cases) {
    it(`banaction = ${c.banaction}`, () => {
      const { r, t } = imported(
        { "jail.local": `[sshd]\nenabled = true\nbanaction = ${c.banaction}\n` },
        SSHD_NGINX,
      );
      const sshd = jail(r, "sshd");
      for (const [k, v] of Object.entries(c.want)) assert.equal(sshd[k as keyof typeof sshd], v, k);
      const warnings = r.problems.filter((p) => p.severity === "warning" && !p.message.includes("no file"));
      if (c.warns) {
        assert.equal(warnings.length, 1, JSON.stringify(warnings));
        assert.match(warnings[0].message, c.warns);
        assert.deepEqual([warnings[0].file, warnings[0].line], [path.join(t.dir, "jail.local"), 3]);
      } else assert.deepEqual(warnings, []);
    });
  }

  it("banaction_allports through %(banaction_allports)s, tcp + udp entries → protocol all", () => {
    const { r } = imported(
      {
        "jail.local": `[recidive]\nenabled = true\nlogpath = {dir}/log/auth.log\nbanaction = %(banaction_allports)s\n[sshd]\nenabled = true\nport = 53\naction_ = %(default/action_)s[name=%(__name__)s-tcp, protocol="tcp"]\n   %(default/action_)s[name=%(__name__)s-udp, protocol="udp"]\n`,
      },
      SSHD_NGINX,
    );
    assert.equal(jail(r, "recidive").action, "iptables");
    assert.equal(jail(r, "recidive").port, undefined);
    assert.deepEqual([jail(r, "sshd").port, jail(r, "sshd").protocol], ["53", "all"]);
  });

  for (const shortcut of ["action_mw", "action_mwl"]) {
    it(`action = %(${shortcut})s → the ban plus an e-mail topic to destemail`, () => {
      const { r } = imported(
        {
          "jail.local": `[DEFAULT]\ndestemail = ops@example.com\n[sshd]\nenabled = true\naction = %(${shortcut})s\n`,
        },
        SSHD_NGINX,
      );
      const sshd = jail(r, "sshd");
      assert.equal(sshd.action, "iptables");
      assert.deepEqual(sshd.notify, ["fail2ban-mail"]);
      assert.deepEqual(
        r.topics.map((t) => [t.name, t.subscriptions]),
        [["fail2ban-mail", [{ type: "email", to: "ops@example.com" }]]],
      );
      assert.equal(r.sender, "root@host.example");
      assert.deepEqual(messages(r, "error"), []);
    });
  }

  it("a port that does not resolve is an error at the jail's port key", () => {
    const { r, t } = imported(
      { "jail.local": "[sshd]\nenabled = true\nport = no-such-service\n" },
      SSHD_NGINX,
    );
    assert.deepEqual(r.jails, []);
    const e = r.problems.find((p) => p.severity === "error");
    assert.deepEqual([e?.file, e?.line, e?.col], [path.join(t.dir, "jail.local"), 3, 1]);
    assert.match(e?.message ?? "", /no-such-service/);
  });
});

describe("importFail2banJails: times and ignore lists", () => {
  it("maps bantime.increment and its keys", () => {
    const { r } = imported(
      {
        "jail.local":
          "[sshd]\nenabled = true\nbantime = 1h\nbantime.increment = true\nbantime.factor = 2\nbantime.multipliers = 1 5 30 60\nbantime.maxtime = 5w\nbantime.rndtime = 10m\nbantime.overalljails = yes\n",
      },
      SSHD_NGINX,
    );
    assert.deepEqual(jail(r, "sshd").bantime_increment, {
      enabled: true,
      factor: 2,
      multipliers: [1, 5, 30, 60],
      maxtime: 5 * 604800,
      rndtime: 600,
      overalljails: true,
    });
  });

  it("parses ignoreip: spaces and commas, CIDRs, netmasks, host names; reports what is none of these", () => {
    const { r } = imported(
      {
        "jail.local":
          "[sshd]\nenabled = true\nignoreself = false\nignoreip = 127.0.0.1/8 ::1, 10.0.0.0/255.0.0.0\n  2001:db8::/32 trusted.example.org 999.1.1.1\n",
      },
      SSHD_NGINX,
    );
    const sshd = jail(r, "sshd");
    assert.deepEqual(sshd.ignoreip, [
      "127.0.0.1/8",
      "::1",
      "10.0.0.0/8",
      "2001:db8::/32",
      "trusted.example.org",
    ]);
    assert.equal(sshd.ignoreself, false);
    assert.ok(messages(r, "warning").some((m) => m.includes('"999.1.1.1"')));
  });

  it("a bad time value is an error at its key, and the jail is left out", () => {
    const { r, t } = imported(
      { "jail.local": "[sshd]\nenabled = true\nfindtime = 10 parsecs\n" },
      SSHD_NGINX,
    );
    assert.deepEqual(r.jails, []);
    const [e] = r.problems.filter((p) => p.severity === "error");
    assert.deepEqual([e.file, e.line], [path.join(t.dir, "jail.local"), 3]);
  });
});

describe("importFail2banJails: problems", () => {
  it("a missing filter is an error naming the jail file", () => {
    const { r, t } = imported(
      {
        "jail.local":
          "[sshd]\nenabled = true\n\n[my-app]\nenabled = true\nfilter = no-such-filter\nlogpath = {dir}/log/auth.log\n",
      },
      SSHD_NGINX,
    );
    assert.deepEqual(
      r.jails.map((j) => j.name),
      ["sshd"],
    );
    const errors = r.problems.filter((p) => p.severity === "error");
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0].file, errors[0].line, errors[0].col], [path.join(t.dir, "jail.local"), 6, 1]);
    assert.match(errors[0].message, /jail \[my-app\]: filter "no-such-filter" not found/);
  });

  it("an enabled jail without a filter of its name points at where it was enabled", () => {
    const { r, t } = imported({ "jail.d/x.conf": "[my-app]\nenabled = true\nlogpath = /x.log\n" });
    const [e] = r.problems.filter((p) => p.severity === "error");
    assert.deepEqual([e.file, e.line], [path.join(t.dir, "jail.d/x.conf"), 2]);
    assert.match(e.message, /filter "my-app" not found/);
  });

  it("unknown and unsupported keys are warnings at file:line:col; keys used as variables are not", () => {
    const { r, t } = imported(
      {
        "jail.local":
          "[sshd]\nenabled = true\nmy_port = 2222\nport = %(my_port)s\nlogtimezone = UTC\nignorecommand = /bin/true <ip>\nfrobnicate = yes\n",
      },
      SSHD_NGINX,
    );
    assert.equal(jail(r, "sshd").port, "2222");
    const local = path.join(t.dir, "jail.local");
    const warnings = r.problems
      .filter((p) => p.severity === "warning")
      .map(
        (p) => `${path.basename(p.file)}:${p.line}:${p.col} ${p.message.split(":")[1].trim().split(" ")[0]}`,
      );
    assert.deepEqual(
      warnings.sort(),
      ["jail.local:5:1 logtimezone", "jail.local:6:1 ignorecommand", "jail.local:7:1 key"].sort(),
    );
    assert.ok(fs.existsSync(local));
  });

  it("no jail.conf at all is one error", () => {
    const t = fail2banTree({});
    trees.push(t);
    const r = importFail2banJails(t.dir);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0].message, /no jail\.conf or jail\.local/);
  });
});
