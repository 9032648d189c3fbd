/**
 * Checks of the network and cloud sources' settings that the schema cannot express, so `config check`
 * (and a reload) reports them with their place instead of the source failing at start.
 */

import type { DeepCheck } from "../../config/deep-checks.js";
import type { ConfigProblem } from "../../core/errors.js";
import { errorMessage } from "../../core/errors.js";
import { parseFormat } from "../vpc-flow/format.js";

export const networkAndCloudSourceChecks: DeepCheck = (config, locate) => {
  const problems: ConfigProblem[] = [];
  config.sources.forEach((s, i) => {
    if (s.type === "vpc-flow" && s.format !== undefined) {
      try {
        parseFormat(s.format);
      } catch (err) {
        problems.push(locate(["sources", i, "format"], errorMessage(err)));
      }
    }
    if (s.type === "syslog") {
      const isTls = s.listen.startsWith("tls://");
      if (isTls && !s.tls) {
        problems.push(
          locate(["sources", i, "listen"], "tls:// needs a certificate: add tls: { cert: FILE, key: FILE }"),
        );
      }
      if (!isTls && s.tls) {
        problems.push(
          locate(
            ["sources", i, "tls"],
            `tls is only used with listen: tls://HOST:PORT (this one is ${s.listen})`,
          ),
        );
      }
    }
  });
  return problems;
};
