/**
 * `mamori config check` on jail filters, through the real list of deep checks: an unknown filter or a
 * regex that cannot be translated is reported at the jail's `filter` value (file:line:col of mamori.yaml),
 * the message naming the filter file's own line; mode and filter_dirs are honoured; mamori's own sshd
 * filter stands in when filter_dirs has none.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parseConfig } from "../../config/load.js";
import { ConfigError } from "../../core/errors.js";
import { deepChecks } from "../../load-config.js";

const dir = mkdtempSync(path.join(tmpdir(), "mamori-filter-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  path.join(dir, "bad.conf"),
  "[Definition]\nfailregex = ^ok from <HOST>$\n            ^(?<=a+)b from <HOST>$\n",
);
writeFileSync(path.join(dir, "nohost.conf"), "[Definition]\nfailregex = ^no address here$\n");
writeFileSync(
  path.join(dir, "moded.conf"),
  "[Definition]\nmode = good\nfailregex = <mdre-<mode>>\nmdre-good = ^x <HOST>$\nmdre-bad = ^x (<HOST>$\n",
);
const yaml = path.join(dir, "mamori.yaml");

/** Problems of a config with these jail lines, as "line:col: message". */
function check(jails: string[]): string[] {
  const text = `filter_dirs: ["${dir}"]\njails:\n${jails.map((j) => `  - ${j}\n`).join("")}`;
  try {
    parseConfig(text, yaml, { checks: deepChecks });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.file === yaml ? "" : `${p.file}:`}${p.line}:${p.col}: ${p.message}`);
  }
}

const CASES: [name: string, jail: string, want: RegExp | undefined][] = [
  [
    "a filter in filter_dirs",
    "{ name: a, filter: bad, group: auth }",
    /^3:24: filter "bad" cannot be used: /,
  ],
  [
    "an unknown filter",
    "{ name: a, filter: nosuch, group: auth }",
    /^3:24: filter "nosuch" cannot be used: .*not found in/,
  ],
  [
    "a regex without a host",
    "{ name: a, filter: nohost, group: auth }",
    /^3:24: .*nohost\.conf:2:\d+: .*failure-id group/,
  ],
  ["a mode whose regex translates", "{ name: a, filter: moded, mode: good, group: auth }", undefined],
  [
    "a mode whose regex does not",
    "{ name: a, filter: moded, mode: bad, group: auth }",
    /^3:24: .*moded\.conf:\d+:\d+: failregex cannot be used/,
  ],
  ["mamori's own sshd filter", "{ name: a, filter: sshd, group: auth }", undefined],
];

test("config check reports jail filters that cannot be used at the jail's filter value", () => {
  for (const [name, jail, want] of CASES) {
    const got = check([jail]);
    if (!want) assert.deepEqual(got, [], name);
    else {
      assert.equal(got.length, 1, `${name}: ${got.join("\n")}`);
      assert.match(got[0], want, name);
    }
  }
});

test("the untranslatable regex is named with its filter file, line and reason", () => {
  const [p] = check(["{ name: a, filter: bad, group: auth }"]);
  assert.match(
    p,
    new RegExp(
      `${path.join(dir, "bad.conf").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:\\d+: failregex cannot be used: look-behind requires fixed-width pattern`,
    ),
  );
});
