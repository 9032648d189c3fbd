/** examples/rootcheck.yaml: its metric filter counts high-severity findings and nothing else. */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../load-config.js";
import { compileMetricFilters } from "../../metrics/filters.js";
import { repoRoot } from "../../testing/cli.js";
import { findingRecord } from "./finding.js";
import { ROOTCHECK_GROUP } from "./part.js";

describe("examples/rootcheck.yaml", () => {
  it("runs every check and counts only high-severity findings toward its alarm", () => {
    const { config } = loadConfig(path.join(repoRoot, "examples/rootcheck.yaml"), { deep: true, env: {} });
    assert.equal(config.rootcheck?.checks.length, 7);
    assert.equal(config.rootcheck?.schedule, 6 * 3600);
    const set = compileMetricFilters(config.metric_filters);
    const event = (severity: "low" | "medium" | "high", i: number) => ({
      group: ROOTCHECK_GROUP,
      stream: "web-1",
      timestamp: i,
      ingestTime: i,
      message: JSON.stringify(
        findingRecord(
          { check: "promiscuous", severity, title: "t", detail: "d", path: "/sys/class/net/x" },
          "web-1",
        ),
      ),
    });
    const points = set.extract([event("low", 1), event("high", 2), event("medium", 3)]);
    assert.deepEqual(
      points.map((p) => [p.name, p.timestamp]),
      [["RootcheckHigh", 2]],
    );
  });
});
