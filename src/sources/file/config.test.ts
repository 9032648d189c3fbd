import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../config/load.js";
import { ConfigError } from "../../core/errors.js";

const yaml = (format: string) =>
  `sources:\n  - type: file\n    path: /var/log/app.log\n    group: app\n    datetime_format: "${format}"\n`;

test("config check: an unknown strftime directive is reported at its place", () => {
  assert.doesNotThrow(() => parseConfig(yaml("%Y-%m-%d %H:%M:%S"), "mamori.yaml"));
  assert.throws(
    () => parseConfig(yaml("%Y-%m-%d %Q"), "mamori.yaml"),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => [p.line, p.col]),
        [[5, 22]],
      );
      assert.match(err.problems[0].message, /unknown directive %Q/);
      return true;
    },
  );
});
