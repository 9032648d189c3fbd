import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigProblem } from "../core/errors.js";
import { configSchema } from "./schema.js";
import { checkSource } from "./sources.js";

const locate = (p: readonly (string | number)[], message: string): ConfigProblem => ({
  file: p.join("."),
  line: 1,
  col: 1,
  message,
});

/** AWS's "${name}" format syntax (written without a template-looking literal) */
const fmt = (...names: string[]) => names.map((n) => `\${${n}}`).join(" ");

test("reports bad flow-log formats and syslog TLS settings at their place", () => {
  const config = configSchema.parse({
    sources: [
      { type: "vpc-flow", path: "/x/*.gz", group: "v", format: fmt("version", "bytez") },
      { type: "vpc-flow", path: "/x/*.gz", group: "v", format: fmt("version", "bytes") },
      { type: "syslog", listen: "tls://127.0.0.1:6514", group: "s" },
      { type: "syslog", listen: "udp://127.0.0.1:5514", group: "s", tls: { cert: "c", key: "k" } },
      { type: "syslog", listen: "tls://127.0.0.1:6514", group: "s", tls: { cert: "c", key: "k" } },
    ],
  });
  const problems = config.sources.flatMap((s, i) =>
    checkSource(s, (p, m) => locate(["sources", i, ...p], m)),
  );
  assert.deepEqual(
    problems.map((p) => p.file),
    ["sources.0.format", "sources.2.listen", "sources.3.tls"],
  );
  assert.match(problems[0].message, /unknown field "bytez"/);
});
